"""The dossier as the decision rules read it, from the store."""

from __future__ import annotations

from workers.core.store import DossierRecord, UnitOfWork
from workers.decisions import rules


class DossierReader:
    """The dossiers of one transaction, each read once: the rules look them up (this is
    their ``rules.DossierLookup``), then the actor takes the records they decided on."""

    def __init__(self, tx: UnitOfWork) -> None:
        self._tx = tx
        self._read: dict[str, DossierRecord | None] = {}

    def __call__(self, number: str) -> rules.DossierView | None:
        """The dossier as the rules see it, or None when there is none."""
        dossier = self.record(number)
        return None if dossier is None else view(dossier)

    def record(self, number: str) -> DossierRecord | None:
        """The stored dossier, read from the transaction the first time it is asked for."""
        if number not in self._read:
            self._read[number] = self._tx.dossier(number)
        return self._read[number]


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
