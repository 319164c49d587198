"""The legal calendar, read in Paris (CONTRACTS.md §2.1 "Dates", §3.1 and §4)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
SILENCE_MONTHS = 2
CDI_VALIDITY_MONTHS = 12


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


def default_valid_until(contract_start: date, contract_end: date | None) -> date:
    """§3.1's default end of validity: the contract's end, or for a CDI start + 1 year − 1 day."""
    if contract_end is not None:
        return contract_end
    return add_months(contract_start, CDI_VALIDITY_MONTHS) - timedelta(days=1)
