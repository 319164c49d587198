"""Mail's actor: one email per (document or dossier, kind, recipient), whatever happens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messages.events import EmailFailed, EmailSent
from messages.tasks import SendEmail
from workers.core import emit
from workers.core.details import decode
from workers.core.errors import PermanentError, TransientError
from workers.core.metrics import EMAILS
from workers.core.patience import patiently
from workers.core.services import Services
from workers.core.store import DocumentRecord, DossierRecord, OutboxMessage, UnitOfWork
from workers.law.letters import TO_BOTH_PARTIES
from workers.mail import compose, letters

log = logging.getLogger(__name__)

DONE = ("sent", "failed")


@dataclass(frozen=True)
class Delivery:
    """One attempt at one email: the command, what names the email, and when it began."""

    command: SendEmail
    key: str
    kind: compose.MailKind
    message_id: str
    origin: str
    now: datetime

    @property
    def role(self) -> str:
        return self.command.recipient_role


def send_email(services: Services, payload: dict[str, Any]) -> None:
    """Send the email unless it was sent or failed for good; record and announce the result."""
    delivery = delivery_of(SendEmail.model_validate(payload), services)
    command = delivery.command
    with services.store.transaction() as tx:
        claimed = claim(tx, services, delivery)
        dossier = tx.dossier(command.dossier_number) if claimed and command.dossier_number else None
        loaded = load(tx, command, dossier) if claimed else None
    platform = dossier.platform if dossier else None
    written: list[OutboxMessage] = []
    if loaded is not None:
        letter, attachments = loaded
        letter = letters.issued_by(letter, letters.issuing_platform(services.reference, platform))
        written = deliver(services, delivery, letter, attachments, platform)
    services.relay.settle(delivery.origin, written, again=not written)


def delivery_of(command: SendEmail, services: Services) -> Delivery:
    key = letters.mail_key(command.document_number, command.dossier_number, command.submission_id)
    try:
        kind = compose.MailKind(command.kind)
    except ValueError:
        raise PermanentError(f"no letter of kind {command.kind}") from None
    domain = services.settings.smtp_from.split("@")[-1]
    return Delivery(
        command=command,
        key=key,
        kind=kind,
        message_id=compose.message_id_for(key, kind, command.recipient_role, domain),
        origin=f"mail|{key}|{kind}|{command.recipient_role}",
        now=services.clock(),
    )


def load(
    tx: UnitOfWork, command: SendEmail, dossier: DossierRecord | None
) -> tuple[letters.Letter, list[compose.Attachment]]:
    """The letter to write and its attachment, from the store and the command's details."""
    if command.kind == "submission_rejected":
        rejection = tx.rejection(command.submission_source or "", command.submission_id or "")
        if rejection is None:
            raise PermanentError("no rejection recorded for this submission")
        letter = letters.submission_rejected(
            rejection.message_id or "",
            rejection.employer_name,
            rejection.errors,
            rejection.contact_email,
        )
        return letter, []
    if dossier is None:
        raise PermanentError("no such dossier")
    if command.kind == "deposit_confirmation":
        return letters.deposit_confirmation(
            dossier.number,
            dossier.submission_id,
            dossier.submission,
            dossier.filing_date,
            dossier.deadline or dossier.filing_date,
            dossier.employer_email,
        ), []
    document = tx.document(command.document_number) if command.document_number else None
    details = {**(document.details if document else {}), **command.details}
    letter = dossier_letter(command, dossier, document, details)
    attachments = [compose.Attachment(document.number, document.content)] if document else []
    return letter, attachments


