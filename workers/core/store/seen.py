"""The unit of work's external messages: those seen, and those rejected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from workers.core.store import tables as t
from workers.core.store.records import RejectionRecord, SeenMessage


class SeenMixin:
    """Which ``(source, id)`` were seen, and the submissions refused with their contact."""

    conn: Connection

    def seen(self, source: str, message_id: str) -> SeenMessage | None:
        row = self.conn.execute(_SEEN, {"source": source, "message_id": message_id}).first()
        if row is None:
            return None
        return SeenMessage(row.source, row.message_id, row.sha256, row.outcome, row.dossier_number)

    def mark_seen(self, seen: SeenMessage, at: datetime) -> None:
        self.conn.execute(
            _MARK_SEEN,
            {
                "source": seen.source,
                "message_id": seen.message_id,
                "sha256": seen.sha256,
                "outcome": seen.outcome,
                "dossier_number": seen.dossier_number,
                "received_at": at,
            },
        )

    def add_rejection(self, rejection: RejectionRecord, at: datetime) -> None:
        self.conn.execute(
            insert(t.rejected_messages).values(
                source=rejection.source,
                message_id=rejection.message_id,
                type=rejection.type,
                reason=rejection.reason,
                errors=rejection.errors,
                contact_email=rejection.contact_email,
                employer_name=rejection.employer_name,
                created_at=at,
            )
        )

    def rejection(self, source: str, message_id: str) -> RejectionRecord | None:
        row = self.conn.execute(
            select(t.rejected_messages)
            .where(
                t.rejected_messages.c.source == source,
                t.rejected_messages.c.message_id == message_id,
            )
            .order_by(t.rejected_messages.c.id)
        ).first()
        if row is None:
            return None
        return RejectionRecord(
            row.source,
            row.message_id,
            row.type,
            row.reason,
            list(row.errors),
            row.contact_email,
            row.employer_name,
        )

    def purge_rejections(self, before: datetime) -> int:
        """Erase the contact details kept with rejected submissions older than ``before``."""
        return int(
            self.conn.execute(
                update(t.rejected_messages)
                .where(t.rejected_messages.c.created_at < before)
                .values(contact_email=None, employer_name=None)
            ).rowcount
        )


_SEEN = select(t.processed_messages).where(
    t.processed_messages.c.source == bindparam("source"),
    t.processed_messages.c.message_id == bindparam("message_id"),
)
_MARK_SEEN = insert(t.processed_messages)
