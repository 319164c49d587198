"""CONTRACTS.md §3.4 applied through the actors on both databases: every (state, message)
pair is applied or refused with its code and nothing changed; two decisions racing for one
dossier apply once; a tampered history is detected."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.conftest import SAMPLES
from tests.support.harness import Harness
from tests.support.records import dossier
from workers.admin import purge, show_dossier, verify_chains
from workers.core.store import tables as t

NOW = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
NUMBER = "AT26-0000042-2"
SUBMISSION = json.loads(
    (SAMPLES / "submissions" / "01-employee-cdi-introduction-paris.json").read_text()
)["data"]

OK = "applied"
# The table of CONTRACTS.md §3.4, written out here rather than read from the code.
TABLE = {
    "deposited": ("platform_mismatch", "platform_mismatch", "transition_not_allowed", OK),
    "routed": (OK, OK, "transition_not_allowed", OK),
    "awaiting_documents": (OK, OK, OK, OK),
    **{
        final: ("dossier_final",) * 4
        for final in (
            "granted",
            "refused",
            "closed",
            "withdrawn",
            "implicitly_refused",
            "implicitly_granted",
        )
    },
}
KINDS = ("decided", "transferred", "documents_supplied", "withdrawn")
AFTER = {
    "decided": "granted",
    "transferred": None,
    "documents_supplied": "routed",
    "withdrawn": "withdrawn",
}


@pytest.fixture
def harness_start() -> datetime:
    return NOW


def place(harness: Harness, state: str, number: str = NUMBER) -> None:
    """A dossier on pf-nanterre (unless deposited) in ``state``, as if it had got there."""
    record = replace(
        dossier(number, state),
        platform=None if state == "deposited" else "pf-nanterre",
        submission=SUBMISSION,
        employer_email="recrutement@quantiq-analytics.example",
    )
    with harness.pipeline.services.store.transaction() as tx:
        tx.add_dossier(record, NOW)
        tx.transition(
            number, expected=None, to=state, at=NOW, actor="test", reason="placed", message_id=None
        )


def envelope(kind: str, data: dict[str, object], source: str) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source,
            "type": f"fr.gouv.etrangers.work_authorization.{kind}",
            "time": "2026-12-14T10:00:00+01:00",
            "data": data,
        }
    ).encode()


def send(harness: Harness, kind: str, number: str = NUMBER, outcome: str = "granted") -> None:
    agent = {"dossier_number": number, "platform": "pf-nanterre", "agent_id": "agent-7"}
    if kind == "decided":
        reasons = [{"code": "r", "legal_basis": "R.5221-20", "text": "motif"}]
        harness.decide(
            envelope(
                kind, {**agent, "outcome": outcome, "reasons": reasons}, "/platforms/pf-nanterre"
            ),
            "pf-nanterre",
        )
    elif kind == "transferred":
        data = {**agent, "to_platform": "pf-bobigny", "reason": "compétence"}
        harness.decide(envelope(kind, data, "/platforms/pf-nanterre"), "pf-nanterre")
    elif kind == "documents_supplied":
        harness.submit(envelope(kind, {"dossier_number": number, "documents": []}, "/portal"))
    else:
        harness.submit(envelope(kind, {"dossier_number": number}, "/portal"))


def refusal_codes(harness: Harness) -> list[str]:
    events = harness.events("decision.rejected") + harness.events("dossier.rejected")
    return [e["data"]["errors"][0]["code"] for e in events]


@pytest.mark.parametrize("state", list(TABLE))
@pytest.mark.parametrize("kind", KINDS)
def test_every_state_and_message_is_applied_or_refused_as_the_table_says(
    harness: Harness, state: str, kind: str
) -> None:
    place(harness, state)
    with harness.pipeline.services.store.transaction() as tx:
        before = tx.dossier(NUMBER)
    send(harness, kind)
    harness.run()

    expected = TABLE[state][KINDS.index(kind)]
    with harness.pipeline.services.store.transaction() as tx:
        after = tx.dossier(NUMBER)
        history = tx.history(NUMBER)
    assert after is not None and before is not None
    if expected == OK:
        assert refusal_codes(harness) == []
        assert after.state == (AFTER[kind] or state)
        assert len(history) == 2
        if kind == "transferred":
            assert after.platform == "pf-bobigny"
    else:
        assert refusal_codes(harness) == [expected]
        assert after == before
        assert len(history) == 1
    assert verify_chains(harness.pipeline.services.store) == {}


@pytest.fixture
def postgres_harness(postgres_url: str, tmp_path: Path, keys_dir: Path) -> Iterator[Harness]:
    harness = Harness(postgres_url, tmp_path, keys_dir, NOW)
    yield harness
    harness.close()


def test_two_decisions_racing_for_one_dossier_apply_once(postgres_harness: Harness) -> None:
    # On PostgreSQL: production runs several workers against one database.
    harness = postgres_harness
    place(harness, "routed")
    senders = [
        threading.Thread(target=send, args=(harness, "decided"), kwargs={"outcome": outcome})
        for outcome in ("granted", "refused")
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    harness.run()

    assert harness.state(NUMBER) in ("granted", "refused")
    applied = harness.events("dossier.granted") + harness.events("dossier.refused")
    assert len(applied) == 1
    assert refusal_codes(harness) == ["dossier_final"]
    with harness.pipeline.services.store.transaction() as tx:
        assert [row["to_state"] for row in tx.history(NUMBER)][1:] == [harness.state(NUMBER)]


def test_a_history_row_edited_in_the_database_is_detected(harness: Harness) -> None:
    place(harness, "routed")
    send(harness, "withdrawn")
    harness.run()
    store = harness.pipeline.services.store
    assert verify_chains(store) == {}
    with store.engine.begin() as conn:
        conn.execute(
            update(t.dossier_history)
            .where(t.dossier_history.c.dossier_number == NUMBER, t.dossier_history.c.seq == 2)
            .values(to_state="granted")
        )
    assert list(verify_chains(store)) == [NUMBER]
    shown = show_dossier(store, NUMBER)
    assert shown is not None and shown["chain"]


def test_purge_erases_personal_data_past_retention_and_keeps_the_chain(harness: Harness) -> None:
    place(harness, "routed")
    send(harness, "withdrawn")
    harness.run()
    store = harness.pipeline.services.store
    assert purge(store, NOW, retention_years=5) == {"dossiers": 0, "rejections": 0}
    later = NOW.replace(year=2032)
    assert purge(store, later, retention_years=5)["dossiers"] == 1
    with store.transaction() as tx:
        erased = tx.dossier(NUMBER)
    assert erased is not None and erased.submission == {} and erased.employer_email == ""
    assert erased.state == "withdrawn"
    assert verify_chains(store) == {}
    assert purge(store, later, retention_years=5)["dossiers"] == 0
