"""Each email kind after deposit: its builder's context renders in both languages, safely."""

from __future__ import annotations

import copy
import email
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, get_args

import pytest
from markupsafe import escape

from config.reference import DOCUMENT_KINDS, load_reference
from messages.common import DocumentKind
from workers.core.errors import PermanentError
from workers.mail import letters
from workers.mail.compose import (
    MAIL_TEMPLATES_DIR,
    SUBJECT_MAX_CHARS,
    Attachment,
    MailKind,
    Rendered,
    message_id_for,
    render,
    write_message,
)
from workers.mail.labels import DOCUMENT_LABELS, document_label

pytestmark = pytest.mark.timeout(30)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_01 = next((ROOT / "messages" / "samples" / "submissions").glob("01-*.json"))
NUMBER = "AT26-0000042-2"
CONTACT = "0806 001 620"
LANGUAGES = ("fr", "en")
SENT_AT = datetime(2027, 1, 21, 9, 0, tzinfo=UTC)
HOSTILE = "<script>x</script>"
ESCAPED = "&lt;script&gt;x&lt;/script&gt;"
REASONS = [
    {
        "code": "salary_below_minimum",
        "legal_basis": "CESEDA art. R. 5221-20",
        "text": "Le salaire proposé est inférieur au minimum conventionnel.",
    },
    {"code": "job_offer_not_published", "text": "L'offre n'a pas été publiée assez longtemps."},
]
REQUESTED = [
    {"kind": "company_registration", "note": "Extrait de moins de trois mois."},
    {"kind": "tax_notice"},
]
UNREACHABLE = {"fr": "aucune adresse électronique valide", "en": "no valid email address"}
NEXT_STEP = {
    ("introduction", "fr"): "demande de visa",
    ("introduction", "en"): "visa application",
    ("change_of_status", "fr"): "demande de titre de séjour",
    ("change_of_status", "en"): "residence-permit application",
}

SUSPENSION = {
    "fr": ("suspendu", "repart ensuite pour deux mois"),
    "en": ("suspended", "starts again for two months"),
}

Builder = Callable[..., letters.Letter]


def sample_submission(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_01.read_text(encoding="utf-8"))["data"]
    return {**copy.deepcopy(data), **changes}


def with_employer_name(name: str) -> dict[str, Any]:
    submission = sample_submission()
    submission["employer"]["name"] = name
    return submission


# kind -> (builder, its arguments beyond number/submission/recipient, attachment letter)
CASES: dict[MailKind, tuple[Builder, dict[str, Any], str | None]] = {
    MailKind.AUTHORIZATION_GRANTED: (
        letters.authorization_granted,
        {
            "recipient_role": "employer",
            "document_number": f"{NUMBER}-A1",
            "valid_from": date(2027, 2, 1),
            "valid_until": date(2028, 1, 31),
        },
        "A",
    ),
    MailKind.AUTHORIZATION_REFUSED: (
        letters.authorization_refused,
        {"recipient_role": "employer", "document_number": f"{NUMBER}-R1", "reasons": REASONS},
        "R",
    ),
    MailKind.IMPLICIT_REFUSAL: (
        letters.implicit_refusal,
        {
            "recipient_role": "employer",
            "document_number": f"{NUMBER}-I1",
            "deadline": date(2027, 1, 20),
        },
        "I",
    ),
    MailKind.DOCUMENTS_REQUESTED: (
        letters.documents_requested,
        {
            "document_number": f"{NUMBER}-D1",
            "requested_documents": REQUESTED,
            "respond_by": date(2026, 12, 20),
        },
        "D",
    ),
    MailKind.DOCUMENTS_RECEIVED: (
        letters.documents_received,
        {
            "deadline": date(2027, 3, 2),
            "documents": [{"kind": "company_registration", "filename": "kbis-2026-12.pdf"}],
        },
        None,
    ),
    MailKind.DOSSIER_TRANSFERRED: (
        letters.dossier_transferred,
        {"platform_name": "Plateforme de Nanterre", "deadline": date(2027, 1, 20)},
        None,
    ),
    MailKind.DOSSIER_CLOSED: (
        letters.dossier_closed,
        {"closed_by": "platform", "reasons": REASONS},
        None,
    ),
}
NEW_KINDS = list(CASES)
BOTH_ROLES = [
    MailKind.AUTHORIZATION_GRANTED,
    MailKind.AUTHORIZATION_REFUSED,
    MailKind.IMPLICIT_REFUSAL,
]


