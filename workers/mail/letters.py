"""Each email kind's context, from what the store holds: plain functions over plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Letter:
    """One email to write: its kind, language, recipient and template context."""

    kind: str
    language: str
    recipient: str | None
    context: dict[str, Any]


def employee_name(submission: dict[str, Any]) -> str:
    employee = submission["employee"]
    return f"{employee['first_names']} {employee['last_name']}"


def deposit_confirmation(
    number: str,
    submission_id: str,
    submission: dict[str, Any],
    filed_on: date,
    deadline: date,
    employer_email: str,
) -> Letter:
    """The employer's acknowledgement: the number, the deadline and what happens next."""
    context = {
        "dossier_number": number,
        "submission_id": submission_id,
        "employer_name": submission["employer"]["name"],
        "employee_name": employee_name(submission),
        "job_title": submission["job"]["title"],
        "filed_on": filed_on,
        "deadline": deadline,
        "implicit_grant": submission["category"] == "asylum_seeker",
    }
    return Letter("deposit_confirmation", "fr", employer_email, context)


def submission_rejected(
    submission_id: str,
    employer_name: str | None,
    errors: list[dict[str, Any]],
    contact_email: str | None,
) -> Letter:
    """The employer's rejection notice, every error of the submission in order."""
    context = {
        "submission_id": submission_id,
        "employer_name": employer_name,
        "errors": [{"pointer": None, "detail": None, **e} for e in errors],
    }
    return Letter("submission_rejected", "fr", contact_email, context)
