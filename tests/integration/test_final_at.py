"""A dossier's final move sets ``final_at`` (when its retention starts) to the move's
instant; a move to an open state leaves it unset. On both databases, through the actors."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from tests.integration.test_transitions import NOW, NUMBER, place, send
from tests.support.harness import Harness
from workers.core.store import tables as t
from workers.core.store.chain import utc_iso


@pytest.fixture
def harness_start() -> datetime:
    return NOW


def final_at(harness: Harness) -> str | None:
    with harness.pipeline.services.store.engine.connect() as conn:
        found = conn.execute(select(t.dossiers.c.final_at).where(t.dossiers.c.number == NUMBER))
        at = found.scalar_one()
    return None if at is None else utc_iso(at)


def last_move_at(harness: Harness) -> str:
    with harness.pipeline.services.store.transaction() as tx:
        return utc_iso(tx.history(NUMBER)[-1]["at"])


@pytest.mark.parametrize(
    ("kind", "outcome", "final"),
    [
        ("decided", "granted", True),
        ("decided", "refused", True),
        ("decided", "documents_requested", False),
        ("withdrawn", "", True),
    ],
)
def test_a_final_move_sets_final_at_to_its_instant(
    harness: Harness, kind: str, outcome: str, final: bool
) -> None:
    place(harness, "routed")
    send(harness, kind, outcome=outcome)
    harness.run()
    assert final_at(harness) == (last_move_at(harness) if final else None)
