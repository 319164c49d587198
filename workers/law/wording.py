"""How Permis writes what the procedure names, in French and English: dates in words and
the kinds of contract, the same in emails, documents and at the verification desk."""

from __future__ import annotations

from datetime import date

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}
CONTRACT_LABELS = {
    "CDI": ("contrat à durée indéterminée (CDI)", "permanent contract (CDI)"),
    "CDD": ("contrat à durée déterminée (CDD)", "fixed-term contract (CDD)"),
    "seasonal": ("contrat de travail saisonnier", "seasonal employment contract"),
}
"""Contract type → its name in French and in English."""


def long_date(value: date, language: str) -> str:
    """Write a date in words: "1er février 2027" in French, "1 February 2027" in English."""
    day = "1er" if value.day == 1 and language == "fr" else str(value.day)
    return f"{day} {MONTHS[language].split()[value.month - 1]} {value.year}"
