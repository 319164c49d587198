"""The decisions stage's actors: agents' decisions and the portal's follow-ups, via §3.4's table."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from messages.tasks import TakeInDecision, TakeInPortalMessage
from workers.core import emit
from workers.core.digest import canonical_digest
from workers.core.effects import Effects
from workers.core.errors import TransientError
from workers.core.metrics import DECISIONS_REFUSED, MESSAGES_REFUSED
from workers.core.services import Services
from workers.core.store import DossierRecord, OutboxMessage, SeenMessage, UnitOfWork
from workers.core.topology import DECISIONS_REJECTED_QUEUE, SUBMISSIONS_REJECTED_QUEUE
from workers.decisions import effects as fx
from workers.decisions import rules
from workers.decisions.transitions import is_final
from workers.decisions.views import DossierReader
from workers.law.numbering import document_number
from workers.signatures.verify import SignatureVerdict

log = logging.getLogger(__name__)


def decide(services: Services, payload: dict[str, Any]) -> None:
    """Apply a signed decision or transfer once, or answer ``decision.rejected``."""
    command = TakeInDecision.model_validate(payload)
    envelope = json.loads(command.body)
    verdict = SignatureVerdict(command.signature_code, command.key_id, command.platform)
    source, message_id = str(envelope["source"]), str(envelope["id"])
    verified = signed_by_its_platform(envelope, verdict)
    fingerprint = canonical_digest(envelope)
    origin = f"agents|{source}|{message_id}|{fingerprint[:16]}"
    now = services.clock()
    written: list[OutboxMessage] = []
    with services.store.transaction() as tx:
        seen = tx.seen(source, message_id) if verified else None
        if seen is None:
            dossiers = DossierReader(tx)
            outcome = rules.check_agent_message(envelope, verdict, dossiers)
            effects = Effects(origin, now)
            state = _apply_agent(tx, services, outcome, command, envelope, effects, dossiers)
            if verified:
                tx.mark_seen(SeenMessage(source, message_id, fingerprint, state, None), now)
            written = tx.add_outbox(origin, effects.messages, now)
        elif seen.sha256 != fingerprint:
            copy = emit.rejected_copy(
                DECISIONS_REJECTED_QUEUE, command.body, command.headers, ["conflict"]
            )
            written = tx.add_outbox(origin, [copy], now)
    services.relay.settle(origin, written, again=seen is not None)


def signed_by_its_platform(envelope: dict[str, Any], verdict: SignatureVerdict) -> bool:
    """Only a message its own platform signed is remembered, so no one can use up its ids."""
    data = envelope.get("data")
    platform = data.get("platform") if isinstance(data, dict) else None
    return verdict.code is None and verdict.platform is not None and verdict.platform == platform


def _apply_agent(
    tx: UnitOfWork,
    services: Services,
    outcome: rules.AgentRefusal | rules.AgentDecision,
    command: TakeInDecision,
    envelope: dict[str, Any],
    effects: Effects,
    dossiers: DossierReader,
) -> str:
    if isinstance(outcome, rules.AgentRefusal):
        codes = [e.code for e in outcome.errors]
        copy = emit.rejected_copy(DECISIONS_REJECTED_QUEUE, command.body, command.headers, codes)
        message_id = envelope.get("id") if isinstance(envelope.get("id"), str) else None
        fx.agent_refused(effects, outcome, message_id, copy)
        DECISIONS_REFUSED.labels(outcome.code).inc()
        log.info(
            "decision refused",
            extra={
                "code": outcome.code,
                "message_id": message_id,
                "dossier": outcome.dossier_number,
            },
        )
        return "rejected"
    dossier = dossiers.record(outcome.dossier_number)
    assert dossier is not None
    agent = str(getattr(outcome.event.data, "agent_id", "agent"))
    if outcome.kind == "transferred":
        routing = {"name": "transfer", "platform": outcome.to_platform, "from": outcome.platform}
        _move(tx, outcome, effects.at, agent, platform=outcome.to_platform, routing=routing)
        name = services.reference.platform(outcome.to_platform or "").name
        fx.transferred(effects, outcome, dossier, services.reference.table_version, name)
        return "applied"
    document = _reserve(tx, outcome)
    changes: dict[str, Any] = {}
    if outcome.target_state == "awaiting_documents":
        # The silence deadline is suspended until the documents come.
        changes = {"deadline": None, "respond_by": outcome.respond_by, "overdue_for": None}
    _move(tx, outcome, effects.at, agent, **changes)
    fx.decided(effects, outcome, document)
    return "applied"


def _reserve(tx: UnitOfWork, decision: rules.AgentDecision) -> str | None:
    kind = fx.DOCUMENT_FOR_OUTCOME.get(str(getattr(decision.event.data, "outcome", "")))
    if kind is None:
        return None
    sequence = tx.next_document_sequence(decision.dossier_number, kind)
    return document_number(decision.dossier_number, kind, sequence)


def _move(
    tx: UnitOfWork,
    change: rules.AgentDecision | rules.PortalChange,
    at: datetime,
    actor: str,
    **changes: Any,
) -> None:
    if is_final(change.target_state):
        changes["final_at"] = at
    moved = tx.transition(
        change.dossier_number,
        expected=change.from_state,
        to=change.target_state,
        at=at,
        actor=actor,
        reason=change.kind,
        message_id=change.event.id,
        expected_platform=change.platform,
        **changes,
    )
    if not moved:
        # Another message moved the dossier since we read it: check again from the new state.
        raise TransientError("dossier changed while deciding")


def apply_portal_change(services: Services, payload: dict[str, Any]) -> None:
    """Apply a documents_supplied or withdrawn message once, or answer ``dossier.rejected``."""
    command = TakeInPortalMessage.model_validate(payload)
    envelope = json.loads(command.body)
    source, message_id = str(envelope["source"]), str(envelope["id"])
    origin = f"portal|{source}|{message_id}"
    now = services.clock()
    written: list[OutboxMessage] = []
    with services.store.transaction() as tx:
        seen = tx.seen(source, message_id)
        if seen is None:
            dossiers = DossierReader(tx)
            outcome = rules.check_portal_change(envelope, dossiers, now)
            effects = Effects(origin, now)
            state = _apply_portal(tx, outcome, command, envelope, effects, dossiers)
            tx.mark_seen(
                SeenMessage(source, message_id, canonical_digest(envelope), state, None), now
            )
            written = tx.add_outbox(origin, effects.messages, now)
        elif seen.sha256 != canonical_digest(envelope):
            copy = emit.rejected_copy(
                SUBMISSIONS_REJECTED_QUEUE, command.body, command.headers, ["conflict"]
            )
            written = tx.add_outbox(origin, [copy], now)
    services.relay.settle(origin, written, again=seen is not None)


def _apply_portal(
    tx: UnitOfWork,
    outcome: rules.PortalRefusal | rules.PortalChange,
    command: TakeInPortalMessage,
    envelope: dict[str, Any],
    effects: Effects,
    dossiers: DossierReader,
) -> str:
    if isinstance(outcome, rules.PortalRefusal):
        codes = [e.code for e in outcome.errors]
        copy = emit.rejected_copy(SUBMISSIONS_REJECTED_QUEUE, command.body, command.headers, codes)
        fx.portal_refused(effects, outcome, envelope, copy)
        MESSAGES_REFUSED.labels("portal", codes[0]).inc()
        return "rejected"
    changes: dict[str, Any] = {}
    if outcome.kind == "documents_supplied":
        dossier = dossiers.record(outcome.dossier_number)
        assert dossier is not None
        changes = {
            "deadline": outcome.deadline,
            "respond_by": None,
            "submission": _with_documents(dossier, outcome),
        }
    _move(tx, outcome, effects.at, "portal", **changes)
    fx.portal_changed(effects, outcome)
    return "applied"


def _with_documents(dossier: DossierRecord, change: rules.PortalChange) -> dict[str, Any]:
    supplied = [d.model_dump(mode="json") for d in getattr(change.event.data, "documents", ())]
    submission = dict(dossier.submission)
    submission["documents"] = [*submission.get("documents", []), *supplied]
    return submission
