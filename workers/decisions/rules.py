"""The decisions stage's checks (CONTRACTS.md §3.4): refused with a code, or what to apply.

Pure: the actor verifies the signature (``signatures.verify``), reads the dossier
from the store into a ``DossierView``, and applies the answer with a compare-and-set
on ``from_state``. Agents' messages are refused with the first of: ``unknown_type``,
``schema`` (every error at once), the signature's code, ``key_platform_mismatch``,
``dossier_unknown``, ``dossier_final``, ``platform_mismatch``, ``transition_not_allowed``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from messages.agents import DECIDED, TRANSFERRED, Decided, Transferred
from messages.common import DossierNumber, Error
from messages.portal import DOCUMENTS_SUPPLIED, WITHDRAWN, DocumentsSupplied, Withdrawn
from workers.decisions.outcomes import (
    AgentDecision,
    AgentRefusal,
    DossierLookup,
    DossierView,
    PortalChange,
    PortalRefusal,
)
from workers.decisions.texts import agent_error, schema_error
from workers.decisions.transitions import (
    OUTCOME_STATES,
    SUPPLIED_STATE,
    WITHDRAWN_STATE,
    Kind,
    State,
    check_transition,
)
from workers.law.calendar import default_valid_until, paris_date, silence_deadline
from workers.law.errors import Rejection, rule_error, unknown_type_error
from workers.law.schema import check_documents_supplied, check_schema, check_withdrawn
from workers.signatures.verify import SignatureVerdict

__all__ = [
    "AgentDecision",
    "AgentRefusal",
    "DossierView",
    "PortalChange",
    "PortalRefusal",
    "check_agent_message",
    "check_portal_change",
    "default_respond_by",
    "restarted_deadline",
]

RESPOND_BY_DAYS = 30
AGENT_KINDS: Mapping[str, Kind] = {DECIDED: "decided", TRANSFERRED: "transferred"}
PORTAL_KINDS: Mapping[str, Kind] = {
    DOCUMENTS_SUPPLIED: "documents_supplied",
    WITHDRAWN: "withdrawn",
}
REQUIRED_FOR_OUTCOME: Mapping[str, str] = {
    "refused": "reasons",
    "closed": "reasons",
    "documents_requested": "requested_documents",
}
POINTERS: Mapping[str, str] = {
    "unknown_type": "/type",
    "key_platform_mismatch": "/data/platform",
    "platform_mismatch": "/data/platform",
    "dossier_unknown": "/data/dossier_number",
    "unknown_dossier": "/data/dossier_number",
    "dossier_final": "/data/dossier_number",
    "transition_not_allowed": "/data/dossier_number",
}
"""Where each refusal points; the signature codes concern headers, not the body."""

_DATE = TypeAdapter(date)
_DOSSIER_NUMBER: TypeAdapter[str] = TypeAdapter(DossierNumber)

# --- agents -------------------------------------------------------------------------------


def check_agent_message(
    envelope: Mapping[str, Any], verdict: SignatureVerdict, dossier_lookup: DossierLookup
) -> AgentRefusal | AgentDecision:
    """Check a decided or transferred message: the first refusal of §3.4, or the decision."""
    kind = _kind(envelope, AGENT_KINDS)
    number = _raw_dossier_number(envelope)
    if kind is None:
        return AgentRefusal((agent_error("unknown_type", "/type"),), number, verdict.platform)
    event = _agent_schema(kind, envelope)
    if isinstance(event, Rejection):
        return AgentRefusal(event.errors, number, verdict.platform)
    code, dossier = _agent_code(event, verdict, dossier_lookup)
    if code is not None or dossier is None:  # no dossier comes only with a code
        error = agent_error(code or "dossier_unknown", POINTERS.get(code or ""))
        return AgentRefusal((error,), event.data.dossier_number, verdict.platform)
    if isinstance(event, Transferred):
        return _transfer(event, dossier)
    return _decision(event, dossier, verdict.platform)


def _agent_code(
    event: Decided | Transferred, verdict: SignatureVerdict, dossier_lookup: DossierLookup
) -> tuple[str | None, DossierView | None]:
    """The first refusal code after ``schema``, and the dossier once it is known."""
    data = event.data
    if verdict.code is not None:
        return verdict.code, None
    if verdict.platform != data.platform:
        return "key_platform_mismatch", None
    dossier = dossier_lookup(data.dossier_number)
    if dossier is None:
        return "dossier_unknown", None
    return _state_code(dossier, AGENT_KINDS[event.type], data.platform), dossier


def _state_code(dossier: DossierView, kind: Kind, platform: str) -> str | None:
    """dossier_final, platform_mismatch, transition_not_allowed: the first that applies."""
    cell = check_transition(dossier.state, kind)
    if cell == "dossier_final":
        return cell
    if dossier.platform != platform:  # a dossier not yet routed has no platform
        return "platform_mismatch"
    return cell


def _agent_schema(kind: Kind, envelope: Mapping[str, Any]) -> Decided | Transferred | Rejection:
    if kind == "transferred":
        return check_schema(Transferred, envelope, _transfer_rules(envelope))
    return check_schema(Decided, envelope, _decision_rules(envelope))


def _decision_rules(envelope: Mapping[str, Any]) -> Iterator[Error]:
    """§3.1's conditional rules that the model cannot express, as ``schema`` errors."""
    data = envelope.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("outcome"), str):
        return
    required = REQUIRED_FOR_OUTCOME.get(data["outcome"])
    if required is not None and data.get(required) in (None, []):
        yield schema_error(f"/data/{required}", "required_for_outcome")
    if data["outcome"] == "granted":
        start, end = _date(data.get("valid_from")), _date(data.get("valid_until"))
        if start is not None and end is not None and end < start:
            yield schema_error("/data/valid_until", "before_valid_from")


