"""Plain records for store tests."""

from __future__ import annotations

from datetime import date

from workers.core.store import DossierRecord


def dossier(number: str, state: str = "deposited") -> DossierRecord:
    """A dossier as intake would store it, with only what the store needs."""
    return DossierRecord(
        number=number,
        submission_source="/portal",
        submission_id=f"id-{number}",
        state=state,
        platform=None,
        departement="33",
        category="employee",
        procedure="introduction",
        filing_date=date(2026, 11, 20),
        deadline=date(2027, 1, 20),
        language="fr",
        employer_email="employeur@exemple.example",
        beneficiary_email=None,
        submission={"employer": {"address": {"postcode": "33700"}}},
        findings=[],
    )
