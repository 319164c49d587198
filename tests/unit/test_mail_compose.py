"""The mail stage's pure part: templates, subject, headers, Message-ID, and .eml files."""

from __future__ import annotations

import asyncio
import email
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.mail import DOSSIER, SAMPLE_CONTEXT, SENT_AT, SUBMISSION, mail_arguments
from workers.core.errors import PermanentError
from workers.law.wording import long_date
from workers.mail.compose import (
    MAIL_TEMPLATES_DIR,
    SUBJECT_MAX_CHARS,
    Attachment,
    MailKind,
    Rendered,
    message_id_for,
    reference_of,
    render,
    write_message,
)
from workers.mail.transport import EmlDirectoryTransport, MailTransport

pytestmark = pytest.mark.timeout(30)

CONTACT = "0806 001 620"
LANGUAGES = ("fr", "en")


def template_kinds_on_disk() -> list[str]:
    return sorted(
        p.name for p in MAIL_TEMPLATES_DIR.iterdir() if p.is_dir() and not p.name.startswith("_")
    )


def rendered(kind: MailKind, language: str = "fr", **overrides: Any) -> Rendered:
    return render(kind, language, {**SAMPLE_CONTEXT, **overrides})  # type: ignore[arg-type]


def built(kind: MailKind = MailKind.DEPOSIT_CONFIRMATION, **overrides: Any) -> EmailMessage:
    return write_message(rendered(kind), **mail_arguments(kind, **overrides)).parsed()


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


# -- templates -----------------------------------------------------------------


def test_every_template_folder_names_a_mail_kind() -> None:
    assert set(template_kinds_on_disk()) <= {kind.value for kind in MailKind}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", template_kinds_on_disk())
def test_every_template_folder_renders(kind: str, language: str) -> None:
    result = render(MailKind(kind), language, SAMPLE_CONTEXT)  # type: ignore[arg-type]
    assert result.subject and result.text.strip() and result.html.strip()
    assert f'<html lang="{language}">' in result.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MailKind.DEPOSIT_CONFIRMATION, MailKind.SUBMISSION_REJECTED])
def test_kinds_of_this_iteration_have_templates(kind: MailKind, language: str) -> None:
    for name in (f"subject.{language}.txt", f"body.{language}.txt", f"body.{language}.html"):
        assert (MAIL_TEMPLATES_DIR / kind / name).is_file()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MailKind.DEPOSIT_CONFIRMATION, MailKind.SUBMISSION_REJECTED])
def test_a_missing_context_key_fails_permanently(kind: MailKind, language: str) -> None:
    context = {k: v for k, v in SAMPLE_CONTEXT.items() if k != "employer_name"}
    with pytest.raises(PermanentError, match="employer_name"):
        render(kind, language, context)  # type: ignore[arg-type]


def test_a_kind_without_templates_fails_permanently() -> None:
    missing = [kind for kind in MailKind if kind.value not in template_kinds_on_disk()]
    if not missing:
        pytest.skip("every kind has templates")
    with pytest.raises(PermanentError, match="no fr template"):
        render(missing[0], "fr", SAMPLE_CONTEXT)


def test_an_unsupported_language_fails_permanently() -> None:
    with pytest.raises(PermanentError, match="language"):
        render(MailKind.DEPOSIT_CONFIRMATION, "de", SAMPLE_CONTEXT)  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", template_kinds_on_disk())
def test_contact_centre_number_is_in_both_parts(kind: str, language: str) -> None:
    result = rendered(MailKind(kind), language)
    assert CONTACT in result.text and CONTACT in result.html
    assert "free call" in result.text and "free call" in result.html


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (date(2027, 1, 20), "fr", "20 janvier 2027"),
        (date(2027, 1, 20), "en", "20 January 2027"),
        (date(2027, 2, 1), "fr", "1er février 2027"),
        (date(2027, 2, 1), "en", "1 February 2027"),
        (date(2027, 8, 31), "fr", "31 août 2027"),
        (date(2027, 12, 5), "en", "5 December 2027"),
    ],
)
def test_long_date_writes_the_month_in_words(value: date, language: str, expected: str) -> None:
    assert long_date(value, language) == expected


