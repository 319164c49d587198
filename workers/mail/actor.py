"""Mail's actor: one email per (dossier or submission, kind, recipient), whatever happens."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from messages.events import EmailFailed, EmailSent
from messages.tasks import SendEmail
from workers.core import emit
from workers.core.errors import PermanentError
from workers.core.services import Services
from workers.core.store import UnitOfWork
from workers.mail import compose, letters

log = logging.getLogger(__name__)

DONE = ("sent", "failed")


def send_email(services: Services, payload: dict[str, Any]) -> None:
    """Send the email unless it was sent or failed for good; record and announce the result."""
    command = SendEmail.model_validate(payload)
    reference = command.dossier_number or command.submission_id or ""
    origin = f"mail|{reference}|{command.kind}|{command.recipient_role}"
    with services.store.transaction() as tx:
        status = tx.email_status(reference, command.kind, command.recipient_role)
        letter = None if status in DONE else load(tx, command)
    if letter is not None:
        deliver(services, command, reference, letter, origin)
    services.relay.flush(origin)


def load(tx: UnitOfWork, command: SendEmail) -> letters.Letter:
    if command.kind == "submission_rejected":
        rejection = tx.rejection(command.submission_source or "", command.submission_id or "")
        if rejection is None:
            raise PermanentError("no rejection recorded for this submission")
        return letters.submission_rejected(
            rejection.message_id or "",
            rejection.employer_name,
            rejection.errors,
            rejection.contact_email,
        )
    dossier = tx.dossier(command.dossier_number or "")
    if dossier is None:
        raise PermanentError("no such dossier")
    if command.kind == "deposit_confirmation" and dossier.deadline is not None:
        return letters.deposit_confirmation(
            dossier.number,
            dossier.submission_id,
            dossier.submission,
            dossier.filing_date,
            dossier.deadline,
            dossier.employer_email,
        )
    raise PermanentError(f"no letter of kind {command.kind}")


def deliver(
    services: Services,
    command: SendEmail,
    reference: str,
    letter: letters.Letter,
    origin: str,
) -> None:
    settings = services.settings
    kind = compose.MailKind(command.kind)
    role = command.recipient_role
    message_id = compose.message_id_for(reference, kind, role, settings.smtp_from.split("@")[-1])
    now = services.clock()
    try:
        message = compose.build_message(
            compose.render(kind, letter.language, letter.context),  # type: ignore[arg-type]
            kind=kind,
            reference=reference,
            sender=settings.smtp_from,
            recipient=letter.recipient or "",
            reply_to=settings.reply_to,
            message_id=message_id,
            date=now,
        )
        with services.store.transaction() as tx:
            tx.record_email(reference, kind, role, message_id=message_id, status="sending", at=now)
        services.send_mail(message)
    except PermanentError as exc:
        log.warning("email failed for good", extra={"origin": origin, "reason": str(exc)})
        record(services, command, reference, message_id, now, origin, reason=str(exc))
        return
    record(services, command, reference, message_id, now, origin, reason=None)


def record(
    services: Services,
    command: SendEmail,
    reference: str,
    message_id: str,
    now: datetime,
    origin: str,
    *,
    reason: str | None,
) -> None:
    common = {
        "dossier_number": command.dossier_number,
        "submission_id": command.submission_id,
        "kind": command.kind,
        "recipient_role": command.recipient_role,
    }
    event = EmailSent(**common) if reason is None else EmailFailed(**common, reason=reason)
    status = "sent" if reason is None else "failed"
    with services.store.transaction() as tx:
        tx.record_email(
            reference,
            command.kind,
            command.recipient_role,
            message_id=message_id,
            status=status,
            at=now,
            error=reason,
        )
        message = emit.event(
            event, origin=origin, platform=None, subject=command.dossier_number, at=now
        )
        tx.add_outbox(origin, [message], now)
