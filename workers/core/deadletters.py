"""The queues where messages wait for ops: what failed in a stage, and what ingress refused.

A stage's message that failed for good (a permanent error, or retries exhausted) is
dead-lettered by dramatiq to ``stage.<name>.XQ`` with its traceback; a message refused
at ingress is kept byte for byte in a ``.rejected`` queue with ``permis-reason``. Ops list
them, read them, replay them (a stage's message starts again with no retries counted;
a refused one is published again to the exchange it first came to) or purge them.
Messages are read without being acknowledged, so a failure half-way loses none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from workers.core.amqp import PERSISTENT, connect, mapped_amqp_errors, queue_state
from workers.core.broker import DELIVERY_LIMIT, FAILURE_OPTION
from workers.core.stages import STAGES
from workers.core.topology import (
    DECISIONS_EXCHANGE,
    DECISIONS_REJECTED_QUEUE,
    REASON_HEADER,
    REASONS_HEADER,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_REJECTED_QUEUE,
)


@dataclass(frozen=True)
class DeadLetterQueue:
    """A queue of messages kept for ops, and where a replayed one goes."""

    name: str
    short: str
    exchange: str  # "" with the stage's queue as routing key, for a stage's message
    routing_key: str

    @property
    def failed_in_stage(self) -> bool:
        return self.exchange == ""


DEAD_LETTER_QUEUES = (
    *(DeadLetterQueue(f"{s.queue}.XQ", s.name, "", s.queue) for s in STAGES.values()),
    DeadLetterQueue(SUBMISSIONS_REJECTED_QUEUE, "portal", SUBMISSIONS_EXCHANGE, ""),
    DeadLetterQueue(DECISIONS_REJECTED_QUEUE, "agents", DECISIONS_EXCHANGE, ""),
)


def dead_letter_queue(name: str) -> DeadLetterQueue:
    """The queue a name or short name (``mail``, ``portal``, ``agents``) stands for."""
    for queue in DEAD_LETTER_QUEUES:
        if name in (queue.name, queue.short):
            return queue
    known = ", ".join(q.short for q in DEAD_LETTER_QUEUES)
    raise LookupError(f"no dead-letter queue {name!r} (known: {known})")


@dataclass(frozen=True)
class DeadLetter:
    """One kept message: its id, why it is here, and what ops need to judge it."""

    queue: str
    message_id: str
    reason: str
    detail: str
    actor: str | None
    retries: int | None
    since: datetime | None
    body: bytes
    headers: dict[str, Any]


def read(queue: DeadLetterQueue, body: bytes, props: pika.BasicProperties) -> DeadLetter:
    """What a kept message says about itself; a body that is not dramatiq's JSON is shown raw."""
    headers = dict(props.headers or {})
    if not queue.failed_in_stage:
        reason = _text(headers.get(REASON_HEADER)) or "refused"
        since = datetime.fromtimestamp(props.timestamp, UTC) if props.timestamp else None
        return DeadLetter(
            queue.name,
            props.message_id or "",
            reason,
            _text(headers.get(REASONS_HEADER)) or reason,
            None,
            None,
            since,
            body,
            headers,
        )
    try:
        message = json.loads(body)
        options = message.get("options") or {}
    except (ValueError, AttributeError):
        return DeadLetter(queue.name, "", "unreadable", "", None, None, None, body, headers)
    trace = str(options.get("traceback") or "")
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    stamp = message.get("message_timestamp")
    reason = (
        options.get(FAILURE_OPTION) or _broker_reason(headers) or (lines[-1] if lines else "failed")
    )
    return DeadLetter(
        queue.name,
        str(message.get("message_id", "")),
        str(reason),
        trace,
        message.get("actor_name"),
        options.get("retries"),
        datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int | float) else None,
        body,
        headers,
    )


DELIVERY_LIMIT_REASON = (
    f"delivery limit: handed out more than {DELIVERY_LIMIT} times and never settled (its"
    " worker died or lost its connection each time: a poison message?)"
)


def _broker_reason(headers: dict[str, Any]) -> str | None:
    """Why the broker itself dead-lettered a message (quorum queues' delivery limit),
    from its ``x-death`` header; None when a stage failed it."""
    deaths = headers.get("x-death") or []
    last = deaths[0] if deaths and isinstance(deaths[0], dict) else {}
    if _text(last.get("reason")) != "delivery_limit":
        return None
    return DELIVERY_LIMIT_REASON


