"""What the decisions stage's checks answer, and the dossier as they read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from messages.agents import Decided, Transferred
from messages.common import Error
from messages.portal import DocumentsSupplied, Withdrawn
from workers.decisions.transitions import Kind, State


@dataclass(frozen=True)
class DossierView:
    """What the checks read of a dossier: its state, platform and contract."""

    number: str
    state: str
    platform: str | None
    category: str
    contract_type: str
    contract_start: date
    contract_end: date | None


@dataclass(frozen=True)
class AgentRefusal:
    """A refused agents' message: the errors for ``decision.rejected`` and where to route it."""

    errors: tuple[Error, ...]
    dossier_number: str | None
    platform_for_routing: str | None

    @property
    def code(self) -> str:
        """The refusal's code (every error of one refusal shares it)."""
        return self.errors[0].code


@dataclass(frozen=True)
class AgentDecision:
    """An accepted agents' message: the state to move to and the values it implies."""

    event: Decided | Transferred
    kind: Kind
    dossier_number: str
    platform: str
    from_state: State
    target_state: State
    valid_from: date | None = None
    valid_until: date | None = None
    respond_by: date | None = None
    to_platform: str | None = None


@dataclass(frozen=True)
class PortalRefusal:
    """A refused documents_supplied or withdrawn message: the errors for ``dossier.rejected``."""

    errors: tuple[Error, ...]
    dossier_number: str | None


@dataclass(frozen=True)
class PortalChange:
    """An accepted portal follow-up: the state to move to and, for documents, the new deadline."""

    event: DocumentsSupplied | Withdrawn
    kind: Kind
    dossier_number: str
    platform: str | None
    from_state: State
    target_state: State
    deadline: date | None = None


DossierLookup = Callable[[str], DossierView | None]
"""Finds a dossier by its number (the actor reads it from the store)."""
