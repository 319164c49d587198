"""The exchanges, queues and bindings of CONTRACTS.md §1, as data."""

from __future__ import annotations

from dataclasses import dataclass

SUBMISSIONS_EXCHANGE = "permis.submissions"
DECISIONS_EXCHANGE = "permis.decisions"
EVENTS_EXCHANGE = "permis.events"
CASES_EXCHANGE = "permis.cases"

SUBMISSIONS_QUEUE = "portal.submissions"
DECISIONS_QUEUE = "agents.decisions"
SUBMISSIONS_REJECTED_QUEUE = "portal.submissions.rejected"
DECISIONS_REJECTED_QUEUE = "agents.decisions.rejected"

QUORUM = {"x-queue-type": "quorum"}
REASON_HEADER = "permis-reason"


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
