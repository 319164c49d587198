"""compose writes, byte for byte, what the email package wrote for the same message.

The oracle is the former builder (``tests.support.mail.reference_bytes``: EmailMessage,
policy SMTP, flattened as aiosmtplib's send_message did). Boundaries are random in
both; both draw them from ``random`` in the same order, so one seed gives both the same.
"""

from __future__ import annotations

import asyncio
import random
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.support.mail import SAMPLE_CONTEXT, reference_bytes
from tests.support.mail import mail_arguments as arguments
from workers.law.letters import LETTER_FOR_DOCUMENT
from workers.mail.compose import (
    Attachment,
    Language,
    Mail,
    MailKind,
    Rendered,
    render,
    write_message,
)
from workers.mail.transport import EmlDirectoryTransport, eml_filename

pytestmark = pytest.mark.timeout(120)

LANGUAGES = ("fr", "en")
WITH_DOCUMENT = set(LETTER_FOR_DOCUMENT.values())
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
REFERENCE = "AT26-0000042-2"
LONG_LINE = "Une ligne très longue, sans retour, " * 12
AWKWARD_BODY = "\n".join(
    [
        LONG_LINE,
        "x" * 300,
        "espace en fin ",
        "tabulation en fin\t",
        "   ",
        "From the start of a line",
        ".",
        "..point",
        "=?utf-8?q?pas_un_mot?= = égal",
        "retour seul\rici\x0bet là\x0c, NEL \x85 et U+2028 \u2028 fin",
        "émoji 🙂 " * 20,
        "a" * 74 + "é",
        "a" * 75 + " ",
        "a" * 74 + "  ",
        "",
    ]
)


def both(rendered: Rendered, options: dict[str, Any], seed: int = 7) -> tuple[bytes, Mail]:
    """The oracle's bytes and compose's Mail, boundaries drawn from the same seed."""
    random.seed(seed)
    expected = reference_bytes(rendered, **options)
    random.seed(seed)
    return expected, write_message(rendered, **options)


def assert_same(rendered: Rendered, options: dict[str, Any]) -> Mail:
    expected, mail = both(rendered, options)
    assert mail.data.split(b"\r\n") == expected.split(b"\r\n")
    assert mail.data == expected
    return mail


def rendered_with(subject: str, text: str = "Texte.\n", html: str = "<p>HTML</p>\n") -> Rendered:
    return Rendered(subject=subject, text=text, html=html)


# -- every kind, both languages ------------------------------------------------


@pytest.mark.parametrize("with_pdf", [False, True], ids=["no-pdf", "pdf"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind), ids=str)
def test_every_kind_is_byte_identical_to_the_email_package(
    kind: MailKind, language: Language, with_pdf: bool
) -> None:
    if with_pdf and kind.value not in WITH_DOCUMENT:
        pytest.skip("this kind carries no document")
    attachments = [Attachment(f"{REFERENCE}-A1", PDF)] if with_pdf else []
    rendered = render(kind, language, SAMPLE_CONTEXT)
    mail = assert_same(rendered, arguments(kind, attachments=attachments))
    assert mail.sender == "ne-pas-repondre@permis.example"
    assert mail.recipients == ("rh@boulangerie-martin.example",)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind), ids=str)
def test_every_kind_with_hostile_long_values_is_byte_identical(
    kind: MailKind, language: Language
) -> None:
    context = {
        **SAMPLE_CONTEXT,
        "employer_name": "Boulangerie « Élan » & Fils\r\nBcc: x@y " + "très long " * 30,
        "employee_name": "Zoë O'Brien-Nguyễn 🙂 " * 8,
    }
    rendered = render(kind, language, context)
    attachments = [Attachment(f"{REFERENCE}-A1", PDF)] if kind.value in WITH_DOCUMENT else []
    assert_same(rendered, arguments(kind, attachments=attachments))


# -- subjects ------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        f"Dossier {REFERENCE}",
        f"Dossier {REFERENCE}: " + "word " * 30 + "end",
        f"Dossier {REFERENCE} : " + "pièce " * 25 + "fin",
        f"{REFERENCE} " + "🙂" * 40,
        f"{REFERENCE} " + "a" * 150,
        "b" * 180 + f" {REFERENCE}",
        f"Dossier {REFERENCE} =?utf-8?q?not_a_word?= ok",
        f"Dossier {REFERENCE} =?utf-8?q?déjà?=",
        f'Dossier {REFERENCE} (a) [b] <c> "d" \\e\\ ; , : @ _ = ? ~',
        f"Dossier {REFERENCE} " + "x" * (78 - len("Subject: Dossier  ") - len(REFERENCE)),
        f"Dossier {REFERENCE} " + "x" * (79 - len("Subject: Dossier  ") - len(REFERENCE)),
        f"Dossier {REFERENCE} " + "é" * 20 + " " + "a" * 60,
    ],
)
def test_subjects_are_byte_identical(subject: str) -> None:
    assert_same(rendered_with(subject), arguments(reference=REFERENCE))


def test_random_ascii_subjects_fold_as_the_email_package_folds_them() -> None:
    pick = random.Random(2026)
    for _ in range(400):
        words = [
            "".join(pick.choice(string.ascii_letters + string.punctuation) for _ in range(n))
            for n in (pick.randint(1, 70) for _ in range(pick.randint(1, 12)))
        ]
        words.insert(pick.randint(0, len(words)), REFERENCE)
        subject = " ".join(words)[:200].strip()
        if REFERENCE not in subject:
            continue
        assert_same(rendered_with(subject), arguments(reference=REFERENCE))


