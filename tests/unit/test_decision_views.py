"""The decisions stage reads each dossier once per transaction: the rules' lookup and the
actor's record are the same read."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import cast

from tests.support.records import dossier
from workers.core.store import DossierRecord, UnitOfWork
from workers.decisions.views import DossierReader, view

NUMBER = "AT26-0000042-2"
CONTRACT = {"type": "CDD", "start_date": "2027-01-04", "end_date": "2027-06-30"}


class CountingStore:
    """A unit of work that only reads dossiers, and remembers what it was asked."""

    def __init__(self, *dossiers: DossierRecord) -> None:
        self.dossiers = {d.number: d for d in dossiers}
        self.reads: list[str] = []

    def dossier(self, number: str) -> DossierRecord | None:
        self.reads.append(number)
        return self.dossiers.get(number)


def stored() -> DossierRecord:
    return replace(dossier(NUMBER, state="routed"), submission={"job": {"contract": CONTRACT}})


def test_the_rules_lookup_and_the_actors_record_are_one_read() -> None:
    store = CountingStore(stored())
    dossiers = DossierReader(cast(UnitOfWork, store))
    found = dossiers(NUMBER)
    assert found == view(stored())
    assert found is not None and found.contract_start == date(2027, 1, 4)
    assert dossiers.record(NUMBER) == stored()
    assert store.reads == [NUMBER]


def test_a_missing_dossier_is_read_once_too() -> None:
    store = CountingStore()
    dossiers = DossierReader(cast(UnitOfWork, store))
    assert dossiers("AT26-0000001-8") is None
    assert dossiers.record("AT26-0000001-8") is None
    assert store.reads == ["AT26-0000001-8"]


def test_the_record_alone_reads_it() -> None:
    store = CountingStore(stored())
    assert DossierReader(cast(UnitOfWork, store)).record(NUMBER) == stored()
    assert store.reads == [NUMBER]