def dossier_letter(
    command: SendEmail,
    dossier: DossierRecord,
    document: DocumentRecord | None,
    details: dict[str, Any],
) -> letters.Letter:
    """Build the letter of ``command.kind`` about ``dossier`` for its recipient."""
    builder = DOSSIER_LETTERS.get(command.kind)
    if builder is None:
        raise PermanentError(f"no letter of kind {command.kind}")
    employer = command.recipient_role == "employer"
    arguments: dict[str, Any] = {
        "number": dossier.number,
        "submission": dossier.submission,
        "recipient": dossier.employer_email if employer else dossier.beneficiary_email,
        **decode(details),
    }
    if command.kind in TO_BOTH_PARTIES:
        arguments["recipient_role"] = command.recipient_role
        arguments["beneficiary_unreachable"] = employer and not dossier.beneficiary_email
    if document is not None:
        arguments["document_number"] = document.number
    return builder(**arguments)


DOSSIER_LETTERS: dict[str, Callable[..., letters.Letter]] = {
    "authorization_granted": letters.authorization_granted,
    "authorization_refused": letters.authorization_refused,
    "implicit_refusal": letters.implicit_refusal,
    "documents_requested": letters.documents_requested,
    "documents_received": letters.documents_received,
    "dossier_transferred": letters.dossier_transferred,
    "dossier_closed": letters.dossier_closed,
}


def deliver(
    services: Services,
    delivery: Delivery,
    letter: letters.Letter,
    attachments: list[compose.Attachment],
    platform: str | None,
) -> list[OutboxMessage]:
    """Send the email this delivery claimed and record the result; the rows to publish."""
    settings, command, kind = services.settings, delivery.command, delivery.kind
    try:
        message = compose.write_message(
            compose.render(kind, letter.language, letter.context),  # type: ignore[arg-type]
            kind=kind,
            reference=command.dossier_number or command.submission_id or "",
            sender=settings.smtp_from,
            recipient=letter.recipient or "",
            reply_to=settings.reply_to,
            message_id=delivery.message_id,
            date=delivery.now,
            attachments=attachments,
        )
        try:
            services.send_mail(message)
        except TransientError:
            with services.store.transaction() as tx:
                tx.release_email(delivery.key, kind, delivery.role)  # retried without waiting
            raise
    except PermanentError as exc:
        log.warning("email failed for good", extra={"origin": delivery.origin, "reason": str(exc)})
        return record(services, delivery, platform, reason=str(exc))
    return record(services, delivery, platform, reason=None)


def claim(tx: UnitOfWork, services: Services, delivery: Delivery) -> bool:
    """Claim the email for this delivery: False when it is already sent or failed for good.

    TransientError when another delivery is sending it now: this one retries later and
    then finds it done (or the other's claim lapsed, its worker having died).
    """
    lease_s = services.settings.smtp_timeout_s * 3 + 10
    key, kind, role = delivery.key, delivery.kind, delivery.role
    if tx.claim_email(
        key, kind, role, message_id=delivery.message_id, at=delivery.now, lease_s=lease_s
    ):
        return True
    if tx.email_status(key, kind, role) in DONE:
        return False
    raise TransientError("email being sent by another delivery")


def record(
    services: Services, delivery: Delivery, platform: str | None, *, reason: str | None
) -> list[OutboxMessage]:
    command = delivery.command
    common = {
        "dossier_number": command.dossier_number,
        "submission_id": command.submission_id,
        "kind": command.kind,
        "recipient_role": command.recipient_role,
    }
    event = EmailSent(**common) if reason is None else EmailFailed(**common, reason=reason)
    status = "sent" if reason is None else "failed"
    EMAILS.labels(command.kind, status).inc()
    message = emit.event(
        event,
        origin=delivery.origin,
        platform=platform,
        subject=command.dossier_number,
        at=delivery.now,
    )

    def store() -> list[OutboxMessage]:
        with services.store.transaction() as tx:
            tx.record_email(
                delivery.key,
                delivery.kind,
                delivery.role,
                message_id=delivery.message_id,
                status=status,
                at=delivery.now,
                error=reason,
            )
            # Held from now, not from when the delivery began: the send may have taken
            # longer than the hold, and the sweep must not take the row from its writer.
            return tx.add_outbox(delivery.origin, [message], services.clock())

    # The relay has answered: retrying the message would send the email again.
    return patiently(store)
