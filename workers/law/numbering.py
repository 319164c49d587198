"""The numbers Permis gives (CONTRACTS.md §2.4 and §7).

A dossier's: ``AT`` + year (2 digits) + ``-`` + sequence (7) + ``-`` + Luhn digit.
A document's: the dossier number, ``-``, the kind's letter and a sequence from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOSSIER_NUMBER_RE = re.compile(r"AT(?P<year>[0-9]{2})-(?P<sequence>[0-9]{7})-(?P<check>[0-9])")
MAX_DOSSIER_SEQUENCE = 9_999_999


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
    if not 0 <= sequence <= MAX_DOSSIER_SEQUENCE:
        raise ValueError(f"sequence must be within 0..{MAX_DOSSIER_SEQUENCE}")
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


KIND_LETTERS = {
    "authorization": "A",
    "refusal": "R",
    "documents_request": "D",
    "implicit_refusal": "I",
}
KINDS_BY_LETTER = {letter: kind for kind, letter in KIND_LETTERS.items()}
MAX_DOCUMENT_SEQUENCE = 9999
DOCUMENT_NUMBER_RE = re.compile(
    r"(?P<dossier>AT[0-9]{2}-[0-9]{7}-[0-9])-(?P<letter>[ARDI])(?P<sequence>[1-9][0-9]{0,3})"
)


@dataclass(frozen=True)
class DocumentNumber:
    """A document number split into the dossier it belongs to, its kind and sequence."""

    dossier_number: str
    kind: str
    sequence: int

    def __str__(self) -> str:
        return document_number(self.dossier_number, self.kind, self.sequence)


def document_number(dossier_number: str, kind: str, sequence: int) -> str:
    """The number of the ``sequence``-th document of ``kind`` issued for a dossier."""
    if not is_valid_dossier_number(dossier_number):
        raise ValueError(f"not a dossier number: {dossier_number!r}")
    if kind not in KIND_LETTERS:
        raise ValueError(f"unknown document kind {kind!r}")
    if not 1 <= sequence <= MAX_DOCUMENT_SEQUENCE:
        raise ValueError(f"sequence must be within 1..{MAX_DOCUMENT_SEQUENCE}")
    return f"{dossier_number}-{KIND_LETTERS[kind]}{sequence}"


def parse_document_number(text: str) -> DocumentNumber:
    """Split a document number into its parts; ValueError when it is not one."""
    match = DOCUMENT_NUMBER_RE.fullmatch(text)
    if match is None or not is_valid_dossier_number(match["dossier"]):
        raise ValueError(f"not a document number: {text!r}")
    return DocumentNumber(
        match["dossier"], KINDS_BY_LETTER[match["letter"]], int(match["sequence"])
    )


def is_valid_document_number(text: str) -> bool:
    """Tell whether ``text`` is a well-formed document number with a correct check digit."""
    try:
        parse_document_number(text)
    except ValueError:
        return False
    return True