def letter_of(kind: MailKind, submission: dict[str, Any] | None = None, **overrides: Any) -> Any:
    builder, arguments, _ = CASES[kind]
    return builder(
        number=NUMBER,
        submission=submission or sample_submission(),
        recipient="recrutement@quantiq-analytics.example",
        **{**arguments, **overrides},
    )


def rendered(kind: MailKind, language: str, **overrides: Any) -> Rendered:
    return render(kind, language, letter_of(kind, **overrides).context)  # type: ignore[arg-type]


def attachments_of(kind: MailKind) -> list[Attachment]:
    letter_code = CASES[kind][2]
    if letter_code is None:
        return []
    return [Attachment(f"{NUMBER}-{letter_code}1", b"%PDF-1.7\n%fake\n")]


def message_of(kind: MailKind, language: str, **overrides: Any) -> EmailMessage:
    message = write_message(
        rendered(kind, language, **overrides),
        kind=kind,
        reference=NUMBER,
        sender="ne-pas-repondre@permis.example",
        recipient="recrutement@quantiq-analytics.example",
        reply_to="contact@permis.example",
        message_id=message_id_for(NUMBER, kind, "employer", "permis.example"),
        date=SENT_AT,
        attachments=attachments_of(kind),
    ).parsed()
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


# -- every new kind, both languages --------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_every_new_kind_has_its_three_templates(kind: MailKind, language: str) -> None:
    for name in (f"subject.{language}.txt", f"body.{language}.txt", f"body.{language}.html"):
        assert (MAIL_TEMPLATES_DIR / kind / name).is_file()


def test_every_mail_kind_now_has_a_builder_or_an_older_one() -> None:
    assert set(MailKind) == {*CASES, MailKind.DEPOSIT_CONFIRMATION, MailKind.SUBMISSION_REJECTED}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_builder_context_renders_into_a_message_with_contact_and_subject(
    kind: MailKind, language: str
) -> None:
    message = message_of(kind, language)
    subject = message["Subject"]
    assert NUMBER in subject and "\n" not in subject and "\r" not in subject
    assert len(subject) <= SUBJECT_MAX_CHARS
    assert message["X-Permis-Kind"] == kind.value and message["X-Permis-Dossier"] == NUMBER
    text, html = parts(message)
    assert CONTACT in text and CONTACT in html
    assert NUMBER in text and NUMBER in html
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k for k in NEW_KINDS if CASES[k][2]])
def test_attached_document_is_named_by_its_number_and_announced(
    kind: MailKind, language: str
) -> None:
    message = message_of(kind, language)
    (attached,) = message.iter_attachments()
    filename = f"{NUMBER}-{CASES[kind][2]}1.pdf"
    assert attached.get_filename() == filename
    assert attached.get_content_type() == "application/pdf"
    text, html = parts(message)
    assert filename in text and filename in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_no_name_reaches_the_subject(kind: MailKind, language: str) -> None:
    subject = rendered(kind, language, submission=with_employer_name(HOSTILE)).subject
    for name in ("REDDY", "Sai Kiran", "script", "Quantiq", "Ingénieur"):
        assert name not in subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_html_escapes_a_hostile_employer_name_and_text_keeps_it(
    kind: MailKind, language: str
) -> None:
    result = rendered(kind, language, submission=with_employer_name(HOSTILE))
    assert HOSTILE not in result.html and ESCAPED in result.html
    assert HOSTILE in result.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (MailKind.AUTHORIZATION_REFUSED, "reasons"),
        (MailKind.DOSSIER_CLOSED, "reasons"),
        (MailKind.DOCUMENTS_REQUESTED, "requested_documents"),
        (MailKind.DOCUMENTS_RECEIVED, "documents"),
        (MailKind.DOSSIER_TRANSFERRED, "platform_name"),
    ],
)
def test_html_escapes_values_from_agents_and_portal(
    kind: MailKind, field: str, language: str
) -> None:
    value: Any = {
        "reasons": [{"code": "c", "legal_basis": HOSTILE, "text": HOSTILE}],
        "requested_documents": [{"kind": "other", "note": HOSTILE}],
        "documents": [{"kind": "other", "filename": HOSTILE}],
        "platform_name": HOSTILE,
    }[field]
    result = rendered(kind, language, **{field: value})
    assert HOSTILE not in result.html and ESCAPED in result.html
    assert HOSTILE in result.text


# -- language ------------------------------------------------------------------


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_employer_letters_are_in_french(kind: MailKind) -> None:
    assert letter_of(kind).language == "fr"


@pytest.mark.parametrize("kind", BOTH_ROLES)
def test_beneficiary_letters_follow_the_preferred_language(kind: MailKind) -> None:
    assert letter_of(kind, recipient_role="beneficiary").language == "en"
    submission = sample_submission()
    del submission["employee"]["preferred_language"]
    assert letter_of(kind, submission, recipient_role="beneficiary").language == "fr"


