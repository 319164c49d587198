"""Dossier numbers: ``AT`` + year (2 digits) + ``-`` + sequence (7) + ``-`` + Luhn digit."""

from __future__ import annotations

import re

DOSSIER_NUMBER_RE = re.compile(r"AT(?P<year>[0-9]{2})-(?P<sequence>[0-9]{7})-(?P<check>[0-9])")
MAX_SEQUENCE = 9_999_999


def luhn_digit(digits: str) -> str:
    """The Luhn mod 10 check digit to append to ``digits`` (ASCII digits only)."""
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise ValueError("digits must be a non-empty string of ASCII digits")
    total = 0
    # Counting from the right, every other digit starting with the rightmost is doubled,
    # because the check digit will take the rightmost place.
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def format_dossier_number(year: int, sequence: int) -> str:
    """The dossier number of the ``sequence``-th dossier deposited in ``year``."""
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be within 0..{MAX_SEQUENCE}")
    if year < 0:
        raise ValueError("year must not be negative")
    body = f"{year % 100:02d}{sequence:07d}"
    return f"AT{body[:2]}-{body[2:]}-{luhn_digit(body)}"


def is_valid_dossier_number(s: str) -> bool:
    """Tell whether ``s`` has the dossier number's shape and a correct check digit."""
    match = DOSSIER_NUMBER_RE.fullmatch(s)
    if match is None:
        return False
    return luhn_digit(match["year"] + match["sequence"]) == match["check"]
