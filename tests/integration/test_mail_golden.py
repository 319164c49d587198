"""Every email kind, in both languages, as a real SMTP server receives it, against golden text.

The golden files (``tests/golden/mail/<kind>.<language>.txt``) hold what a reader sees:
the headers that matter, the parts, the attachment, and the text part word for word.
After a deliberate change of a template, rewrite them with ``PERMIS_UPDATE_GOLDEN=1``
and review the diff.
"""

from __future__ import annotations

import asyncio
import os
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.mail import SAMPLE_CONTEXT, SENT_AT
from tests.support.smtp import HOST, Relay
from workers.law.letters import LETTER_FOR_DOCUMENT
from workers.mail.compose import Attachment, MailKind, message_id_for, render, write_message
from workers.mail.transport import SmtpTransport

pytestmark = pytest.mark.timeout(60)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "mail"
LANGUAGES = ("fr", "en")
DOCUMENT_KINDS = {letter: kind for kind, letter in LETTER_FOR_DOCUMENT.items()}
LETTERS = {"authorization": "A", "refusal": "R", "documents_request": "D", "implicit_refusal": "I"}
SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "X-Permis-Kind", "X-Permis-Dossier")


def one_message(kind: MailKind, language: str) -> EmailMessage:
    reference = SAMPLE_CONTEXT["dossier_number"]
    if kind is MailKind.SUBMISSION_REJECTED:
        reference = SAMPLE_CONTEXT["submission_id"]
    attachments = []
    document_kind = DOCUMENT_KINDS.get(kind.value)
    context: dict[str, Any] = dict(SAMPLE_CONTEXT)
    if document_kind is not None:
        number = f"{SAMPLE_CONTEXT['dossier_number']}-{LETTERS[document_kind]}1"
        context["document_number"] = number
        attachments.append(Attachment(number, b"%PDF-1.4\n% sealed document\n%%EOF\n"))
    return write_message(
        render(kind, language, context),  # type: ignore[arg-type]
        kind=kind,
        reference=reference,
        sender="ne-pas-repondre@permis.example",
        recipient="rh@boulangerie-martin.example",
        reply_to="contact@permis.example",
        message_id=message_id_for(reference, kind, "employer", "permis.example"),
        date=SENT_AT,
        attachments=attachments,
    ).parsed()


@pytest.fixture(scope="module")
def received() -> dict[tuple[str, str], EmailMessage]:
    """Every kind in both languages, sent over one connection to a real SMTP server."""
    relay = Relay()
    relay.start()
    sent = [(kind, language) for kind in MailKind for language in LANGUAGES]

    async def send_all() -> None:
        transport = SmtpTransport(HOST, relay.port, "none", None, None, 5.0)
        try:
            for kind, language in sent:
                await transport.send(one_message(kind, language))
        finally:
            await transport.close()

    try:
        asyncio.run(asyncio.wait_for(send_all(), timeout=30))
    finally:
        relay.stop()
    assert relay.handler.greetings == 1  # one connection for all of them
    return {
        (kind.value, language): message
        for (kind, language), message in zip(sent, relay.handler.messages, strict=True)
    }


def reading(message: EmailMessage) -> str:
    """What a reader sees of a received message, as stable text."""
    lines = [f"{name}: {message[name]}" for name in SHOWN_HEADERS]
    lines.append("Parts: " + ", ".join(part.get_content_type() for part in message.walk()))
    for attachment in message.iter_attachments():
        lines.append(f"Attachment: {attachment.get_filename()} ({attachment.get_content_type()})")
    text = message.get_body(("plain",))
    assert text is not None
    lines += ["", str(text.get_content()).replace("\r\n", "\n").rstrip("\n")]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k.value for k in MailKind])
def test_every_kind_reads_as_its_golden_text(
    kind: str, language: str, received: dict[tuple[str, str], EmailMessage]
) -> None:
    actual = reading(received[(kind, language)])
    golden = GOLDEN / f"{kind}.{language}.txt"
    if os.environ.get("PERMIS_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run with PERMIS_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k.value for k in MailKind])
def test_every_kind_has_both_parts_the_reference_and_the_contact_centre(
    kind: str, language: str, received: dict[tuple[str, str], EmailMessage]
) -> None:
    message = received[(kind, language)]
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    reference = message["X-Permis-Dossier"]
    assert reference in message["Subject"] and "\n" not in message["Subject"]
    for part in (text, html):
        content = str(part.get_content())
        assert "0806 001 620" in content
    assert re.search(r"<html[ >]", str(html.get_content()))
    names = [a.get_filename() for a in message.iter_attachments()]
    expected = DOCUMENT_KINDS.get(kind)
    assert names == (
        [f"{SAMPLE_CONTEXT['dossier_number']}-{LETTERS[expected]}1.pdf"] if expected else []
    )
