"""Routing's actor: a deposited dossier goes to its platform, with its case file."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from messages.events import CaseAssigned, DossierRouted, RoutingRule
from messages.tasks import RouteDossier
from workers.core import emit
from workers.core.errors import PermanentError
from workers.core.services import Services
from workers.core.store import DossierRecord, OutboxMessage
from workers.routing import rules

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


def route(services: Services, payload: dict[str, Any]) -> None:
    """Assign the dossier to its platform once; a dossier already routed is left alone."""
    number = RouteDossier.model_validate(payload).dossier_number
    origin = f"route|{number}"
    now = services.clock()
    written: list[OutboxMessage] = []
    with services.store.transaction() as tx:
        dossier = tx.dossier(number)
        if dossier is None:
            raise PermanentError(f"no dossier {number}")
        if dossier.state == "deposited":
            decided = decide(dossier, services)
            tx.transition(
                number,
                expected="deposited",
                to="routed",
                at=now,
                actor=SYSTEM_ACTOR,
                reason=f"routing:{decided.rule}",
                message_id=None,
                platform=decided.platform,
                routing=why(decided, services),
            )
            written = tx.add_outbox(origin, routed(dossier, decided, origin, now), now)
        else:
            log.info("dossier already routed", extra={"dossier": number})
    services.relay.settle(origin, written, again=not written)


def why(decided: rules.Route, services: Services) -> dict[str, Any]:
    """What the dossier keeps of its routing: the rule, and the table row it read."""
    row = services.reference.departement(decided.departement)
    source = {"confidence": row.confidence, "source": row.source} if row else {}
    return {**decided.rule_dict(), "platform": decided.platform, **source}


def decide(dossier: DossierRecord, services: Services) -> rules.Route:
    postcode = str(dossier.submission["employer"]["address"]["postcode"])
    try:
        return rules.route(
            employer_postcode=postcode, category=dossier.category, reference=services.reference
        )
    except rules.Unroutable as exc:
        raise PermanentError(f"dossier {dossier.number} cannot be routed: {exc.code}") from exc


def routed(
    dossier: DossierRecord, decided: rules.Route, origin: str, now: datetime
) -> list[OutboxMessage]:
    event = DossierRouted(
        dossier_number=dossier.number,
        platform=decided.platform,
        from_platform=None,
        rule=RoutingRule.model_validate(decided.rule_dict()),
    )
    case = CaseAssigned(
        dossier_number=dossier.number,
        platform=decided.platform,
        deadline=dossier.deadline,
        findings=tuple(dossier.findings),
        submission=dossier.submission,
    )
    return [
        emit.event(event, origin=origin, platform=decided.platform, subject=dossier.number, at=now),
        emit.case_file(case, origin=origin, at=now),
    ]
