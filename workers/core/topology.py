"""The exchanges, queues and bindings of CONTRACTS.md §1, as data."""

from __future__ import annotations

from dataclasses import dataclass

from messages.transport import (
    CASES_EXCHANGE,
    DECISIONS_EXCHANGE,
    DECISIONS_QUEUE,
    DECISIONS_REJECTED_QUEUE,
    EVENTS_EXCHANGE,
    REASON_HEADER,
    REASONS_HEADER,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_QUEUE,
    SUBMISSIONS_REJECTED_QUEUE,
)

__all__ = [
    "CASES_EXCHANGE",
    "DECISIONS_EXCHANGE",
    "DECISIONS_QUEUE",
    "DECISIONS_REJECTED_QUEUE",
    "EVENTS_EXCHANGE",
    "EXCHANGES",
    "QUEUES",
    "REASONS_HEADER",
    "REASON_HEADER",
    "SUBMISSIONS_EXCHANGE",
    "SUBMISSIONS_QUEUE",
    "SUBMISSIONS_REJECTED_QUEUE",
]

QUORUM = {"x-queue-type": "quorum"}


@dataclass(frozen=True)
class Exchange:
    """A durable, never auto-deleted exchange."""

    name: str
    type: str


@dataclass(frozen=True)
class Queue:
    """A durable quorum queue, bound (empty routing key) to ``exchange`` when it has one."""

    name: str
    exchange: str | None = None


EXCHANGES = (
    Exchange(SUBMISSIONS_EXCHANGE, "fanout"),
    Exchange(DECISIONS_EXCHANGE, "fanout"),
    Exchange(EVENTS_EXCHANGE, "topic"),
    Exchange(CASES_EXCHANGE, "topic"),
)

QUEUES = (
    Queue(SUBMISSIONS_QUEUE, SUBMISSIONS_EXCHANGE),
    Queue(DECISIONS_QUEUE, DECISIONS_EXCHANGE),
    Queue(SUBMISSIONS_REJECTED_QUEUE),
    Queue(DECISIONS_REJECTED_QUEUE),
)