@pytest.mark.parametrize("kind", BOTH_ROLES)
def test_an_unknown_recipient_role_is_refused(kind: MailKind) -> None:
    with pytest.raises(PermanentError, match="recipient_role"):
        letter_of(kind, recipient_role="notary")


@pytest.mark.parametrize("kind", BOTH_ROLES)
def test_beneficiary_letter_speaks_to_the_beneficiary(kind: MailKind) -> None:
    letter = letter_of(kind, recipient_role="beneficiary")
    result = render(kind, "en", letter.context)
    assert "to hire you" in result.text and "to hire you" in result.html


# -- what the letters say ------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["employer", "beneficiary"])
def test_next_step_is_the_visa_for_an_introduction_else_the_residence_permit(
    role: str, language: str
) -> None:
    kind = MailKind.AUTHORIZATION_GRANTED
    introduction = rendered(kind, language, recipient_role=role)
    change = rendered(
        kind,
        language,
        recipient_role=role,
        submission=sample_submission(procedure="change_of_status"),
    )
    visa, permit = NEXT_STEP["introduction", language], NEXT_STEP["change_of_status", language]
    for part in (introduction.text, introduction.html):
        assert visa in part and permit not in part
    for part in (change.text, change.html):
        assert permit in part and visa not in part


@pytest.mark.parametrize("language", LANGUAGES)
def test_granted_letter_gives_number_and_validity(language: str) -> None:
    result = rendered(MailKind.AUTHORIZATION_GRANTED, language)
    start, end = {"fr": ("1er février 2027", "31 janvier 2028")}.get(
        language, ("1 February 2027", "31 January 2028")
    )
    for part in (result.text, result.html):
        assert f"{NUMBER}-A1" in part and start in part and end in part


@pytest.mark.parametrize("language", LANGUAGES)
def test_implicit_grant_is_said_only_when_told(language: str) -> None:
    words = {"fr": "vaut acceptation", "en": "means acceptance"}[language]
    assert words in rendered(MailKind.AUTHORIZATION_GRANTED, language, implicit=True).text
    assert words not in rendered(MailKind.AUTHORIZATION_GRANTED, language).text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", BOTH_ROLES)
def test_unreachable_beneficiary_is_mentioned_only_when_true(kind: MailKind, language: str) -> None:
    words = UNREACHABLE[language]
    told = rendered(kind, language, beneficiary_unreachable=True)
    assert words in told.text and words in told.html
    silent = rendered(kind, language, beneficiary_unreachable=False)
    assert words not in silent.text and words not in silent.html
    beneficiary = rendered(
        kind, language, recipient_role="beneficiary", beneficiary_unreachable=True
    )
    assert words not in beneficiary.text and words not in beneficiary.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MailKind.AUTHORIZATION_REFUSED, MailKind.IMPLICIT_REFUSAL])
def test_refusals_give_the_three_appeal_routes_within_two_months(
    kind: MailKind, language: str
) -> None:
    result = rendered(kind, language)
    two_months = {"fr": "deux mois", "en": "two months"}[language]
    minister = {"fr": "ministre de l'Intérieur", "en": "Minister of the Interior"}[language]
    for part in (result.text, result.html.replace("&#39;", "'")):
        for words in ("recours gracieux", "recours hiérarchique", "recours contentieux"):
            assert words in part
        assert "préfet" in part and "tribunal administratif" in part
        assert two_months in part and minister in part


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MailKind.AUTHORIZATION_REFUSED, MailKind.DOSSIER_CLOSED])
def test_every_reason_is_summarised(kind: MailKind, language: str) -> None:
    result = rendered(kind, language)
    for reason in REASONS:
        for part in (result.text, result.html.replace("&#39;", "'")):
            assert reason["code"] in part and reason["text"] in part
    assert REASONS[0]["legal_basis"] in result.text


@pytest.mark.parametrize(
    ("language", "labels", "respond_by"),
    [
        ("fr", ("Extrait Kbis", "Avis d'imposition"), "20 décembre 2026"),
        ("en", ("Company registration extract (Kbis)", "Tax notice"), "20 December 2026"),
    ],
)
def test_documents_requested_lists_labels_notes_and_date(
    language: str, labels: tuple[str, str], respond_by: str
) -> None:
    result = rendered(MailKind.DOCUMENTS_REQUESTED, language)
    other = "en" if language == "fr" else "fr"
    for part in (result.text, result.html.replace("&#39;", "'")):
        assert all(label in part for label in labels)
        assert DOCUMENT_LABELS["tax_notice"][other] not in part
        assert "Extrait de moins de trois mois." in part and respond_by in part
    for words in SUSPENSION[language]:
        assert words in result.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_documents_received_gives_the_new_deadline(language: str) -> None:
    result = rendered(MailKind.DOCUMENTS_RECEIVED, language)
    deadline = {"fr": "2 mars 2027", "en": "2 March 2027"}[language]
    label = DOCUMENT_LABELS["company_registration"][language]
    for part in (result.text, result.html):
        assert deadline in part and label in part and "kbis-2026-12.pdf" in part


