"""Turn a mail kind and its context into a safe, deterministic email message.

Pure functions only: no I/O beyond reading templates, no clock, no network.
Every header value is either ours (kind, reference, Message-ID, date) or a validated
address; rendered values reach the subject only after control characters and line
breaks are collapsed, and never as a person's name.
"""

from __future__ import annotations

import email
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import jinja2
from email_validator import EmailNotValidError, validate_email

import templates
from workers.core.errors import PermanentError
from workers.law.wording import long_date
from workers.mail import mime

MAIL_TEMPLATES_DIR = Path(templates.__file__).parent / "mail"
SUBJECT_MAX_CHARS = 200
MESSAGE_MAX_BYTES = 10 * 1024 * 1024

Language = Literal["fr", "en"]
RecipientRole = Literal["employer", "beneficiary"]

_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,64}")
_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]{1,128}@[A-Za-z0-9.-]{1,253}>")


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
    """Render the subject, text and HTML templates of a kind in a language.

    Every body opens with the State's identity and the service; ``context["issuer"]``
    (``{"name", "host_prefecture"}``, see ``letters.issued_by``) adds the platform.
    """
    kind = MailKind(kind)
    if language not in get_args(Language):
        raise PermanentError(f"mail {kind}: unsupported language")
    values = {"issuer": None, **context, "language": language}
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


@dataclass(frozen=True)
class Mail:
    """An email ready to go: its bytes (ASCII, CRLF line ends) and its SMTP envelope."""

    data: bytes
    sender: str
    recipients: tuple[str, ...]
    message_id: str

    def parsed(self) -> EmailMessage:
        """The message read back with the email package: to look into it, not to send."""
        message = email.message_from_bytes(self.data, policy=SMTP)
        assert isinstance(message, EmailMessage)
        return message


def write_message(
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
) -> Mail:
    """Write the MIME message: text and HTML alternatives, then any PDF attachments.

    The bytes are those Python's email package (policy SMTP) gives the same message,
    header for header and line for line; only the random boundaries differ, drawn as it
    draws them.
    """
    mail_from = _address(sender, "sender")
    mail_to = _address(recipient, "recipient")
    headers = (
        mime.header("From", mail_from)
        + mime.header("To", mail_to)
        + mime.header("Reply-To", _address(reply_to, "reply-to"))
        + mime.subject_header(_checked_subject(rendered.subject, reference))
        + mime.header("Date", _date_header(date))
        + mime.message_id_header(_checked(message_id, _MESSAGE_ID, "Message-ID"))
        + mime.header("X-Permis-Kind", MailKind(kind).value)
        + mime.header("X-Permis-Dossier", _checked(reference, _REFERENCE, "reference"))
        + "MIME-Version: 1.0\r\n"
    )
    for attachment in attachments:
        _checked(attachment.document_number, _REFERENCE, "attachment document number")
    pdfs = [(attachment.filename, attachment.content) for attachment in attachments]
    body = mime.body(rendered.text, rendered.html, pdfs)
    data = headers.encode("ascii") + body
    if len(data) > MESSAGE_MAX_BYTES:
        raise PermanentError(f"mail message is {len(data)} bytes, over the 10 MiB bound")
    return Mail(data, mail_from, (mail_to,), message_id)


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
        auto_reload=False,  # templates change with a release, not under a running worker
    )
    env.filters["longdate"] = long_date
    return env


def _one_line(text: str) -> str:
    # Category C covers CR, LF, NUL, bidi overrides and the like: none belongs in a header.
    # A printable text has none, so only the others are looked at character by character.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(text.split())


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


def _address(value: str, role: str) -> str:
    address = _valid_address(value)
    if address is None:
        raise PermanentError(f"{role} address is invalid")
    return address


@lru_cache(maxsize=1024)
def _valid_address(value: str) -> str | None:
    # Cached: the sender and reply-to never change, and a recipient gets several letters.
    try:
        # No SMTPUTF8: the headers stay ASCII and any relay takes them.
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return valid.ascii_email or valid.normalized


def _checked(value: str, pattern: re.Pattern[str], name: str) -> str:
    if not pattern.fullmatch(value):
        raise PermanentError(f"{name} is malformed")
    return value


def _date_header(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PermanentError("mail date must be timezone-aware")
    return format_datetime(value)
