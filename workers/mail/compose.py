"""Turn a mail kind and its context into a safe, deterministic email message.

Pure functions only: no I/O beyond reading templates, no clock, no network.
Every header value is either ours (kind, reference, Message-ID, date) or a validated
address; rendered values reach the subject only after control characters and line
breaks are collapsed, and never as a person's name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import jinja2
from email_validator import EmailNotValidError, validate_email

import templates
from workers.core.errors import PermanentError
from workers.law.wording import long_date

MAIL_TEMPLATES_DIR = Path(templates.__file__).parent / "mail"
SUBJECT_MAX_CHARS = 200
MESSAGE_MAX_BYTES = 10 * 1024 * 1024
_HEADERS_ROOM = 64 * 1024  # far more than our headers and MIME boundaries take

Language = Literal["fr", "en"]
RecipientRole = Literal["employer", "beneficiary"]

_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,64}")
_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]{1,128}@[A-Za-z0-9.-]{1,253}>")
_HEADER_CHARSET = Charset("utf-8")
_HEADER_CHARSET.header_encoding = QP


class MailKind(StrEnum):
    """Every email of CONTRACTS.md §8."""

    DEPOSIT_CONFIRMATION = "deposit_confirmation"
    SUBMISSION_REJECTED = "submission_rejected"
    DOCUMENTS_REQUESTED = "documents_requested"
    DOCUMENTS_RECEIVED = "documents_received"
    DOSSIER_TRANSFERRED = "dossier_transferred"
    AUTHORIZATION_GRANTED = "authorization_granted"
    AUTHORIZATION_REFUSED = "authorization_refused"
    IMPLICIT_REFUSAL = "implicit_refusal"
    DOSSIER_CLOSED = "dossier_closed"


@dataclass(frozen=True)
class Rendered:
    """A rendered email: a one-line subject, a text body and an HTML body."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Attachment:
    """A PDF we issued, attached under a file name made from its document number."""

    document_number: str
    content: bytes

    @property
    def filename(self) -> str:
        return f"{self.document_number}.pdf"


def reference_of(kind: MailKind, context: Mapping[str, Any]) -> str:
    """Return what identifies the email: the submission id if rejected, else the dossier."""
    key = "submission_id" if kind is MailKind.SUBMISSION_REJECTED else "dossier_number"
    if key not in context:
        raise PermanentError(f"mail {kind}: context lacks {key}")
    return str(context[key])


def render(kind: MailKind, language: Language, context: Mapping[str, Any]) -> Rendered:
    """Render the subject, text and HTML templates of a kind in a language."""
    kind = MailKind(kind)
    if language not in get_args(Language):
        raise PermanentError(f"mail {kind}: unsupported language")
    values = {**context, "language": language}
    try:
        subject, text, html = (
            _environment().get_template(f"{kind}/{name}.{language}.{ext}").render(values)
            for name, ext in (("subject", "txt"), ("body", "txt"), ("body", "html"))
        )
    except jinja2.TemplateNotFound as exc:
        raise PermanentError(f"mail {kind}: no {language} template") from exc
    except jinja2.UndefinedError as exc:
        raise PermanentError(f"mail {kind}/{language}: {exc.message}") from exc
    return Rendered(_subject(subject, reference_of(kind, context)), text, html)


def message_id_for(
    reference: str, kind: MailKind, recipient_role: RecipientRole, domain: str
) -> str:
    """Return the Message-ID of one (reference, kind, recipient role): same input, same id."""
    if recipient_role not in get_args(RecipientRole):
        raise PermanentError("unknown recipient role")
    if not _DOMAIN.fullmatch(domain):
        raise PermanentError("Message-ID domain is not a host name")
    key = "\x1f".join(("permis-mail-v1", reference, MailKind(kind).value, recipient_role))
    return f"<{hashlib.sha256(key.encode()).hexdigest()}@{domain}>"


def build_message(
    rendered: Rendered,
    *,
    kind: MailKind,
    reference: str,
    sender: str,
    recipient: str,
    reply_to: str,
    message_id: str,
    date: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """Assemble the MIME message: text and HTML alternatives, then any PDF attachments."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(sender, "sender")
    message["To"] = _address(recipient, "recipient")
    message["Reply-To"] = _address(reply_to, "reply-to")
    _set_subject(message, _checked_subject(rendered.subject, reference))
    message["Date"] = _date_header(date)
    message["Message-ID"] = _checked(message_id, _MESSAGE_ID, "Message-ID")
    message["X-Permis-Kind"] = MailKind(kind).value
    message["X-Permis-Dossier"] = _checked(reference, _REFERENCE, "reference")
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    for attachment in attachments:
        _attach(message, attachment)
    _check_size(message)
    return message


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(MAIL_TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["longdate"] = long_date
    return env


def _one_line(text: str) -> str:
    # Category C covers CR, LF, NUL, bidi overrides and the like: none belongs in a header.
    cleaned = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(cleaned.split())


def _subject(raw: str, reference: str) -> str:
    subject = _one_line(raw)
    if len(subject) > SUBJECT_MAX_CHARS:
        subject = subject[: SUBJECT_MAX_CHARS - 1].rstrip() + "…"
    if reference not in subject:
        raise PermanentError("mail subject lacks its reference")
    return subject


def _checked_subject(subject: str, reference: str) -> str:
    if _one_line(subject) != subject or len(subject) > SUBJECT_MAX_CHARS:
        raise PermanentError("mail subject is not one bounded line")
    if reference not in subject:
        raise PermanentError("mail subject lacks its reference")
    return subject


def _set_subject(message: EmailMessage, subject: str) -> None:
    if subject.isascii():
        message["Subject"] = subject
        return
    # email's own folder leaves a doubled space where it folds before an encoded word
    # (CPython 3.11); encoding the whole subject as RFC 2047 words avoids it.
    encoded = Header(subject, _HEADER_CHARSET, header_name="Subject").encode(linesep="\n")
    message.set_raw("Subject", encoded)


def _address(value: str, role: str) -> str:
    try:
        # No SMTPUTF8: the headers stay ASCII and any relay takes them.
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise PermanentError(f"{role} address is invalid") from exc
    return valid.ascii_email or valid.normalized


def _checked(value: str, pattern: re.Pattern[str], name: str) -> str:
    if not pattern.fullmatch(value):
        raise PermanentError(f"{name} is malformed")
    return value


def _date_header(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PermanentError("mail date must be timezone-aware")
    return format_datetime(value)


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    _checked(attachment.document_number, _REFERENCE, "attachment document number")
    message.add_attachment(
        attachment.content, maintype="application", subtype="pdf", filename=attachment.filename
    )


def _check_size(message: EmailMessage) -> None:
    # Serialising the message costs as much as sending it: only do it when the parts'
    # encoded payloads, doubled for line endings, plus room for headers near the bound.
    parts = (p.get_payload() for p in message.walk() if not p.is_multipart())
    if 2 * sum(len(payload) for payload in parts) + _HEADERS_ROOM < MESSAGE_MAX_BYTES:
        return
    size = len(message.as_bytes())
    if size > MESSAGE_MAX_BYTES:
        raise PermanentError(f"mail message is {size} bytes, over the 10 MiB bound")
