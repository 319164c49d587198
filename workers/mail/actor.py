"""Mail's actor: one email per (document or dossier, kind, recipient), whatever happens."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from workers.mail import compose, letters

log = logging.getLogger(__name__)

DONE = ("sent", "failed")


def send_email(services: Services, payload: dict[str, Any]) -> None:
    """Send the email unless it was sent or failed for good; record and announce the result."""
    command = SendEmail.model_validate(payload)
    key = letters.mail_key(command.document_number, command.dossier_number, command.submission_id)
    kind, role = command.kind, command.recipient_role
    origin = f"mail|{key}|{kind}|{role}"
    try:
        mail_kind = compose.MailKind(kind)
    except ValueError:
        raise PermanentError(f"no letter of kind {kind}") from None
    domain = services.settings.smtp_from.split("@")[-1]
    message_id = compose.message_id_for(key, mail_kind, role, domain)
    now = services.clock()
    with services.store.transaction() as tx:
        claimed = claim(tx, services, key, kind, role, message_id, now)
        dossier = tx.dossier(command.dossier_number) if claimed and command.dossier_number else None
        loaded = load(tx, command, dossier) if claimed else None
    platform = dossier.platform if dossier else None
    written: list[OutboxMessage] = []
    if loaded is not None:
        letter, attachments = loaded
        written = deliver(
            services, command, key, message_id, now, letter, attachments, origin, platform
        )
    services.relay.settle(origin, written, again=not written)


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
    if command.kind in letters.TO_BOTH_PARTIES:
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
    command: SendEmail,
    key: str,
    message_id: str,
    now: datetime,
    letter: letters.Letter,
    attachments: list[compose.Attachment],
    origin: str,
    platform: str | None,
) -> list[OutboxMessage]:
    """Send the email this delivery claimed and record the result; the rows to publish."""
    settings = services.settings
    kind = compose.MailKind(command.kind)
    role = command.recipient_role
    try:
        message = compose.build_message(
            compose.render(kind, letter.language, letter.context),  # type: ignore[arg-type]
            kind=kind,
            reference=command.dossier_number or command.submission_id or "",
            sender=settings.smtp_from,
            recipient=letter.recipient or "",
            reply_to=settings.reply_to,
            message_id=message_id,
            date=now,
            attachments=attachments,
        )
        try:
            services.send_mail(message)
        except TransientError:
            with services.store.transaction() as tx:
                tx.release_email(key, kind, role)  # the retry need not wait for the lease
            raise
    except PermanentError as exc:
        log.warning("email failed for good", extra={"origin": origin, "reason": str(exc)})
        return record(services, command, key, message_id, now, origin, platform, reason=str(exc))
    return record(services, command, key, message_id, now, origin, platform, reason=None)


def claim(
    tx: UnitOfWork,
    services: Services,
    key: str,
    kind: str,
    role: str,
    message_id: str,
    now: datetime,
) -> bool:
    """Claim the email for this delivery: False when it is already sent or failed for good.

    TransientError when another delivery is sending it now: this one retries later and
    then finds it done (or the other's claim lapsed, its worker having died).
    """
    lease_s = services.settings.smtp_timeout_s * 3 + 10
    if tx.claim_email(key, kind, role, message_id=message_id, at=now, lease_s=lease_s):
        return True
    if tx.email_status(key, kind, role) in DONE:
        return False
    raise TransientError("email being sent by another delivery")


def record(
    services: Services,
    command: SendEmail,
    key: str,
    message_id: str,
    now: datetime,
    origin: str,
    platform: str | None,
    *,
    reason: str | None,
) -> list[OutboxMessage]:
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
        event, origin=origin, platform=platform, subject=command.dossier_number, at=now
    )

    def store() -> list[OutboxMessage]:
        with services.store.transaction() as tx:
            tx.record_email(
                key,
                command.kind,
                command.recipient_role,
                message_id=message_id,
                status=status,
                at=now,
                error=reason,
            )
            # Held from now, not from when the delivery began: the send may have taken
            # longer than the hold, and the sweep must not take the row from its writer.
            return tx.add_outbox(origin, [message], services.clock())

    # The relay has answered: retrying the message would send the email again.
    return patiently(store)
