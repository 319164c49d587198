"""Calendar arithmetic for the silence deadline (CONTRACTS.md §2.1 "Dates" and §4)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
SILENCE_MONTHS = 2


def paris_date(instant: datetime) -> date:
    """The calendar date of an aware instant as read in Europe/Paris."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must carry a time zone offset")
    return instant.astimezone(PARIS).date()


def add_months(d: date, n: int) -> date:
    """The same day ``n`` calendar months later, or that month's last day if it has none."""
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last_day))


def silence_deadline(start: date) -> date:
    """The day the administration's silence takes effect: ``start`` + 2 months."""
    return add_months(start, SILENCE_MONTHS)


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
