"""What ops ask of the store: one dossier's whole story, the history chains, the purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from workers.core.store import Store
from workers.core.store import tables as t
from workers.core.store.chain import verify_chain
from workers.deadlines.rules import PARIS, add_months


def show_dossier(store: Store, number: str) -> dict[str, Any] | None:
    """State, platform, deadline, history with its chain checked, documents and emails."""
    with store.transaction() as tx:
        dossier = tx.dossier(number)
        if dossier is None:
            return None
        history = tx.history(number)
        documents = tx.documents_of(number)
        emails = tx.emails(number)
    return {
        "dossier_number": number,
        "state": dossier.state,
        "platform": dossier.platform,
        "deadline": dossier.deadline,
        "history": history,
        "chain": verify_chain(history),
        "documents": documents,
        "emails": [
            {k: e[k] for k in ("kind", "recipient_role", "status", "message_id")} for e in emails
        ],
    }


def verify_chains(store: Store) -> dict[str, list[str]]:
    """Every dossier whose history chain is broken, with what is wrong."""
    with store.engine.connect() as conn:
        numbers = list(conn.execute(select(t.dossiers.c.number)).scalars())
    broken = {}
    for number in numbers:
        with store.transaction() as tx:
            problems = verify_chain(tx.history(number))
        if problems:
            broken[number] = problems
    return broken


def purge(store: Store, now: datetime, retention_years: int) -> dict[str, int]:
    """Erase personal data kept longer than the retention allows after a dossier's end."""
    cutoff_day = add_months(now.astimezone(PARIS).date(), -12 * retention_years)
    cutoff = datetime(cutoff_day.year, cutoff_day.month, cutoff_day.day, tzinfo=PARIS)
    purged = 0
    while True:
        with store.transaction() as tx:
            numbers = tx.final_before(cutoff)
            for number in numbers:
                tx.purge(number, now)
        purged += len(numbers)
        if not numbers:
            break
    with store.transaction() as tx:
        rejections = tx.purge_rejections(cutoff)
    return {"dossiers": purged, "rejections": rejections}
