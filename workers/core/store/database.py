"""The store adapter: a unit of work over SQLAlchemy Core, errors mapped to ours."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from workers.core.errors import PermanentError, TransientError
from workers.core.store import tables as t
from workers.core.store.chain import GENESIS_HASH, history_hash, sealed
from workers.core.store.records import (
    DocumentRecord,
    DossierRecord,
    OutboxMessage,
    RejectionRecord,
    SeenMessage,
)


def engine_url(url: str) -> str:
    """The SQLAlchemy URL to use: plain ``postgresql://`` means psycopg 3 here."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn SQLAlchemy's exceptions into our transient/permanent pair."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.IntegrityError) as exc:
        raise TransientError(f"database: {type(exc.orig or exc).__name__}") from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise TransientError("database: connection lost") from exc
        raise PermanentError(f"database: {type(exc.orig or exc).__name__}") from exc


class Store:
    """The database behind every stage; ``transaction()`` gives a unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> Store:
        target = engine_url(url)
        if target.startswith("sqlite"):
            engine = create_engine(target, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        else:
            engine = create_engine(target, pool_pre_ping=True, pool_size=5, max_overflow=5)
        return cls(engine)

    def migrate(self) -> None:
        """Bring the schema up to date (Alembic ``upgrade head``)."""
        from workers.core.store.migrate import upgrade

        with mapped_errors(), self.engine.begin() as conn:
            upgrade(conn)

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        with mapped_errors(), self.engine.begin() as conn:
            yield UnitOfWork(conn)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    # Writers take the lock up front, so two workers never deadlock upgrading a read lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class UnitOfWork:
    """One transaction's view of the store: every method runs inside it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- external messages -------------------------------------------------

    def seen(self, source: str, message_id: str) -> SeenMessage | None:
        row = self.conn.execute(
            select(t.processed_messages).where(
                t.processed_messages.c.source == source,
                t.processed_messages.c.message_id == message_id,
            )
        ).first()
        if row is None:
            return None
        return SeenMessage(row.source, row.message_id, row.sha256, row.outcome, row.dossier_number)

    def mark_seen(self, seen: SeenMessage, at: datetime) -> None:
        self.conn.execute(
            insert(t.processed_messages).values(
                source=seen.source,
                message_id=seen.message_id,
                sha256=seen.sha256,
                outcome=seen.outcome,
                dossier_number=seen.dossier_number,
                received_at=at,
            )
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

    # -- dossiers ------------------------------------------------------------

    def next_sequence(self, year: int) -> int:
        """The next dossier sequence of ``year``; the row lock serialises concurrent workers."""
        table = t.dossier_sequences
        stmt = self._upsert_increment(table, {"year": year}, [table.c.year])
        return int(self.conn.execute(stmt).scalar_one())

    def add_dossier(self, dossier: DossierRecord, at: datetime) -> None:
        values = {k: getattr(dossier, k) for k in _DOSSIER_COLUMNS}
        self.conn.execute(insert(t.dossiers).values(**values, created_at=at, updated_at=at))

    def dossier(self, number: str) -> DossierRecord | None:
        row = self.conn.execute(select(t.dossiers).where(t.dossiers.c.number == number)).first()
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
            where = [t.dossiers.c.number == number, t.dossiers.c.state == expected]
            if expected_platform is not None:
                where.append(t.dossiers.c.platform == expected_platform)
            moved = self.conn.execute(
                update(t.dossiers).where(*where).values(state=to, updated_at=at, **changes)
            )
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
        last = self.conn.execute(
            select(t.dossier_history.c.seq, t.dossier_history.c.hash)
            .where(t.dossier_history.c.dossier_number == number)
            .order_by(t.dossier_history.c.seq.desc())
            .limit(1)
        ).first()
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
        self.conn.execute(insert(t.dossier_history).values(**entry, prev_hash=prev, hash=digest))

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
        self.conn.execute(update(t.dossiers).where(t.dossiers.c.number == number).values(**marks))

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

    def purge_rejections(self, before: datetime) -> int:
        """Erase the contact details kept with rejected submissions older than ``before``."""
        return int(
            self.conn.execute(
                update(t.rejected_messages)
                .where(t.rejected_messages.c.created_at < before)
                .values(contact_email=None, employer_name=None)
            ).rowcount
        )

    def emails(self, reference: str) -> list[dict[str, Any]]:
        query = select(t.emails).where(t.emails.c.reference == reference)
        return [
            dict(row) for row in self.conn.execute(query.order_by(t.emails.c.updated_at)).mappings()
        ]

    def documents_of(self, number: str) -> list[dict[str, Any]]:
        c = t.documents.c
        query = select(c.number, c.kind, c.sha256, c.issued_on, c.purged_at).where(
            c.dossier_number == number
        )
        return [dict(row) for row in self.conn.execute(query.order_by(c.number)).mappings()]

    # -- documents -----------------------------------------------------------

    def add_document(self, document: DocumentRecord, at: datetime) -> None:
        values = {k: getattr(document, k) for k in DocumentRecord.__dataclass_fields__}
        self.conn.execute(insert(t.documents).values(**values, created_at=at))

    def document(self, number: str) -> DocumentRecord | None:
        row = self.conn.execute(select(t.documents).where(t.documents.c.number == number)).first()
        if row is None:
            return None
        return DocumentRecord(
            row.number,
            row.dossier_number,
            row.kind,
            row.sha256,
            row.content,
            row.issued_on,
            dict(row.details or {}),
            row.replaces,
        )

    def next_document_sequence(self, dossier_number: str, kind: str) -> int:
        """Reserve the next number of a kind of document for a dossier; numbers are never reused."""
        table = t.document_sequences
        stmt = self._upsert_increment(
            table,
            {"dossier_number": dossier_number, "kind": kind},
            [table.c.dossier_number, table.c.kind],
        )
        return int(self.conn.execute(stmt).scalar_one())

    def _upsert_increment(self, table: Any, key: dict[str, Any], index: list[Any]) -> Any:
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table).values(**key, last=1)
        return stmt.on_conflict_do_update(
            index_elements=index, set_={"last": table.c.last + 1}
        ).returning(table.c.last)

    # -- emails --------------------------------------------------------------

    def email_status(self, reference: str, kind: str, role: str) -> str | None:
        row = self.conn.execute(
            select(t.emails.c.status).where(
                t.emails.c.reference == reference,
                t.emails.c.kind == kind,
                t.emails.c.recipient_role == role,
            )
        ).first()
        return None if row is None else str(row.status)

    def record_email(
        self,
        reference: str,
        kind: str,
        role: str,
        *,
        message_id: str,
        status: str,
        at: datetime,
        error: str | None = None,
    ) -> None:
        """Create or update the one row of ``(reference, kind, role)``."""
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        values = {"message_id": message_id, "status": status, "error": error, "updated_at": at}
        stmt = dialect.insert(t.emails).values(
            reference=reference, kind=kind, recipient_role=role, attempts=1, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.emails.c.reference, t.emails.c.kind, t.emails.c.recipient_role],
            set_={**values, "attempts": t.emails.c.attempts + 1},
        )
        self.conn.execute(stmt)

    # -- outbox ----------------------------------------------------------------

    def add_outbox(self, origin: str, messages: Sequence[OutboxMessage], at: datetime) -> None:
        if not messages:
            return
        self.conn.execute(
            insert(t.outbox),
            [
                {
                    "origin": origin,
                    "kind": m.kind,
                    "destination": m.destination,
                    "routing_key": m.routing_key,
                    "headers": m.headers,
                    "body": m.body,
                    "created_at": at,
                }
                for m in messages
            ],
        )

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
        free = and_(
            t.outbox.c.published_at.is_(None),
            or_(
                t.outbox.c.claimed_at.is_(None),
                t.outbox.c.claimed_at < now - timedelta(seconds=lease_s),
            ),
        )
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
            self.conn.execute(
                update(t.outbox).where(t.outbox.c.id.in_(ids)).values(claimed_at=None)
            )

    def mark_published(self, ids: Sequence[int], at: datetime) -> None:
        if ids:
            self.conn.execute(
                update(t.outbox).where(t.outbox.c.id.in_(ids)).values(published_at=at)
            )


_DOSSIER_COLUMNS = tuple(DossierRecord.__dataclass_fields__)
