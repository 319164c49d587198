"""Document numbers: the dossier number, ``-``, the kind's letter and a sequence from 1."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.intake.numbering import is_valid_dossier_number

KIND_LETTERS = {
    "authorization": "A",
    "refusal": "R",
    "documents_request": "D",
    "implicit_refusal": "I",
}
KINDS_BY_LETTER = {letter: kind for kind, letter in KIND_LETTERS.items()}
MAX_SEQUENCE = 9999
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
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be within 1..{MAX_SEQUENCE}")
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