@pytest.mark.parametrize(
    ("language", "deadline_words", "rule"),
    [("fr", "20 janvier 2027", "silence vaut rejet"), ("en", "20 January 2027", "silence")],
)
def test_deposit_confirmation_explains_the_silence_deadline(
    language: str, deadline_words: str, rule: str
) -> None:
    result = rendered(MailKind.DEPOSIT_CONFIRMATION, language)
    for part in (result.text, result.html):
        assert deadline_words in part and rule in part and DOSSIER in part


def test_deposit_confirmation_says_silence_grants_when_told() -> None:
    result = rendered(MailKind.DEPOSIT_CONFIRMATION, "fr", implicit_grant=True)
    assert "vaut acceptation" in result.text and "silence vaut rejet" not in result.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_submission_rejected_lists_every_error(language: str) -> None:
    result = rendered(MailKind.SUBMISSION_REJECTED, language)
    for error in SAMPLE_CONTEXT["errors"]:
        message = error[f"message_{language}"]
        assert message in result.text and message in result.html
        assert error["code"] in result.text
    assert "/data/employer/siret" in result.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_submission_rejected_reads_well_without_employer_name(language: str) -> None:
    result = rendered(MailKind.SUBMISSION_REJECTED, language, employer_name=None)
    assert "None" not in result.text and "None" not in result.html


# -- subject -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("kind", "reference"),
    [(MailKind.DEPOSIT_CONFIRMATION, DOSSIER), (MailKind.SUBMISSION_REJECTED, SUBMISSION)],
)
def test_subject_is_one_bounded_line_with_the_reference(
    kind: MailKind, reference: str, language: str
) -> None:
    hostile = "Martin\r\nBcc: x@y\n\u2028\x00" + "x" * 300
    subject = rendered(kind, language, employer_name=hostile).subject
    assert reference in subject
    assert len(subject) <= SUBJECT_MAX_CHARS
    assert not any(c in subject for c in "\r\n\x00\u2028")
    assert "Bcc" not in subject  # no name, hence no input, reaches the subject


def test_header_injection_through_employer_name_stays_in_the_body() -> None:
    hostile = "Martin\r\nBcc: x@y"
    message = write_message(
        rendered(MailKind.DEPOSIT_CONFIRMATION, employer_name=hostile),
        kind=MailKind.DEPOSIT_CONFIRMATION,
        reference=DOSSIER,
        sender="ne-pas-repondre@permis.example",
        recipient="rh@boulangerie-martin.example",
        reply_to="contact@permis.example",
        message_id=message_id_for(DOSSIER, MailKind.DEPOSIT_CONFIRMATION, "employer", "p.example"),
        date=SENT_AT,
    ).parsed()
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None


# -- escaping ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MailKind.DEPOSIT_CONFIRMATION, MailKind.SUBMISSION_REJECTED])
def test_html_escapes_input_and_text_keeps_it(kind: MailKind, language: str) -> None:
    script = "<script>alert(1)</script>"
    result = rendered(kind, language, employer_name=script)
    assert script not in result.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.html
    assert script in result.text


def test_html_escapes_error_messages() -> None:
    errors = [{**SAMPLE_CONTEXT["errors"][0], "detail": "<img src=x onerror=alert(1)>"}]
    result = rendered(MailKind.SUBMISSION_REJECTED, errors=errors)
    assert "<img" not in result.html and "&lt;img" in result.html


# -- message -------------------------------------------------------------------


def test_message_has_the_contract_headers() -> None:
    message = built()
    kind = MailKind.DEPOSIT_CONFIRMATION
    expected_id = message_id_for(DOSSIER, kind, "employer", "permis.example")
    assert message["From"] == "ne-pas-repondre@permis.example"
    assert message["To"] == "rh@boulangerie-martin.example"
    assert message["Reply-To"] == "contact@permis.example"
    assert message["Message-ID"] == expected_id
    assert message["X-Permis-Kind"] == "deposit_confirmation"
    assert message["X-Permis-Dossier"] == DOSSIER
    assert message["Date"] == "Fri, 20 Nov 2026 10:00:00 +0000"
    assert DOSSIER in message["Subject"]


