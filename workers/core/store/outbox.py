"""The unit of work's outbox: messages stored with the transaction, published after it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, bindparam, insert, or_, select, update

from workers.core.store import tables as t
from workers.core.store.records import OutboxMessage

_ADD = insert(t.outbox).returning(t.outbox.c.id, sort_by_parameter_order=True)
_IDS = t.outbox.c.id.in_(bindparam("ids", expanding=True))
_MARK_PUBLISHED = update(t.outbox).where(_IDS).values(published_at=bindparam("at"))
_RELEASE = update(t.outbox).where(_IDS).values(claimed_at=None)


class OutboxMixin:
    """Add, claim, release and mark published the outbox's rows."""

    conn: Connection

    def add_outbox(
        self, origin: str, messages: Sequence[OutboxMessage], at: datetime
    ) -> list[OutboxMessage]:
        """Store ``messages`` held by their writer, who publishes them once this commits.

        The rows are claimed at ``at``: another relay takes them only when that claim
        lapses (the writer died before publishing) or the writer releases them.
        """
        if not messages:
            return []
        ids = self.conn.execute(
            _ADD,
            [
                {
                    "origin": origin,
                    "kind": m.kind,
                    "destination": m.destination,
                    "routing_key": m.routing_key,
                    "headers": m.headers,
                    "body": m.body,
                    "created_at": at,
                    "claimed_at": at,
                }
                for m in messages
            ],
        ).scalars()
        return [dataclasses.replace(m, id=i) for m, i in zip(messages, ids, strict=True)]

    def claim_outbox(
        self,
        *,
        now: datetime,
        lease_s: float,
        origin: str | None = None,
        created_before: datetime | None = None,
        limit: int = 500,
    ) -> list[OutboxMessage]:
        """Take unpublished rows nobody holds (or whose holder's lease ran out), oldest first.

        Two relays flushing the same origin at once get disjoint rows, so a redelivered
        message does not publish its events a second time while the first is at it.
        """
        free = _free(now, lease_s)
        query = select(t.outbox.c.id).where(free).order_by(t.outbox.c.id).limit(limit)
        if origin is not None:
            query = query.where(t.outbox.c.origin == origin)
        if created_before is not None:
            query = query.where(t.outbox.c.created_at < created_before)
        ids = list(self.conn.execute(query).scalars())
        if not ids:
            return []
        claimed = self.conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id.in_(ids), free)
            .values(claimed_at=now)
            .returning(*t.outbox.c)
        ).all()
        return [
            OutboxMessage(r.kind, r.destination, r.routing_key, r.body, dict(r.headers), r.id)
            for r in sorted(claimed, key=lambda r: r.id)
        ]

    def release_outbox(self, ids: Sequence[int]) -> None:
        """Give back rows a relay claimed but could not publish, for the next one to try."""
        if ids:
            self.conn.execute(_RELEASE, {"ids": list(ids)})

    def mark_published(self, ids: Sequence[int], at: datetime) -> None:
        if ids:
            self.conn.execute(_MARK_PUBLISHED, {"ids": list(ids), "at": at})


def _free(now: datetime, lease_s: float) -> ColumnElement[bool]:
    """Unpublished rows nobody holds, or whose holder's lease ran out."""
    return and_(
        t.outbox.c.published_at.is_(None),
        or_(
            t.outbox.c.claimed_at.is_(None),
            t.outbox.c.claimed_at < now - timedelta(seconds=lease_s),
        ),
    )
