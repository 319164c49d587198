"""Mail for tests: one context holding every key any mail template uses, and the oracle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from aiosmtplib.email import flatten_message
from email_validator import validate_email

from workers.mail.compose import Attachment, MailKind, Rendered, message_id_for, reference_of

DOSSIER = "AT26-0000042-2"
SUBMISSION = "8b0f6a4e-2f6c-4a7e-9d39-0c1f3f0a5b11"
SENT_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

# One context with every key any template uses: a new template needing a new key
# fails test_every_template_folder_renders until the key is added here.
SAMPLE_CONTEXT: dict[str, Any] = {
    "dossier_number": DOSSIER,
    "submission_id": SUBMISSION,
    "employer_name": "Boulangerie Martin SARL",
    "employee_name": "Anjali Rao",
    "job_title": "Boulanger",
    "filed_on": date(2026, 11, 20),
    "deadline": date(2027, 1, 20),
    "recipient_role": "employer",
    "procedure": "introduction",
    "beneficiary_unreachable": False,
    "implicit": False,
    "implicit_grant": False,
    "document_number": f"{DOSSIER}-A1",
    "valid_from": date(2027, 2, 1),
    "valid_until": date(2028, 1, 31),
    "respond_by": date(2026, 12, 20),
    "requested_documents": [
        {
            "kind": "tax_notice",
            "label_fr": "Avis d'imposition",
            "label_en": "Tax notice",
            "note": None,
        }
    ],
    "documents": [],
    "platform_name": "Plateforme de Nanterre",
    "closed_by": "platform",
    "reasons": [{"code": "salary_below_minimum", "legal_basis": None, "text": "Salaire."}],
    "errors": [
        {
            "code": "siret_invalid",
            "pointer": "/data/employer/siret",
            "detail": None,
            "message_fr": "Le numéro SIRET est invalide.",
            "message_en": "The SIRET number is invalid.",
        },
        {
            "code": "contract_dates",
            "pointer": None,
            "detail": "end_date",
            "message_fr": "Les dates du contrat sont incohérentes.",
            "message_en": "The contract dates are inconsistent.",
        },
    ],
}


def mail_arguments(
    kind: MailKind = MailKind.DEPOSIT_CONFIRMATION, **overrides: Any
) -> dict[str, Any]:
    """What the mail actor passes to compose for one email of ``kind`` to the employer."""
    reference = reference_of(kind, SAMPLE_CONTEXT)
    return {
        "kind": kind,
        "reference": reference,
        "sender": "ne-pas-repondre@permis.example",
        "recipient": "rh@boulangerie-martin.example",
        "reply_to": "contact@permis.example",
        "message_id": message_id_for(reference, kind, "employer", "permis.example"),
        "date": SENT_AT,
        **overrides,
    }


# -- the oracle: how compose built messages with the email package, kept to compare -------


def reference_message(
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
    """The message as the email package built it before compose wrote bytes itself."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _reference_address(sender)
    message["To"] = _reference_address(recipient)
    message["Reply-To"] = _reference_address(reply_to)
    _reference_subject(message, rendered.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["X-Permis-Kind"] = MailKind(kind).value
    message["X-Permis-Dossier"] = reference
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype="application",
            subtype="pdf",
            filename=attachment.filename,
        )
    return message


def reference_bytes(*args: Any, **kwargs: Any) -> bytes:
    """What aiosmtplib's send_message put on the wire for the reference message."""
    return flatten_message(reference_message(*args, **kwargs))


def _reference_address(value: str) -> str:
    valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    return valid.ascii_email or valid.normalized


def _reference_subject(message: EmailMessage, subject: str) -> None:
    if subject.isascii():
        message["Subject"] = subject
        return
    charset = Charset("utf-8")
    charset.header_encoding = QP
    message.set_raw("Subject", Header(subject, charset, header_name="Subject").encode(linesep="\n"))
