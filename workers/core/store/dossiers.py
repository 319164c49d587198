"""The unit of work's dossiers: numbering, state transitions, history, sweep and erasure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from workers.core.store import tables as t
from workers.core.store.chain import GENESIS_HASH, history_hash, sealed
from workers.core.store.records import DossierRecord
from workers.core.store.upserts import for_dialect, increment, per_dialect


class DossiersMixin:
    """Dossiers, their sequences and hash-chained history, the sweep's marks and leases."""

    conn: Connection

    def next_sequence(self, year: int) -> int:
        """The next dossier sequence of ``year``; the row lock serialises concurrent workers."""
        stmt = for_dialect(self.conn, _NEXT_SEQUENCE)
        return int(self.conn.execute(stmt, {"year": year, "last": 1}).scalar_one())

    def add_dossier(self, dossier: DossierRecord, at: datetime) -> None:
        values = {k: getattr(dossier, k) for k in _DOSSIER_COLUMNS}
        self.conn.execute(_ADD_DOSSIER, {**values, "created_at": at, "updated_at": at})

    def dossier(self, number: str) -> DossierRecord | None:
        row = self.conn.execute(_DOSSIER, {"number": number}).first()
        if row is None:
            return None
        return DossierRecord(**{k: getattr(row, k) for k in _DOSSIER_COLUMNS})

    def transition(
        self,
        number: str,
        *,
        expected: str | None,
        to: str,
        at: datetime,
        actor: str,
        reason: str,
        message_id: str | None,
        expected_platform: str | None = None,
        **changes: Any,
    ) -> bool:
        """Move a dossier from ``expected`` to ``to`` if it is still there, with a history row.

        ``expected=None`` records the dossier's creation. Returns False, changing nothing,
        when another transaction moved the dossier first (compare-and-set).
        """
        if expected is not None:
            stmt, where = _MOVE, {"key": number, "expected": expected}
            if expected_platform is not None:
                stmt, where = _MOVE_ON_PLATFORM, {**where, "on_platform": expected_platform}
            moved = self.conn.execute(stmt, {**where, "state": to, "updated_at": at, **changes})
            if moved.rowcount != 1:
                return False
        self._append_history(number, expected, to, at, actor, reason, message_id)
        return True

    def _append_history(
        self,
        number: str,
        from_state: str | None,
        to_state: str,
        at: datetime,
        actor: str,
        reason: str,
        message_id: str | None,
    ) -> None:
        # A dossier's creation (no state before it) is its first row: there is none to read.
        last = None if from_state is None else self._last_history(number)
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
        entry = {
            "dossier_number": number,
            "seq": seq,
            "at": at,
            "actor": actor,
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "message_id": message_id,
        }
        digest = history_hash(prev, sealed(entry))
        self.conn.execute(_ADD_HISTORY, {**entry, "prev_hash": prev, "hash": digest})

    def _last_history(self, number: str) -> Any:
        return self.conn.execute(_LAST_HISTORY, {"number": number}).first()

    def history(self, number: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            select(t.dossier_history)
            .where(t.dossier_history.c.dossier_number == number)
            .order_by(t.dossier_history.c.seq)
        ).mappings()
        return [dict(r) for r in rows]

    def count_dossiers(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.dossiers)).scalar_one())

    def watched(self, *, today: date, until: date, limit: int = 500) -> list[dict[str, Any]]:
        """Open dossiers whose deadline is on or before ``until``, or whose answer is late."""
        d = t.dossiers.c
        query = (
            select(
                d.number,
                d.state,
                d.category,
                d.deadline,
                d.warned_deadline,
                d.respond_by,
                d.overdue_for,
                d.platform,
            )
            .where(
                d.state.in_(("routed", "awaiting_documents")),
                or_(
                    d.deadline <= until, and_(d.respond_by < today, d.state == "awaiting_documents")
                ),
            )
            .order_by(d.deadline)
            .limit(limit)
        )
        return [dict(row) for row in self.conn.execute(query).mappings()]

    def mark(self, number: str, **marks: Any) -> None:
        """Set the sweep's marks (``warned_deadline``, ``overdue_for``) on a dossier."""
        self.conn.execute(_MARK, {"key": number, **marks})

    def take_lease(self, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
        """Hold ``name`` until ``now + ttl_s`` unless another holder's lease is still running."""
        expires = now + timedelta(seconds=ttl_s)
        leases = t.leases.c
        taken = self.conn.execute(
            update(t.leases)
            .where(leases.name == name, or_(leases.holder == holder, leases.expires_at < now))
            .values(holder=holder, expires_at=expires)
        ).rowcount
        if taken:
            return True
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(t.leases).values(name=name, holder=holder, expires_at=expires)
        inserted = stmt.on_conflict_do_nothing().returning(leases.name)
        return self.conn.execute(inserted).first() is not None

    def final_before(self, before: datetime, limit: int = 500) -> list[str]:
        """Final dossiers whose personal data has outlived its retention, not yet erased."""
        d = t.dossiers.c
        query = (
            select(d.number)
            .where(d.final_at < before, d.purged_at.is_(None))
            .order_by(d.final_at)
            .limit(limit)
        )
        return list(self.conn.execute(query).scalars())

    def purge(self, number: str, at: datetime) -> None:
        """Erase a dossier's personal data; its number, states, history and hashes stay."""
        self.conn.execute(
            update(t.dossiers)
            .where(t.dossiers.c.number == number)
            .values(submission={}, employer_email="", beneficiary_email=None, purged_at=at)
        )
        self.conn.execute(
            update(t.documents)
            .where(t.documents.c.dossier_number == number)
            .values(content=b"", details={}, purged_at=at)
        )


_DOSSIER_COLUMNS = tuple(DossierRecord.__dataclass_fields__)
_NEXT_SEQUENCE = per_dialect(
    lambda insert: increment(insert, t.dossier_sequences, [t.dossier_sequences.c.year])
)
# Where-clause parameters are not named after columns: those name the SET clause's values.
_MARK = update(t.dossiers).where(t.dossiers.c.number == bindparam("key"))
_MOVE = update(t.dossiers).where(
    t.dossiers.c.number == bindparam("key"), t.dossiers.c.state == bindparam("expected")
)
_MOVE_ON_PLATFORM = _MOVE.where(t.dossiers.c.platform == bindparam("on_platform"))
_ADD_DOSSIER = insert(t.dossiers)
_DOSSIER = select(t.dossiers).where(t.dossiers.c.number == bindparam("number"))
_LAST_HISTORY = (
    select(t.dossier_history.c.seq, t.dossier_history.c.hash)
    .where(t.dossier_history.c.dossier_number == bindparam("number"))
    .order_by(t.dossier_history.c.seq.desc())
    .limit(1)
)
_ADD_HISTORY = insert(t.dossier_history)