def test_random_unicode_subjects_encode_as_the_email_package_encodes_them() -> None:
    pick = random.Random(2027)
    alphabet = string.ascii_letters + " =?_.,:;'\"" + "éèàçœ€«»–’" + "日本語" + "🙂𝄞"
    for _ in range(300):
        body = "".join(pick.choice(alphabet) for _ in range(pick.randint(1, 180)))
        subject = " ".join(f"{REFERENCE} {body}".split())[:200]
        assert_same(rendered_with(subject), arguments(reference=REFERENCE))


# -- bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (AWKWARD_BODY, f"<p>{AWKWARD_BODY}</p>"),
        ("", ""),
        ("sans fin de ligne", "<p>sans fin de ligne</p>"),
        ("\n\n\n", "\r\n\r\n"),
        ("crlf\r\nendings\r\n", "<p>crlf</p>\r\n"),
        ("x" * 76 + "\n" + "y" * 77 + "\n" + "z" * 78, "=" * 200),
    ],
)
def test_bodies_are_byte_identical(text: str, html: str) -> None:
    mail = assert_same(
        rendered_with(f"Dossier {REFERENCE}", text, html), arguments(reference=REFERENCE)
    )
    assert b"\n" not in mail.data.replace(b"\r\n", b"")


# -- headers and attachments ---------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"recipient": "o'brien+tag@x.example"},
        {"recipient": "a.b-c_d=e?f^g`h{i|j}k~l!m#n$o%p&q*r/s@x.example"},
        {"recipient": "RH@Boulangerie-Martin.EXAMPLE"},
        {"recipient": "rh@bücher.example"},
        {"recipient": "a" * 64 + "@" + "b" * 60 + ".example"},
        {"sender": "n" * 60 + "@" + "permis.example", "reply_to": "c" * 70 + "@p.example"},
        {"reference": "R" * 64},
        {"reference": "R" * 60},
        {"message_id": "<abc@permis.example>"},
        {"message_id": "<" + "a" * 64 + "@p.example>"},
        {"message_id": "<" + "a" * 64 + "@" + "d" * 200 + ".example>"},
        {"message_id": "<a.b_c-d@x..y>"},
        {"message_id": "<" + "f" * 60 + "@a-b.c-d.example>"},
        {"date": datetime(2027, 3, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5)))},
        {"date": datetime(2027, 7, 14, 8, 5, tzinfo=timezone(timedelta(hours=2)))},
        {"date": datetime(2027, 7, 14, 8, 5, 0, 123456, tzinfo=UTC)},
    ],
    ids=repr,
)
def test_headers_are_byte_identical(overrides: dict[str, Any]) -> None:
    options = arguments(**{"reference": REFERENCE, **overrides})
    subject = f"Dossier {options['reference']} : accordée"
    assert_same(rendered_with(subject), options)


@pytest.mark.parametrize(
    "attachments",
    [
        [Attachment(f"{REFERENCE}-A1", b"")],
        [Attachment(f"{REFERENCE}-A1", b"x" * 57)],
        [Attachment(f"{REFERENCE}-A1", b"x" * 58)],
        [Attachment("D" * 64, PDF)],
        [Attachment("D" * 30, PDF)],
        [Attachment(f"{REFERENCE}-A1", PDF), Attachment(f"{REFERENCE}-R1", PDF[::-1])],
    ],
    ids=lambda a: f"{len(a)}x{len(a[0].content)}B-{len(a[0].document_number)}",
)
def test_attachments_are_byte_identical(attachments: list[Attachment]) -> None:
    rendered = render(MailKind.AUTHORIZATION_GRANTED, "fr", SAMPLE_CONTEXT)
    assert_same(rendered, arguments(MailKind.AUTHORIZATION_GRANTED, attachments=attachments))


def test_many_seeds_give_the_same_boundaries_as_the_email_package() -> None:
    rendered = render(MailKind.AUTHORIZATION_GRANTED, "en", SAMPLE_CONTEXT)
    options = arguments(MailKind.AUTHORIZATION_GRANTED, attachments=[Attachment("X-A1", PDF)])
    for seed in range(50):
        expected, mail = both(rendered, options, seed)
        assert mail.data == expected


# -- what goes out -------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind), ids=str)
def test_lines_are_crlf_ascii_and_at_most_78_columns(kind: MailKind, language: Language) -> None:
    attachments = [Attachment(f"{REFERENCE}-A1", PDF)] if kind.value in WITH_DOCUMENT else []
    rendered = render(kind, language, SAMPLE_CONTEXT)
    options = arguments(kind, attachments=attachments, message_id="<a@permis.example>")
    data = write_message(rendered, **options).data
    assert data.isascii() and data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert not any(b"\r" in line or b"\n" in line for line in lines)
    assert max(len(line) for line in lines) <= 78


def test_the_eml_folder_gets_the_bytes_as_written(tmp_path: Path) -> None:
    mail = write_message(render(MailKind.DEPOSIT_CONFIRMATION, "fr", SAMPLE_CONTEXT), **arguments())
    asyncio.run(EmlDirectoryTransport(tmp_path).send(mail))
    (written,) = tmp_path.iterdir()
    assert written.name == eml_filename(mail) == mail.message_id.strip("<>") + ".eml"
    assert written.read_bytes() == mail.data
