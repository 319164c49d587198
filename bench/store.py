"""The store's hot operations, alone: CPU per call on a real SQLite file and on PostgreSQL.

    /tmp/v1/bin/python bench/store.py [--database sqlite|postgresql|both] [--iterations N]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

Each operation runs N times (on N dossiers, emails or documents of its own, made
beforehand) inside one transaction, after a warm-up that fills SQLAlchemy's compiled
cache; what is timed is the calls alone, with ``time.process_time``: this process's
CPU (SQLAlchemy, the driver, and SQLite's engine, which runs in it; not PostgreSQL's
server). PostgreSQL runs in a schema of its own, dropped afterwards. The last line of
standard output is one JSON object: ms per operation, by database.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.records import dossier  # noqa: E402
from workers.core.store import DocumentRecord, Store, UnitOfWork  # noqa: E402
from workers.core.store.database import engine_url  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WARM_UP = 20

Operation = Callable[[UnitOfWork, int], object]


def number(i: int) -> str:
    return f"BS26-{i:07d}-0"


def create(tx: UnitOfWork, i: int) -> None:
    """Intake's: a new dossier and its first history row."""
    tx.add_dossier(dossier(number(i)), AT)
    tx.transition(
        number(i),
        expected=None,
        to="deposited",
        at=AT,
        actor="portal",
        reason="submitted",
        message_id=f"m-{i}",
    )


def route(tx: UnitOfWork, i: int) -> None:
    """Routing's: the compare-and-set move, its history row read and written."""
    tx.transition(
        number(i),
        expected="deposited",
        to="routed",
        at=AT,
        actor="system",
        reason="routing",
        message_id=None,
        platform="pf-bench",
        routing={"name": "bench"},
    )


def grant(tx: UnitOfWork, i: int) -> None:
    """Decisions': a final move checked against the platform, ``final_at`` set."""
    moved = tx.transition(
        number(i),
        expected="routed",
        to="granted",
        at=AT,
        actor="agent",
        reason="decided",
        message_id=f"d-{i}",
        expected_platform="pf-bench",
        final_at=AT,
    )
    assert moved


def document(i: int) -> DocumentRecord:
    return DocumentRecord(
        f"{number(i)}-A1", number(i), "authorization", "0" * 64, b"%PDF", date(2026, 11, 20), {}
    )


def claim(tx: UnitOfWork, i: int) -> bool:
    return tx.claim_email(
        number(i), "deposit_confirmation", "employer", message_id=f"<{i}@b>", at=AT, lease_s=40
    )


def record(tx: UnitOfWork, i: int) -> None:
    tx.record_email(
        number(i), "deposit_confirmation", "employer", message_id=f"<{i}@b>", status="sent", at=AT
    )


OPERATIONS: dict[str, Operation] = {
    "create (dossier + first history row)": create,
    "transition (routing)": route,
    "transition (final, platform checked)": grant,
    "dossier": lambda tx, i: tx.dossier(number(i)),
    "next_sequence": lambda tx, i: tx.next_sequence(2026),
    "next_document_sequence": lambda tx, i: tx.next_document_sequence(number(i), "authorization"),
    "add_document": lambda tx, i: tx.add_document(document(i), AT),
    "claim_email": claim,
    "record_email": record,
    "mark": lambda tx, i: tx.mark(number(i), warned_deadline=date(2027, 1, 1)),
}
"""In this order: each leaves what the next ones work on (dossiers, states, claimed emails)."""


def measure(store: Store, iterations: int) -> dict[str, float]:
    """ms of CPU per call of each operation, over ``iterations`` calls each."""
    per_call: dict[str, float] = {}
    total = WARM_UP + iterations
    for name, operation in OPERATIONS.items():
        with store.transaction() as tx:
            for i in range(WARM_UP):
                operation(tx, i)
            start = time.process_time()
            for i in range(WARM_UP, total):
                operation(tx, i)
            per_call[name] = round((time.process_time() - start) * 1000 / iterations, 4)
    return per_call


@contextmanager
def database(kind: str, postgres: str) -> Iterator[Store]:
    """A migrated store on a fresh SQLite file or PostgreSQL schema, gone afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-store-") as folder,
        _url(kind, folder, postgres) as url,
    ):
        store = Store.from_url(url)
        try:
            store.migrate()
            yield store
        finally:
            store.dispose()


@contextmanager
def _url(kind: str, folder: str, postgres: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{Path(folder) / 'permis.db'}"
        return
    admin = sqlalchemy.create_engine(engine_url(postgres))
    schema = f"bench_store_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{postgres}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--postgres-url", default=POSTGRES)
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results: dict[str, dict[str, float]] = {}
    for kind in kinds:
        with database(kind, args.postgres_url) as store:
            results[kind] = measure(store, args.iterations)
    print(f"| operation (ms of CPU per call) | {' | '.join(kinds)} |")
    print("|---|" + "---:|" * len(kinds))
    for name in OPERATIONS:
        print(f"| {name} | {' | '.join(f'{results[k][name]:.3f}' for k in kinds)} |")
    print(json.dumps({"iterations": args.iterations, "ms_per_call": results}))


if __name__ == "__main__":
    main()
