"""What ops ask of the store: one dossier's whole story, the history chains, the purge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from config.settings import Settings
from workers.core import emit
from workers.core.stages import ISSUE_DOCUMENT
from workers.core.store import OutboxMessage, Store
from workers.core.store import tables as t
from workers.core.store.chain import verify_chain
from workers.documents.replacement import check_replaceable, replacement_command
from workers.law.calendar import PARIS, add_months


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


def configured_store(settings: Settings) -> Store | None:
    """The database ``PERMIS_DATABASE_URL`` names, or None when it is not set: a verifier
    then asks no one, where the default SQLite file would wrongly say nothing was replaced."""
    if "database_url" not in settings.model_fields_set:
        return None
    return Store.from_url(settings.database_url)


def superseded_lookup(store: Store) -> Callable[[str], str | None]:
    """Which document replaced a given one, asked of ``store`` (for ``permis verify``)."""

    def replacement_of(number: str) -> str | None:
        with store.transaction() as tx:
            return tx.replacement_of(number)

    return replacement_of


def reissue_document(store: Store, number: str, now: datetime) -> tuple[list[OutboxMessage], str]:
    """Queue the replacement of an issued document; its outbox rows to publish, its number.

    LookupError when there is no such document; NotReplaceable when it may not be replaced.
    """
    with store.transaction() as tx:
        document = tx.document(number)
        if document is None:
            raise LookupError(f"no document {number}")
        check_replaceable(document, tx.replacement_of(number))
        sequence = tx.next_document_sequence(document.dossier_number, document.kind)
        command = replacement_command(document, sequence)
        origin = f"reissue|{number}"
        written = tx.add_outbox(origin, [emit.task(ISSUE_DOCUMENT, command)], now)
    return written, command.document_number


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