def test_submission_rejected_is_keyed_by_the_submission_id() -> None:
    message = built(MailKind.SUBMISSION_REJECTED)
    assert message["X-Permis-Dossier"] == SUBMISSION
    assert message["X-Permis-Kind"] == "submission_rejected"
    assert SUBMISSION in message["Subject"]


def test_message_round_trips_with_text_and_html_alternatives() -> None:
    message = built()
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parts(parsed)
    assert "20 novembre 2026" in text and "Boulangerie Martin SARL" in text
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert (
        parsed["Subject"] == message["Subject"] == rendered(MailKind.DEPOSIT_CONFIRMATION).subject
    )
    assert all(len(line) <= 998 for line in message.as_bytes().split(b"\r\n"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MailKind.DEPOSIT_CONFIRMATION, MailKind.SUBMISSION_REJECTED])
def test_subject_survives_folding_and_encoding(kind: MailKind, language: str) -> None:
    subject = render(kind, language, SAMPLE_CONTEXT).subject  # type: ignore[arg-type]
    message = write_message(
        render(kind, language, SAMPLE_CONTEXT),  # type: ignore[arg-type]
        kind=kind,
        reference=reference_of(kind, SAMPLE_CONTEXT),
        sender="ne-pas-repondre@permis.example",
        recipient="rh@boulangerie-martin.example",
        reply_to="contact@permis.example",
        message_id="<abc@permis.example>",
        date=SENT_AT,
    ).parsed()
    raw = message.as_bytes()
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n"))
    assert email.message_from_bytes(raw, policy=policy.default)["Subject"] == subject


def test_no_person_name_reaches_a_header() -> None:
    message = built()
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    assert "Anjali" not in headers and "Martin" not in headers


def test_attachments_are_pdf_parts_named_by_document_number() -> None:
    pdf = Attachment(document_number=f"{DOSSIER}-A1", content=b"%PDF-1.7\n%fake\n")
    message = built(attachments=[pdf])
    assert message.get_content_type() == "multipart/mixed"
    attached = list(message.iter_attachments())
    assert len(attached) == 1
    assert attached[0].get_content_type() == "application/pdf"
    assert attached[0].get_filename() == f"{DOSSIER}-A1.pdf"
    assert attached[0].get_content() == pdf.content
    assert parts(message)[0]


def test_an_attachment_name_from_elsewhere_is_refused() -> None:
    with pytest.raises(PermanentError, match="document number"):
        built(attachments=[Attachment(document_number="../../x\r\n", content=b"%PDF")])


def test_a_message_over_10_mib_is_refused() -> None:
    big = Attachment(document_number=f"{DOSSIER}-A1", content=b"\0" * (8 * 1024 * 1024))
    with pytest.raises(PermanentError, match="10 MiB"):
        built(attachments=[big])


@pytest.mark.parametrize(
    "recipient",
    ["not-an-address", "rh@boulangerie.example\r\nBcc: x@y", "Jean <rh@b.example>", "", "a@b"],
)
def test_an_invalid_recipient_fails_permanently(recipient: str) -> None:
    with pytest.raises(PermanentError, match="recipient address is invalid") as caught:
        built(recipient=recipient)
    assert "@" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", "AT26\r\nBcc: x@y"),
        ("message_id", "<abc@x.example>\r\nBcc: x@y"),
        ("date", datetime(2026, 11, 20, 10, 0)),
        ("sender", "nobody"),
    ],
)
def test_a_malformed_header_value_fails_permanently(field: str, value: Any) -> None:
    with pytest.raises(PermanentError):
        built(**{field: value})


