"""SQL shared by the unit of work's mixins: counters bumped with one upsert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def upsert_increment(conn: Connection, table: Any, key: dict[str, Any], index: list[Any]) -> Any:
    """An upsert that starts the row's ``last`` at 1 or adds 1 to it, returning ``last``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**key, last=1)
    return stmt.on_conflict_do_update(
        index_elements=index, set_={"last": table.c.last + 1}
    ).returning(table.c.last)
