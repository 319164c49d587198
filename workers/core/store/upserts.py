"""Upserts shared by the unit of work's mixins, built once for each dialect.

PostgreSQL and SQLite spell ``INSERT … ON CONFLICT`` with their own ``insert``; each
statement is built with both at import and picked by the connection's dialect. Their
values come as bound parameters when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

Built = TypeVar("Built")

DIALECT_INSERTS: Mapping[str, Callable[[Table], Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def per_dialect(build: Callable[[Callable[[Table], Any]], Built]) -> dict[str, Built]:
    """``build(insert)`` with each dialect's ``insert``, by dialect name."""
    return {name: build(insert) for name, insert in DIALECT_INSERTS.items()}


def for_dialect(conn: Connection, statements: Mapping[str, Built]) -> Built:
    """The statement of ``conn``'s dialect: PostgreSQL's, or else SQLite's."""
    return statements["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]


def increment(insert: Callable[[Table], Any], table: Table, index: list[Any]) -> Any:
    """An upsert that starts the row's ``last`` at 1 or adds 1 to it, returning ``last``.

    It runs with the row's key and ``last=1``.
    """
    return (
        insert(table)
        .on_conflict_do_update(index_elements=index, set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