def test_a_subject_with_a_line_break_is_refused() -> None:
    bad = Rendered(subject=f"{DOSSIER}\r\nBcc: x@y", text="t", html="<p>h</p>")
    with pytest.raises(PermanentError, match="one bounded line"):
        write_message(
            bad,
            kind=MailKind.DEPOSIT_CONFIRMATION,
            reference=DOSSIER,
            sender="ne-pas-repondre@permis.example",
            recipient="rh@boulangerie-martin.example",
            reply_to="contact@permis.example",
            message_id="<abc@permis.example>",
            date=SENT_AT,
        ).parsed()


# -- Message-ID ----------------------------------------------------------------


def test_message_id_is_deterministic() -> None:
    first = message_id_for(DOSSIER, MailKind.AUTHORIZATION_GRANTED, "employer", "permis.example")
    again = message_id_for(DOSSIER, MailKind.AUTHORIZATION_GRANTED, "employer", "permis.example")
    assert first == again
    assert first.startswith("<") and first.endswith("@permis.example>")


def test_message_id_differs_per_recipient_role_kind_and_reference() -> None:
    ids = {
        message_id_for(DOSSIER, MailKind.AUTHORIZATION_GRANTED, "employer", "permis.example"),
        message_id_for(DOSSIER, MailKind.AUTHORIZATION_GRANTED, "beneficiary", "permis.example"),
        message_id_for(DOSSIER, MailKind.AUTHORIZATION_REFUSED, "employer", "permis.example"),
        message_id_for("AT26-0000043-0", MailKind.AUTHORIZATION_GRANTED, "employer", "p.example"),
    }
    assert len(ids) == 4


@pytest.mark.parametrize("domain", ["permis.example\r\nBcc: x@y", "", "a b.example"])
def test_message_id_refuses_a_bad_domain(domain: str) -> None:
    with pytest.raises(PermanentError):
        message_id_for(DOSSIER, MailKind.DEPOSIT_CONFIRMATION, "employer", domain)


# -- .eml folder ---------------------------------------------------------------


def read_eml(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_eml_transport_implements_the_protocol(tmp_path: Path) -> None:
    transport: MailTransport = EmlDirectoryTransport(tmp_path)
    assert transport is not None


def test_eml_transport_writes_one_file_named_by_message_id(tmp_path: Path) -> None:
    folder = tmp_path / "mail" / "out"
    message = built()
    asyncio.run(EmlDirectoryTransport(folder).send(message))
    files = list(folder.iterdir())
    assert len(files) == 1
    assert files[0].name == message["Message-ID"].strip("<>") + ".eml"
    written = read_eml(files[0])
    assert written["X-Permis-Dossier"] == DOSSIER
    assert all(parts(written))


def test_eml_transport_keeps_one_file_per_message_id(tmp_path: Path) -> None:
    async def send_twice() -> None:
        transport = EmlDirectoryTransport(tmp_path)
        await transport.send(built())
        await transport.send(built())
        await transport.close()

    asyncio.run(send_twice())
    assert [p.suffix for p in tmp_path.iterdir()] == [".eml"]


def test_eml_transport_writes_each_recipient_role_apart(tmp_path: Path) -> None:
    async def send_both() -> None:
        transport = EmlDirectoryTransport(tmp_path)
        for role in ("employer", "beneficiary"):
            mid = message_id_for(DOSSIER, MailKind.DEPOSIT_CONFIRMATION, role, "p.example")
            await transport.send(built(message_id=mid))

    asyncio.run(send_both())
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_eml_transport_sanitizes_the_file_name(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Message-ID"] = "<../../etc/passwd@x.example>"
    message.set_content("x")
    asyncio.run(EmlDirectoryTransport(tmp_path).send(message))
    (written,) = tmp_path.iterdir()
    assert written.parent == tmp_path and "/" not in written.name
    assert not written.name.startswith(".")


def test_eml_transport_refuses_a_message_without_message_id(tmp_path: Path) -> None:
    message = EmailMessage()
    message.set_content("x")
    with pytest.raises(PermanentError):
        asyncio.run(EmlDirectoryTransport(tmp_path).send(message))
    assert list(tmp_path.iterdir()) == []
