"""Publishes what committed transactions decided, in order, at least once.

A stage writes its state and its outgoing messages in one transaction, holding the rows
for itself, then publishes them once it commits. A crash in between leaves the rows
pending: once the writer's claim lapses, the redelivered message's flush of its origin
or the periodic sweep publishes them. Event ids are fixed when the row is written, so
a re-publication is a duplicate consumers can drop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import timedelta

from workers.core.clock import Clock
from workers.core.ports import Publisher, TaskQueue
from workers.core.store import OutboxMessage, Store

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 30.0
"""How long a relay may hold rows before another may publish them in its stead."""


class OutboxRelay:
    """Moves outbox rows to the broker and marks them published."""

    def __init__(self, store: Store, publisher: Publisher, tasks: TaskQueue, clock: Clock) -> None:
        self.store = store
        self.publisher = publisher
        self.tasks = tasks
        self.clock = clock

    def publish(self, rows: Sequence[OutboxMessage]) -> int:
        """Publish the rows a committed transaction wrote (``add_outbox`` held them for it)."""
        return self._publish(rows)

    def flush(self, origin: str) -> int:
        """Publish the pending rows written on behalf of ``origin`` that nobody holds."""
        with self.store.transaction() as tx:
            rows = tx.claim_outbox(now=self.clock(), lease_s=CLAIM_LEASE_S, origin=origin)
        return self._publish(rows)

    def settle(self, origin: str, written: Sequence[OutboxMessage], *, again: bool) -> None:
        """End a message's handling: publish what it wrote and, when it found its work done
        ``again`` by an earlier attempt, what that attempt may have died before publishing.
        """
        self.publish(written)
        if again and (published := self.flush(origin)):
            log.warning(
                "published what an earlier attempt left pending",
                extra={"origin": origin, "count": published},
            )

    def sweep(self, min_age_s: float = 30.0) -> int:
        """Publish rows left pending for longer than ``min_age_s`` (after a crash)."""
        total = 0
        while True:
            now = self.clock()
            with self.store.transaction() as tx:
                rows = tx.claim_outbox(
                    now=now,
                    lease_s=CLAIM_LEASE_S,
                    created_before=now - timedelta(seconds=min_age_s),
                )
            if not rows:
                return total
            total += self._publish(rows)

    def _publish(self, rows: Sequence[OutboxMessage]) -> int:
        if not rows:
            return 0
        done: list[int] = []
        try:
            for row in rows:
                self._send(row)
                if row.id is not None:
                    done.append(row.id)
        finally:
            left = [r.id for r in rows if r.id is not None and r.id not in done]
            with self.store.transaction() as tx:
                tx.mark_published(done, self.clock())
                tx.release_outbox(left)
        return len(done)

    def _send(self, row: OutboxMessage) -> None:
        if row.kind == "task":
            self.tasks.send(row.destination, row.routing_key, json.loads(row.body))
        else:
            self.publisher.publish(
                row.destination, row.routing_key, row.body.encode(), dict(row.headers)
            )
