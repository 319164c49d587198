"""The store on both databases: migrations, numbering under concurrency, history, outbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.records import dossier
from workers.core.errors import TransientError
from workers.core.store import OutboxMessage, Store
from workers.core.store.chain import GENESIS_HASH, history_hash, utc_iso
from workers.law.numbering import format_dossier_number, is_valid_dossier_number

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store.from_url(database_url)
    store.migrate()
    yield store
    store.dispose()


def test_migrating_twice_changes_nothing(store: Store) -> None:
    store.migrate()
    with store.transaction() as tx:
        assert tx.count_dossiers() == 0


def take_numbers(store: Store, count: int, out: list[int], errors: list[BaseException]) -> None:
    for _ in range(count):
        while True:
            try:
                with store.transaction() as tx:
                    out.append(tx.next_sequence(2026))
                break
            except TransientError:
                continue  # a lock timeout is retried, as dramatiq would
            except BaseException as exc:
                errors.append(exc)
                return


def test_dossier_numbers_stay_unique_under_concurrent_workers(store: Store) -> None:
    taken: list[int] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=take_numbers, args=(store, 25, taken, errors)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(taken) == list(range(1, 201))
    assert all(is_valid_dossier_number(format_dossier_number(2026, n)) for n in taken)


def test_document_numbers_are_reserved_per_dossier_and_kind(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.next_document_sequence("AT26-0000042-2", "authorization")
        second = tx.next_document_sequence("AT26-0000042-2", "authorization")
        other = tx.next_document_sequence("AT26-0000042-2", "refusal")
    assert (first, second, other) == (1, 2, 1)


def test_history_rows_chain_their_hashes(store: Store) -> None:
    with store.transaction() as tx:
        tx.add_dossier(dossier("AT26-0000001-8"), NOW)
        tx.transition(
            "AT26-0000001-8",
            expected=None,
            to="deposited",
            at=NOW,
            actor="portal",
            reason="submitted",
            message_id="m1",
        )
        assert tx.transition(
            "AT26-0000001-8",
            expected="deposited",
            to="routed",
            at=NOW,
            actor="system",
            reason="routing",
            message_id=None,
            platform="pf-tulle",
        )
        assert not tx.transition(
            "AT26-0000001-8",
            expected="deposited",
            to="routed",
            at=NOW,
            actor="system",
            reason="routing",
            message_id=None,
        )
        rows = tx.history("AT26-0000001-8")
    assert [r["to_state"] for r in rows] == ["deposited", "routed"]
    previous = GENESIS_HASH
    for row in rows:
        entry = {
            k: row[k]
            for k in (
                "dossier_number",
                "seq",
                "actor",
                "from_state",
                "to_state",
                "reason",
                "message_id",
            )
        }
        entry["at"] = utc_iso(row["at"])
        assert row["prev_hash"] == previous
        assert row["hash"] == history_hash(previous, entry)
        previous = row["hash"]


def test_two_relays_never_claim_the_same_outbox_rows(store: Store) -> None:
    messages = [OutboxMessage("amqp", "permis.events", f"k{i}", "{}") for i in range(40)]
    with store.transaction() as tx:
        tx.add_outbox("origin", messages, NOW)
    with store.transaction() as tx:  # held by their writer until it publishes them
        assert tx.claim_outbox(now=NOW + timedelta(seconds=29), lease_s=30, origin="origin") == []
    later = NOW + timedelta(seconds=31)  # the writer died: its claim lapsed
    claimed: list[list[int]] = [[], []]

    def claim(slot: int) -> None:
        while True:
            try:
                with store.transaction() as tx:
                    rows = tx.claim_outbox(now=later, lease_s=30, origin="origin", limit=7)
            except TransientError:
                continue
            if not rows:
                return
            claimed[slot].extend(r.id for r in rows if r.id is not None)

    threads = [threading.Thread(target=claim, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed[0] + claimed[1]) == sorted(set(claimed[0] + claimed[1]))
    assert len(claimed[0] + claimed[1]) == 40


def test_an_email_is_claimed_by_one_delivery_until_sent_or_its_claim_lapses(store: Store) -> None:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    key = ("AT26-0000042-2", "deposit_confirmation", "employer")
    later = now + timedelta(seconds=41)

    def claim(at: datetime) -> bool:
        with store.transaction() as tx:
            return tx.claim_email(*key, message_id="<m@permis.example>", at=at, lease_s=40)

    assert claim(now)
    assert not claim(now + timedelta(seconds=1))  # another delivery, while the first sends
    assert claim(later)  # the first died: its claim lapsed
    with store.transaction() as tx:
        tx.release_email(*key)
    assert claim(later)  # released after a transient failure: retried at once
    with store.transaction() as tx:
        tx.record_email(*key, message_id="<m@permis.example>", status="sent", at=later)
    assert not claim(later + timedelta(hours=1))
    with store.transaction() as tx:
        assert tx.email_status(*key) == "sent"
