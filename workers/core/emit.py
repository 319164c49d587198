"""Builds the outbox rows stages emit: events, case files, rejected copies, stage commands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from messages.events import CaseAssigned, Event, EventEnvelope, event_type
from messages.tasks import Task
from workers.core.stages import ActorRef
from workers.core.store import OutboxMessage
from workers.core.topology import CASES_EXCHANGE, EVENTS_EXCHANGE, REASON_HEADER, REASONS_HEADER

EVENT_NAMESPACE = uuid.UUID("5b0f3f4e-2a52-4c1c-9d53-7e1d7c0a9b21")


def event_id(origin: str, name: str, subject: str | None) -> str:
    """The same event about the same thing from the same cause always gets the same id."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{origin}|{name}|{subject or ''}"))


def routing_key(name: str, platform: str | None) -> str:
    return f"{name}.{platform or 'none'}"


def _envelope(event: Event, *, origin: str, subject: str | None, at: datetime) -> str:
    envelope = EventEnvelope(
        id=event_id(origin, event.name, subject),
        type=event_type(event),
        time=at,
        subject=subject,
        data=event.model_dump(mode="json"),
    )
    return envelope.model_dump_json(exclude_none=True)


def event(
    event: Event, *, origin: str, platform: str | None, subject: str | None, at: datetime
) -> OutboxMessage:
    """An event on ``permis.events`` keyed ``<event>.<platform|none>``."""
    body = _envelope(event, origin=origin, subject=subject, at=at)
    return OutboxMessage("amqp", EVENTS_EXCHANGE, routing_key(event.name, platform), body)


def case_file(case: CaseAssigned, *, origin: str, at: datetime) -> OutboxMessage:
    """The case file on ``permis.cases``, keyed by the platform alone."""
    body = _envelope(case, origin=origin, subject=case.dossier_number, at=at)
    return OutboxMessage("amqp", CASES_EXCHANGE, case.platform, body)


def rejected_copy(
    queue: str, body: str, headers: dict[str, Any], reasons: list[str]
) -> OutboxMessage:
    """The refused message as received, kept for ops in ``queue`` with its reason."""
    kept = {**headers, REASON_HEADER: reasons[0], REASONS_HEADER: ",".join(reasons)}
    return OutboxMessage("amqp", "", queue, body, kept)


def task(actor: ActorRef, command: Task) -> OutboxMessage:
    """A command to another stage's actor."""
    return OutboxMessage("task", actor.name, actor.queue, command.model_dump_json())


def jsonable_headers(headers: dict[str, Any] | None) -> dict[str, Any]:
    """AMQP headers as JSON values (bytes decoded, other scalars as text)."""
    return {str(k): _jsonable(v) for k, v in (headers or {}).items()}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return jsonable_headers(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
