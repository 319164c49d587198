"""Calendar arithmetic of the silence deadline (CONTRACTS.md §2.1 "Dates", §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from workers.law.calendar import PARIS, add_months, paris_date, silence_deadline


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # century, not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # 400-year rule: leap
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # December to January
        (date(2026, 11, 30), 2, date(2027, 1, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2027, 1, 15), -1, date(2026, 12, 15)),
        (date(2026, 1, 1), 24, date(2028, 1, 1)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last_day(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2026, 11, 20), date(2027, 1, 20)),
        (date(2026, 12, 31), date(2027, 2, 28)),
        (date(2027, 12, 31), date(2028, 2, 29)),
        (date(2026, 12, 30), date(2027, 2, 28)),
        (date(2026, 7, 31), date(2026, 9, 30)),
    ],
)
def test_silence_deadline_is_two_calendar_months_later(start: date, expected: date) -> None:
    assert silence_deadline(start) == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # winter time (UTC+1): 23:30Z is already the next day in Paris
        (datetime(2026, 11, 20, 23, 30, tzinfo=UTC), date(2026, 11, 21)),
        (datetime(2026, 11, 20, 22, 59, 59, tzinfo=UTC), date(2026, 11, 20)),
        (datetime(2026, 11, 20, 23, 0, tzinfo=UTC), date(2026, 11, 21)),
        # summer time (UTC+2): 22:00Z is midnight in Paris
        (datetime(2026, 7, 14, 21, 59, 59, tzinfo=UTC), date(2026, 7, 14)),
        (datetime(2026, 7, 14, 22, 0, tzinfo=UTC), date(2026, 7, 15)),
        # an offset of its own is read in Paris too
        (datetime(2026, 11, 20, 18, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 11, 21)),
        (datetime(2026, 11, 21, 0, 30, tzinfo=timezone(timedelta(hours=9))), date(2026, 11, 20)),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 11, 21, 0, 15, tzinfo=PARIS), date(2026, 11, 21)),
    ],
)
def test_paris_date_reads_the_instant_in_europe_paris(instant: datetime, expected: date) -> None:
    assert paris_date(instant) == expected


def test_paris_date_across_the_summer_time_change() -> None:
    # 2026-03-29 01:00Z is when Paris moves from UTC+1 to UTC+2
    assert paris_date(datetime(2026, 3, 28, 22, 59, tzinfo=UTC)) == date(2026, 3, 28)
    assert paris_date(datetime(2026, 3, 28, 23, 0, tzinfo=UTC)) == date(2026, 3, 29)
    assert paris_date(datetime(2026, 10, 24, 22, 0, tzinfo=UTC)) == date(2026, 10, 25)


def test_paris_date_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="offset"):
        paris_date(datetime(2026, 11, 20, 10, 0))


def test_add_months_is_never_past_the_months_end_for_any_day_of_a_year() -> None:
    day = date(2027, 1, 1)
    while day.year == 2027:
        later = add_months(day, 1)
        assert later.month == day.month % 12 + 1
        assert later.day == day.day or (later + timedelta(days=1)).day == 1
        day += timedelta(days=1)
