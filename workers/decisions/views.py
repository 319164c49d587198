"""The dossier as the decision rules read it, from the store."""

from __future__ import annotations

from datetime import date

from workers.core.store import DossierRecord, UnitOfWork
from workers.decisions import rules


def lookup_in(tx: UnitOfWork) -> rules.DossierLookup:
    """Find dossiers in this transaction, as the rules see them."""

    def lookup(number: str) -> rules.DossierView | None:
        dossier = tx.dossier(number)
        return None if dossier is None else view(dossier)

    return lookup


def view(dossier: DossierRecord) -> rules.DossierView:
    """What the decision rules read of a stored dossier."""
    contract = dossier.submission["job"]["contract"]
    return rules.DossierView(
        number=dossier.number,
        state=dossier.state,
        platform=dossier.platform,
        category=dossier.category,
        contract_type=contract["type"],
        contract_start=date.fromisoformat(contract["start_date"]),
        contract_end=date.fromisoformat(contract["end_date"]) if contract.get("end_date") else None,
    )
