"""The store adapter: a unit of work over SQLAlchemy Core, errors mapped to ours."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from workers.core.errors import PermanentError, TransientError
from workers.core.store import tables
from workers.core.store.dossiers import DossiersMixin
from workers.core.store.letters import REPLACEMENT_COLUMNS, LettersMixin
from workers.core.store.outbox import OutboxMixin
from workers.core.store.seen import SeenMixin


def engine_url(url: str) -> str:
    """The SQLAlchemy URL to use: plain ``postgresql://`` means psycopg 3 here, and
    libpq's several hosts (``postgresql://u@h1:5432,h2:5432/db``) are passed on as such."""
    parsed = make_url(_hosts_as_query(url))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _hosts_as_query(url: str) -> str:
    """libpq's multi-host URL in the form SQLAlchemy reads (``?host=h1:p1&host=h2:p2``).

    With several hosts a writer needs the primary: ``target_session_attrs=read-write``
    unless the URL says otherwise, so that after a failover a new connection finds the
    promoted standby; and a bounded ``connect_timeout``, so a host that does not answer
    is passed over rather than waited on.
    """
    parts = urllib.parse.urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if not parts.scheme.startswith("postgres") or "," not in hosts:
        return url
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    given = {name for name, _ in query}
    query = [("host", host) for host in hosts.split(",") if host] + query
    query += [(k, v) for k, v in MULTI_HOST_DEFAULTS.items() if k not in given]
    netloc = f"{userinfo}{at}"
    return urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path, urllib.parse.urlencode(query), parts.fragment)
    )


MULTI_HOST_DEFAULTS = {"target_session_attrs": "read-write", "connect_timeout": "5"}


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

    def grant_replacement_lookup(self, role: str) -> None:
        """Let the database role ``role`` read what the verification desk asks and nothing
        more: each document's number, what it replaces and when it was written.

        PostgreSQL only; PermanentError when the role does not exist.
        """
        if self.engine.dialect.name != "postgresql":
            raise PermanentError("database roles are PostgreSQL's: this database has none")
        quote = self.engine.dialect.identifier_preparer.quote
        columns = ", ".join(quote(c.name) for c in REPLACEMENT_COLUMNS)
        with mapped_errors(), self.engine.begin() as conn:
            known = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
            if known.scalar() is None:
                raise PermanentError(f"no database role {role!r}: create it first")
            schema = quote(str(conn.exec_driver_sql("SELECT current_schema()").scalar()))
            table = f"{schema}.{quote(tables.documents.name)}"
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {quote(role)}")
            conn.exec_driver_sql(f"GRANT SELECT ({columns}) ON {table} TO {quote(role)}")

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


class UnitOfWork(DossiersMixin, SeenMixin, OutboxMixin, LettersMixin):
    """One transaction's view of the store: every method runs inside it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