def _transfer_rules(envelope: Mapping[str, Any]) -> Iterator[Error]:
    """A transfer hands the dossier to *another* platform (§3.2)."""
    data = envelope.get("data")
    if not isinstance(data, Mapping) or not isinstance(data.get("to_platform"), str):
        return
    if data["to_platform"] == data.get("platform"):
        yield schema_error("/data/to_platform", "same_platform")


def _transfer(event: Transferred, dossier: DossierView) -> AgentDecision:
    state = _state(dossier)
    return AgentDecision(
        event=event,
        kind="transferred",
        dossier_number=event.data.dossier_number,
        platform=event.data.platform,
        from_state=state,
        target_state=state,  # a transfer changes the platform, not the state
        to_platform=event.data.to_platform,
    )


def _decision(
    event: Decided, dossier: DossierView, platform: str | None
) -> AgentDecision | AgentRefusal:
    data = event.data
    valid_from = valid_until = respond_by = None
    if data.outcome == "granted":
        valid_from = data.valid_from or dossier.contract_start
        valid_until = data.valid_until or default_valid_until(
            dossier.contract_start, dossier.contract_end
        )
        if valid_until < valid_from:
            return AgentRefusal((_validity_error(event),), data.dossier_number, platform)
    if data.outcome == "documents_requested":
        respond_by = data.respond_by or default_respond_by(event.time)
    return AgentDecision(
        event=event,
        kind="decided",
        dossier_number=data.dossier_number,
        platform=data.platform,
        from_state=_state(dossier),
        target_state=OUTCOME_STATES[data.outcome],
        valid_from=valid_from,
        valid_until=valid_until,
        respond_by=respond_by,
    )


def _validity_error(event: Decided) -> Error:
    """One given date against the other's default: only the dossier's contract shows it."""
    if event.data.valid_until is not None:
        return schema_error("/data/valid_until", "before_valid_from")
    return schema_error("/data/valid_from", "after_valid_until")


def default_respond_by(message_time: datetime) -> date:
    """§3.1's default date to answer a request by: the message's Paris date + 30 days."""
    return paris_date(message_time) + timedelta(days=RESPOND_BY_DAYS)


# --- portal -------------------------------------------------------------------------------


def check_portal_change(
    envelope: Mapping[str, Any], dossier_lookup: DossierLookup, received_at: datetime
) -> PortalRefusal | PortalChange:
    """Check a documents_supplied or withdrawn message against its dossier (§2.2–2.4, §3.4)."""
    kind = _kind(envelope, PORTAL_KINDS)
    number = _raw_dossier_number(envelope)
    if kind is None:
        return PortalRefusal((unknown_type_error(),), number)
    event = _portal_schema(kind, envelope)
    if isinstance(event, Rejection):
        return PortalRefusal(event.errors, number)
    number = event.data.dossier_number
    dossier = dossier_lookup(number)
    code = "unknown_dossier" if dossier is None else check_transition(dossier.state, kind)
    if code is not None or dossier is None:
        code = code or "unknown_dossier"
        return PortalRefusal((rule_error(code, POINTERS[code]),), number)
    return _portal_change(event, kind, dossier, received_at)


def _portal_schema(
    kind: Kind, envelope: Mapping[str, Any]
) -> DocumentsSupplied | Withdrawn | Rejection:
    if kind == "documents_supplied":
        return check_documents_supplied(envelope)
    return check_withdrawn(envelope)


def _portal_change(
    event: DocumentsSupplied | Withdrawn, kind: Kind, dossier: DossierView, received_at: datetime
) -> PortalChange:
    supplied = isinstance(event, DocumentsSupplied)
    return PortalChange(
        event=event,
        kind=kind,
        dossier_number=event.data.dossier_number,
        platform=dossier.platform,
        from_state=_state(dossier),
        target_state=SUPPLIED_STATE if supplied else WITHDRAWN_STATE,
        deadline=restarted_deadline(event.time, received_at) if supplied else None,
    )


def restarted_deadline(message_time: datetime, received_at: datetime) -> date:
    """§4's restarted silence deadline: the supply date (Paris) + 2 months."""
    # A portal clock running ahead must not push the deadline out: never after receipt.
    return silence_deadline(paris_date(min(message_time, received_at)))


# --- shared -------------------------------------------------------------------------------


def _kind(envelope: Mapping[str, Any], kinds: Mapping[str, Kind]) -> Kind | None:
    kind = envelope.get("type")
    return kinds.get(kind) if isinstance(kind, str) else None


def _state(dossier: DossierView) -> State:
    check_transition(dossier.state, "withdrawn")  # raises ValueError for an unknown state
    state: State = dossier.state  # type: ignore[assignment]
    return state


def _date(value: Any) -> date | None:
    """A JSON date string as the model would read it, or None."""
    return _strict(_DATE, value)


def _raw_dossier_number(envelope: Mapping[str, Any]) -> str | None:
    """The message's dossier number when it is a valid one, even if the rest is not."""
    data = envelope.get("data")
    return (
        _strict(_DOSSIER_NUMBER, data.get("dossier_number")) if isinstance(data, Mapping) else None
    )


def _strict(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_json(json.dumps(value), strict=True)
    except (ValidationError, TypeError, ValueError):
        return None
