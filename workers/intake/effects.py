"""What intake stores and emits for an accepted or a rejected portal message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from messages.events import DossierDeposited, DossierRejected
from messages.portal import SUBMITTED
from messages.tasks import RouteDossier, SendEmail, TakeInPortalMessage
from workers.core import emit
from workers.core.metrics import MESSAGES_REFUSED
from workers.core.stages import ROUTE, SEND_EMAIL
from workers.core.store import DossierRecord, OutboxMessage, UnitOfWork
from workers.core.store.records import RejectionRecord
from workers.core.topology import SUBMISSIONS_REJECTED_QUEUE
from workers.intake import rules
from workers.law.numbering import format_dossier_number

PORTAL_ACTOR = "portal"


def origin(source: str, message_id: str) -> str:
    return f"portal|{source}|{message_id}"


def deposit(tx: UnitOfWork, accepted: rules.Acceptance, now: datetime) -> str:
    """Number and store the new dossier in state ``deposited``; returns its number."""
    event = accepted.event
    year = accepted.filing_date.year
    number = format_dossier_number(year, tx.next_sequence(year))
    tx.add_dossier(dossier_record(number, accepted), now)
    tx.transition(
        number,
        expected=None,
        to="deposited",
        at=now,
        actor=PORTAL_ACTOR,
        reason="submitted",
        message_id=event.id,
    )
    return number


def dossier_record(number: str, accepted: rules.Acceptance) -> DossierRecord:
    event = accepted.event
    data = event.data
    bad_email = any(f.code == "beneficiary_email_invalid" for f in accepted.findings)
    return DossierRecord(
        number=number,
        submission_source=event.source,
        submission_id=event.id,
        state="deposited",
        platform=None,
        departement=accepted.departement,
        category=data.category,
        procedure=data.procedure,
        filing_date=accepted.filing_date,
        deadline=accepted.deadline,
        language=data.employee.preferred_language,
        employer_email=data.employer.contact.email,
        beneficiary_email=None if bad_email else data.employee.email,
        submission=data.model_dump(mode="json", exclude_none=True),
        findings=[f.model_dump(mode="json", exclude_none=True) for f in accepted.findings],
    )


def deposited(accepted: rules.Acceptance, number: str, now: datetime) -> list[OutboxMessage]:
    event = accepted.event
    key = origin(event.source, event.id)
    return [
        emit.event(
            DossierDeposited(
                dossier_number=number,
                submission_id=event.id,
                findings=accepted.findings,
                deadline=accepted.deadline,
            ),
            origin=key,
            platform=None,
            subject=number,
            at=now,
        ),
        emit.task(ROUTE, RouteDossier(dossier_number=number)),
        emit.task(
            SEND_EMAIL,
            SendEmail(
                kind="deposit_confirmation", recipient_role="employer", dossier_number=number
            ),
        ),
    ]


def rejected(
    tx: UnitOfWork,
    rejection: rules.Rejection,
    command: TakeInPortalMessage,
    envelope: dict[str, Any],
    now: datetime,
) -> list[OutboxMessage]:
    """Keep the rejection for ops and the email, and say why to everyone."""
    source, message_id = str(envelope["source"]), str(envelope["id"])
    kind = envelope.get("type") if isinstance(envelope.get("type"), str) else None
    codes = [e.code for e in rejection.errors]
    MESSAGES_REFUSED.labels("portal", codes[0]).inc()
    email = rules.contact_email(envelope) if kind == SUBMITTED else None
    tx.add_rejection(
        RejectionRecord(
            source=source,
            message_id=message_id,
            type=kind,
            reason=codes[0],
            errors=[e.model_dump(mode="json", exclude_none=True) for e in rejection.errors],
            contact_email=email,
            employer_name=rules.employer_name(envelope),
        ),
        now,
    )
    messages = [
        emit.rejected_copy(SUBMISSIONS_REJECTED_QUEUE, command.body, command.headers, codes),
        emit.event(
            DossierRejected(submission_id=message_id, type=kind, errors=rejection.errors),
            origin=origin(source, message_id),
            platform=None,
            subject=None,
            at=now,
        ),
    ]
    if email is not None:
        messages.append(
            emit.task(
                SEND_EMAIL,
                SendEmail(
                    kind="submission_rejected",
                    recipient_role="employer",
                    submission_source=source,
                    submission_id=message_id,
                ),
            )
        )
    return messages


def conflict_copy(command: TakeInPortalMessage) -> OutboxMessage:
    """A message reusing a seen (source, id) with other content goes to ops, nothing else."""
    return emit.rejected_copy(
        SUBMISSIONS_REJECTED_QUEUE, command.body, command.headers, ["conflict"]
    )
