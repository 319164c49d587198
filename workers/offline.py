"""The offline commands' answers: intake and routing without broker, database or SMTP.

``permis check`` lets the portal team try their messages; ``permis route`` and
``permis routes`` let anyone see which platform a postcode goes to, and why.
"""

from __future__ import annotations

from typing import Any

from config.reference import ReferenceData
from messages.portal import SUBMITTED
from workers.ingress.admission import Refused, admit
from workers.intake import rules as intake
from workers.law.numbering import is_valid_dossier_number
from workers.routing import rules as routing
from workers.routing.rules import SEASONAL_PLATFORM


def check_body(body: bytes, reference: ReferenceData) -> dict[str, Any]:
    """What intake would answer to ``body`` as a ``submitted`` message (CONTRACTS.md §9)."""
    admitted = admit(body)
    if isinstance(admitted, Refused):
        return _rejected([admitted.error().model_dump(mode="json", exclude_none=True)])
    envelope = admitted.envelope
    if intake.classify(envelope) != SUBMITTED:
        outcome: intake.Rejection | intake.Acceptance = intake.unknown_type(envelope)
    else:
        outcome = intake.check_submission(envelope, reference)
    if isinstance(outcome, intake.Rejection):
        return _rejected([e.model_dump(mode="json", exclude_none=True) for e in outcome.errors])
    data = outcome.event.data
    chosen = routing.route(
        employer_postcode=data.employer.address.postcode or "",
        category=data.category,
        reference=reference,
    )
    return {
        "outcome": "deposited",
        "platform": chosen.platform,
        "rule": chosen.rule_dict(),
        "deadline": outcome.deadline.isoformat(),
        "errors": [],
        "findings": [f.model_dump(mode="json", exclude_none=True) for f in outcome.findings],
    }


def _rejected(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"outcome": "rejected", "errors": errors, "findings": []}


def check_number(number: str) -> dict[str, Any]:
    """Whether ``number`` is a well-formed dossier number with a right check digit."""
    return {"dossier_number": number, "valid": is_valid_dossier_number(number)}


def route_postcode(postcode: str, category: str, reference: ReferenceData) -> dict[str, Any]:
    """``{platform, rule}`` for an establishment's postcode, or ``{error}`` when none applies."""
    try:
        chosen = routing.route(employer_postcode=postcode, category=category, reference=reference)
    except routing.Unroutable as exc:
        return {"platform": None, "error": exc.code}
    row = reference.departement(chosen.departement)
    return {
        "platform": chosen.platform,
        "rule": chosen.rule_dict(),
        "departement": _row(row) if row else None,
    }


def routes_table(reference: ReferenceData) -> dict[str, Any]:
    """The whole table: each département's platform with its confidence and source."""
    return {
        "table_version": reference.table_version,
        "seasonal_metropole": SEASONAL_PLATFORM,
        "departements": [_row(row) for row in reference.departements],
    }


def _row(row: Any) -> dict[str, str]:
    return {
        "code": row.code,
        "name": row.name,
        "platform": row.platform,
        "confidence": row.confidence,
        "source": row.source,
    }
