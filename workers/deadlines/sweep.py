"""The deadline sweep: warns, announces late answers, and lets the administration's silence
decide when the silence deadline has passed. One sweeper at a time holds the lease."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from messages.events import (
    DossierDeadlineApproaching,
    DossierImplicitlyGranted,
    DossierImplicitlyRefused,
    DossierResponseOverdue,
)
from workers.core.effects import Effects
from workers.core.errors import TransientError
from workers.core.metrics import DEADLINE_ACTIONS
from workers.core.services import Services
from workers.core.store import UnitOfWork
from workers.deadlines.rules import Watched, due, implicit_outcome, watch_from
from workers.law.calendar import default_valid_until, paris_date
from workers.law.numbering import document_number

log = logging.getLogger(__name__)

LEASE = "deadline-sweep"
SYSTEM_ACTOR = "system"


@dataclass
class SweepReport:
    """What one sweep did, by action."""

    held_lease: bool = True
    done: dict[str, int] = field(default_factory=dict)


def sweep(services: Services, holder: str, lease_s: float) -> SweepReport:
    """Act on each dossier whose deadline needs it today, if this sweeper holds the lease."""
    now = services.clock()
    today = paris_date(now)
    with services.store.transaction() as tx:
        if not tx.take_lease(LEASE, holder, now, lease_s):
            return SweepReport(held_lease=False)
        rows = tx.watched(today=today, until=watch_from(today))
    report = SweepReport()
    for row in rows:
        action = due(watched(row), today)
        if action is not None and act(services, row, action, today, now):
            report.done[action] = report.done.get(action, 0) + 1
    return report


def watched(row: dict[str, Any]) -> Watched:
    return Watched(
        row["number"],
        row["state"],
        row["category"],
        row["deadline"],
        row["warned_deadline"],
        row["respond_by"],
        row["overdue_for"],
    )


def act(services: Services, row: dict[str, Any], action: str, today: date, now: datetime) -> bool:
    """Do one dossier's action in its own transaction; False when another change came first."""
    number, platform = row["number"], row["platform"]
    origin = f"deadline|{number}|{action}|{row['deadline'] or row['respond_by']}"
    effects = Effects(origin, now)
    try:
        with services.store.transaction() as tx:
            if action == "warn":
                tx.mark(number, warned_deadline=row["deadline"])
                event = DossierDeadlineApproaching(
                    dossier_number=number, platform=platform, deadline=row["deadline"]
                )
                effects.event(event, platform, number)
            elif action == "response_overdue":
                tx.mark(number, overdue_for=row["respond_by"])
                overdue = DossierResponseOverdue(
                    dossier_number=number, platform=platform, respond_by=row["respond_by"]
                )
                effects.event(overdue, platform, number)
            else:
                decide_by_silence(tx, row, effects, now)
            written = tx.add_outbox(origin, effects.messages, now)
    except TransientError:
        log.info(
            "dossier changed during the sweep; next sweep will see it", extra={"dossier": number}
        )
        return False
    services.relay.publish(written)
    DEADLINE_ACTIONS.labels(action).inc()
    return True


def decide_by_silence(tx: UnitOfWork, row: dict[str, Any], effects: Effects, now: datetime) -> None:
    """The deadline passed without a decision: implicit refusal, or grant for asylum seekers."""
    number, platform, deadline = row["number"], row["platform"], row["deadline"]
    outcome = implicit_outcome(row["category"])
    moved = tx.transition(
        number,
        expected=row["state"],
        to=outcome,
        at=now,
        actor=SYSTEM_ACTOR,
        reason="silence_deadline",
        message_id=None,
        final_at=now,
    )
    if not moved:
        raise TransientError("dossier changed before its implicit decision")
    if outcome == "implicitly_granted":
        dossier = tx.dossier(number)
        assert dossier is not None
        effects.event(
            DossierImplicitlyGranted(dossier_number=number, platform=platform, deadline=deadline),
            platform,
            number,
        )
        authorization = document_number(
            number, "authorization", tx.next_document_sequence(number, "authorization")
        )
        effects.document(
            number,
            "authorization",
            authorization,
            valid_from=dossier.contract_start,
            valid_until=default_valid_until(dossier.contract_start, dossier.contract_end),
            implicit=True,
        )
        return
    effects.event(
        DossierImplicitlyRefused(dossier_number=number, platform=platform, deadline=deadline),
        platform,
        number,
    )
    notice = document_number(
        number, "implicit_refusal", tx.next_document_sequence(number, "implicit_refusal")
    )
    effects.document(number, "implicit_refusal", notice, deadline=deadline)
