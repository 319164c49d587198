"""What the deadline sweep must do for a dossier today (CONTRACTS.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

WARNING_DAYS = 10
OPEN_STATES = frozenset({"routed", "awaiting_documents"})


@dataclass(frozen=True)
class Watched:
    """What the sweep reads of an open dossier."""

    number: str
    state: str
    category: str
    deadline: date | None
    warned_deadline: date | None
    respond_by: date | None
    overdue_for: date | None


Action = Literal["warn", "implicit_decision", "response_overdue"]


def due(dossier: Watched, today: date) -> Action | None:
    """What the sweep must do for ``dossier`` today, if anything (CONTRACTS.md §4).

    The silence deadline is suspended while documents are awaited (the dossier then has
    none); past it, the administration's silence is its decision. A passed ``respond_by``
    is announced once, and nothing is closed silently.
    """
    if dossier.state not in OPEN_STATES:
        return None
    if dossier.deadline is not None:
        if today > dossier.deadline:
            return "implicit_decision"
        warned = dossier.warned_deadline == dossier.deadline
        if not warned and (dossier.deadline - today).days <= WARNING_DAYS:
            return "warn"
    overdue = dossier.respond_by is not None and today > dossier.respond_by
    if (
        dossier.state == "awaiting_documents"
        and overdue
        and dossier.overdue_for != dossier.respond_by
    ):
        return "response_overdue"
    return None


def implicit_outcome(category: str) -> Literal["implicitly_granted", "implicitly_refused"]:
    """Silence grants an asylum seeker's request and refuses every other (CONTRACTS.md §4)."""
    return "implicitly_granted" if category == "asylum_seeker" else "implicitly_refused"


def watch_from(today: date) -> date:
    """Dossiers whose deadline is on or before this date may need the sweep today."""
    return today + timedelta(days=WARNING_DAYS)
