"""Intake's actor: a portal message in, a dossier or a rejection out, once per (source, id)."""

from __future__ import annotations

import json
import logging
from typing import Any

from messages.portal import SUBMITTED
from messages.tasks import TakeInPortalMessage
from workers.core.digest import canonical_digest
from workers.core.services import Services
from workers.core.store import OutboxMessage, SeenMessage, UnitOfWork
from workers.intake import effects, rules

log = logging.getLogger(__name__)


def take_in(services: Services, payload: dict[str, Any]) -> None:
    """Apply one portal message that passed ingress; a seen one changes nothing."""
    command = TakeInPortalMessage.model_validate(payload)
    envelope = json.loads(command.body)
    source, message_id = str(envelope["source"]), str(envelope["id"])
    origin = effects.origin(source, message_id)
    outcome = check(envelope, services)
    now = services.clock()
    written: list[OutboxMessage] = []
    with services.store.transaction() as tx:
        seen = tx.seen(source, message_id)
        if seen is None:
            written = apply(tx, outcome, command, envelope, now)
        elif seen.sha256 != canonical_digest(envelope):
            log.warning("conflicting redelivery of a seen message", extra={"origin": origin})
            written = tx.add_outbox(origin, [effects.conflict_copy(command)], now)
        else:
            log.info("message already seen", extra={"origin": origin})
    services.relay.settle(origin, written, again=seen is not None)


def check(envelope: dict[str, Any], services: Services) -> rules.Rejection | rules.Acceptance:
    if rules.classify(envelope) != SUBMITTED:
        return rules.unknown_type(envelope)
    return rules.check_submission(envelope, services.reference)


def apply(
    tx: UnitOfWork,
    outcome: rules.Rejection | rules.Acceptance,
    command: TakeInPortalMessage,
    envelope: dict[str, Any],
    now: Any,
) -> list[OutboxMessage]:
    source, message_id = str(envelope["source"]), str(envelope["id"])
    if isinstance(outcome, rules.Rejection):
        number = None
        messages = effects.rejected(tx, outcome, command, envelope, now)
    else:
        number = effects.deposit(tx, outcome, now)
        messages = effects.deposited(outcome, number, now)
    state = "rejected" if number is None else "applied"
    tx.mark_seen(SeenMessage(source, message_id, canonical_digest(envelope), state, number), now)
    return tx.add_outbox(effects.origin(source, message_id), messages, now)
