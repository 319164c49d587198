"""The dossier as the decision rules read it, from the store."""

from __future__ import annotations

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
    return rules.DossierView(
        number=dossier.number,
        state=dossier.state,
        platform=dossier.platform,
        category=dossier.category,
        contract_type=dossier.submission["job"]["contract"]["type"],
        contract_start=dossier.contract_start,
        contract_end=dossier.contract_end,
    )