def replayed(queue: DeadLetterQueue, letter: DeadLetter) -> tuple[bytes, dict[str, Any]]:
    """The body and headers to publish again: a fresh start, without the failure's marks."""
    if not queue.failed_in_stage:
        headers = {
            k: v for k, v in letter.headers.items() if k not in (REASON_HEADER, REASONS_HEADER)
        }
        return letter.body, headers
    message = json.loads(letter.body)
    marks = ("traceback", FAILURE_OPTION, "requeue_timestamp")
    options = {k: v for k, v in (message.get("options") or {}).items() if k not in marks}
    options["retries"] = 0
    message.update(options=options, queue_name=queue.routing_key)
    return json.dumps(message, separators=(",", ":")).encode(), letter.headers


class DeadLetters:
    """The dead-letter queues of one broker (``PERMIS_BROKER_URL``'s vhost)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def counts(self) -> dict[str, int]:
        """How many messages wait in each queue (0 for a queue not declared yet)."""
        connection = connect(self.url)
        try:
            with mapped_amqp_errors("dead-letter counts"):
                return {q.name: self._count(connection, q.name) for q in DEAD_LETTER_QUEUES}
        finally:
            if connection.is_open:
                connection.close()

    def peek(self, queue: DeadLetterQueue, limit: int) -> list[DeadLetter]:
        """The first ``limit`` messages, left where they are."""
        return self._visit(queue, limit, lambda _letter, _channel: False)

    def replay(self, queue: DeadLetterQueue, ids: Collection[str] | None) -> int:
        """Publish again the messages of ``ids`` (all when None); returns how many."""

        def republish(letter: DeadLetter, channel: BlockingChannel) -> bool:
            if ids is not None and letter.message_id not in ids:
                return False
            body, headers = replayed(queue, letter)
            props = pika.BasicProperties(
                delivery_mode=PERSISTENT,
                headers=headers or None,
                message_id=letter.message_id or None,
                content_type="application/json",
            )
            channel.basic_publish(queue.exchange, queue.routing_key, body, props, mandatory=True)
            return True

        return len(self._visit(queue, None, republish, done_only=True))

    def purge(self, queue: DeadLetterQueue, ids: Collection[str] | None) -> int:
        """Drop the messages of ``ids`` (all when None) for good; returns how many."""

        def chosen(letter: DeadLetter, _channel: BlockingChannel) -> bool:
            return ids is None or letter.message_id in ids

        return len(self._visit(queue, None, chosen, done_only=True))

    def _visit(
        self,
        queue: DeadLetterQueue,
        limit: int | None,
        act: Callable[[DeadLetter, BlockingChannel], bool],
        *,
        done_only: bool = False,
    ) -> list[DeadLetter]:
        # Every message is held unacknowledged until the end: each is seen once, and
        # closing the channel puts back all that were not acted upon, in their order.
        connection = connect(self.url)
        try:
            with mapped_amqp_errors(f"dead letters of {queue.name}"):
                return self._walk(connection, queue, limit, act, done_only)
        finally:
            if connection.is_open:
                connection.close()

    def _walk(
        self,
        connection: pika.BlockingConnection,
        queue: DeadLetterQueue,
        limit: int | None,
        act: Callable[[DeadLetter, BlockingChannel], bool],
        done_only: bool,
    ) -> list[DeadLetter]:
        total = self._count(connection, queue.name)
        channel = connection.channel()
        channel.confirm_delivery()
        seen: list[DeadLetter] = []
        tags: list[int] = []
        for _ in range(total if limit is None else min(limit, total)):
            method, props, body = channel.basic_get(queue.name, auto_ack=False)
            if method is None:
                break
            letter = read(queue, body, props)
            if act(letter, channel):
                tags.append(method.delivery_tag)
                seen.append(letter)
            elif not done_only:
                seen.append(letter)
        for tag in tags:  # only once every republication was confirmed
            channel.basic_ack(tag)
        channel.close()
        return seen

    @staticmethod
    def _count(connection: pika.BlockingConnection, name: str) -> int:
        state = queue_state(connection, name)
        return state[0] if state else 0


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