@pytest.mark.parametrize("language", LANGUAGES)
def test_documents_received_reads_well_without_a_list(language: str) -> None:
    result = rendered(MailKind.DOCUMENTS_RECEIVED, language, documents=None)
    assert "None" not in result.text and "kbis" not in result.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_transfer_names_the_platform_and_keeps_the_deadline(language: str) -> None:
    result = rendered(MailKind.DOSSIER_TRANSFERRED, language)
    unchanged = {"fr": "inchangé", "en": "unchanged"}[language]
    deadline = {"fr": "20 janvier 2027", "en": "20 January 2027"}[language]
    for part in (result.text, result.html):
        assert "Plateforme de Nanterre" in part and unchanged in part and deadline in part
    without = rendered(MailKind.DOSSIER_TRANSFERRED, language, deadline=None)
    assert unchanged in without.text and "None" not in without.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_closure_says_who_closed_it(language: str) -> None:
    by_platform = rendered(MailKind.DOSSIER_CLOSED, language)
    by_employer = rendered(MailKind.DOSSIER_CLOSED, language, closed_by="employer")
    withdrawn = {"fr": "retirée", "en": "withdrawn"}[language]
    assert withdrawn in by_employer.subject and withdrawn in by_employer.text
    assert withdrawn not in by_platform.text
    assert REASONS[0]["code"] in by_platform.text
    assert REASONS[0]["code"] not in by_employer.text


def test_closure_by_someone_else_is_refused() -> None:
    with pytest.raises(PermanentError, match="closed_by"):
        letter_of(MailKind.DOSSIER_CLOSED, closed_by="agent")


# -- labels --------------------------------------------------------------------


def test_labels_cover_exactly_the_document_kinds_of_the_contract() -> None:
    assert set(DOCUMENT_LABELS) == set(get_args(DocumentKind)) == set(DOCUMENT_KINDS)
    for labels in DOCUMENT_LABELS.values():
        assert set(labels) == set(LANGUAGES) and labels["fr"] != labels["en"]


def test_an_unknown_document_kind_is_shown_as_its_code() -> None:
    assert document_label("passport", "en") == "Passport"
    assert document_label("hologram", "fr") == "hologram"


def test_an_email_is_sent_once_per_document_else_per_dossier_or_submission() -> None:
    from workers.mail.letters import mail_key

    assert mail_key("AT26-0000042-2-D2", "AT26-0000042-2", None) == "AT26-0000042-2-D2"
    assert mail_key(None, "AT26-0000042-2", None) == "AT26-0000042-2"
    assert mail_key(None, None, "8b0f6a4e") == "8b0f6a4e"


# -- who writes ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", NEW_KINDS)
def test_every_letter_opens_with_the_state_and_the_platform_that_writes_it(
    kind: MailKind, language: str
) -> None:
    platform = letters.issuing_platform(load_reference(), "pf-bobigny")
    letter = letters.issued_by(letter_of(kind), platform)
    result = render(kind, language, letter.context)  # type: ignore[arg-type]
    assert platform is not None
    assert result.text.startswith("RÉPUBLIQUE FRANÇAISE\nLiberté, Égalité, Fraternité\n")
    assert platform.name in result.text and platform.host_prefecture in result.text
    assert escape(platform.name) in result.html and platform.host_prefecture in result.html
    assert "RÉPUBLIQUE<br>FRANÇAISE" in result.html


@pytest.mark.parametrize("platform_id", [None, "pf-atlantis"])
def test_a_letter_without_a_known_platform_names_only_the_service(
    platform_id: str | None,
) -> None:
    platform = letters.issuing_platform(load_reference(), platform_id)
    assert platform is None
    letter = letters.issued_by(letter_of(MailKind.DOSSIER_CLOSED), platform)
    result = render(MailKind.DOSSIER_CLOSED, "fr", letter.context)
    assert "Autorisations de travail\n\nMadame, Monsieur," in result.text
    assert "Plateforme" not in result.text.split("Madame, Monsieur,")[0]
