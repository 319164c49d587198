"""Each document's template context, from plain stored data: pure functions, no I/O.

Dates stay ``date`` values (the templates write them out per language); every text
is passed through as data, never as markup. Bilingual labels are ``{"fr", "en"}``
dicts so that a template shows the French and, when asked, the English beside it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from config.reference import Platform
from messages.seal import SealPayload
from workers.core.errors import PermanentError
from workers.law.calendar import paris_date
from workers.law.wording import CONTRACT_LABELS

LANGUAGES = ("fr", "en")
DOCUMENT_LABELS = {  # CONTRACTS.md §6
    "passport": ("Passeport (pages d'identité)", "Passport (identity pages)"),
    "employment_contract": (
        "Contrat de travail ou promesse d'embauche",
        "Employment contract or promise of employment",
    ),
    "job_offer_proof": (
        "Justificatif de publication de l'offre d'emploi",
        "Proof that the job offer was published",
    ),
    "social_contributions_certificate": (
        "Attestation de vigilance URSSAF ou MSA de moins de six mois",
        "URSSAF or MSA social contributions certificate, less than six months old",
    ),
    "company_registration": ("Extrait Kbis", "Company registration extract (Kbis)"),
    "tax_notice": ("Avis d'imposition", "Tax notice"),
    "diploma": ("Diplôme", "Diploma"),
    "residence_permit": ("Titre de séjour", "Residence permit"),
    "asylum_certificate": ("Attestation de demande d'asile", "Asylum claim certificate"),
    "student_enrolment": ("Certificat de scolarité", "Proof of enrolment"),
    "housing_proof": ("Justificatif de logement", "Proof of housing"),
    "other": ("Autre pièce", "Other document"),
}

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _permanent(build: Callable[_P, _R]) -> Callable[_P, _R]:
    # Stored data passed intake's checks: a missing or malformed field is a bug that
    # retrying cannot fix.
    @functools.wraps(build)
    def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return build(*args, **kwargs)
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentError(f"{build.__name__}: bad data ({exc!r})") from exc

    return checked


@_permanent
def authorization_context(
    *,
    document_number: str,
    dossier_number: str,
    issued_on: date,
    platform: Platform,
    submission: Mapping[str, Any],
    valid_from: date,
    valid_until: date,
    language: str,
) -> dict[str, Any]:
    """The work authorization's context: employer, beneficiary, job and validity."""
    if valid_until < valid_from:
        raise ValueError("valid_until is before valid_from")
    context = _common(document_number, dossier_number, issued_on, platform, submission, language)
    return {**context, "valid_from": valid_from, "valid_until": valid_until}


@_permanent
def refusal_context(
    *,
    document_number: str,
    dossier_number: str,
    issued_on: date,
    platform: Platform,
    submission: Mapping[str, Any],
    reasons: list[dict[str, Any]],
    language: str,
) -> dict[str, Any]:
    """The refusal letter's context: the dossier and each reason with its legal basis."""
    if not reasons:
        raise ValueError("a refusal needs at least one reason")
    context = _common(document_number, dossier_number, issued_on, platform, submission, language)
    return {**context, "reasons": [_reason(r) for r in reasons]}


@_permanent
def documents_request_context(
    *,
    document_number: str,
    dossier_number: str,
    issued_on: date,
    platform: Platform,
    submission: Mapping[str, Any],
    requested_documents: list[dict[str, Any]],
    respond_by: date,
    language: str,
) -> dict[str, Any]:
    """The request for documents' context: what to send, and by when."""
    if not requested_documents:
        raise ValueError("a request needs at least one document")
    context = _common(document_number, dossier_number, issued_on, platform, submission, language)
    requested = [_requested(d) for d in requested_documents]
    return {**context, "requested_documents": requested, "respond_by": respond_by}


@_permanent
def implicit_refusal_context(
    *,
    document_number: str,
    dossier_number: str,
    issued_on: date,
    platform: Platform,
    submission: Mapping[str, Any],
    deadline: date,
    language: str,
) -> dict[str, Any]:
    """The implicit refusal notice's context: the day the administration's silence took effect."""
    context = _common(document_number, dossier_number, issued_on, platform, submission, language)
    return {**context, "deadline": deadline}


def seal_payload_of(kind: str, context: Mapping[str, Any]) -> SealPayload | None:
    """The seal code's payload of a document: only the work authorization carries one (§7)."""
    return seal_payload(context) if kind == "authorization" else None


@_permanent
def seal_payload(context: Mapping[str, Any]) -> SealPayload:
    """What the authorization's seal code vouches for (CONTRACTS.md §7), from its context."""
    employer, beneficiary, job = context["employer"], context["beneficiary"], context["job"]
    return SealPayload(
        v=1,
        doc=context["document_number"],
        dossier=context["dossier_number"],
        issued=context["issued_on"],
        valid_from=context["valid_from"],
        valid_until=context["valid_until"],
        platform=context["platform"]["id"],
        employer_name=employer["name"],
        siret=employer["siret"],
        last_name=beneficiary["last_name"],
        first_names=beneficiary["first_names"],
        birth_date=beneficiary["birth_date"],
        nationality=beneficiary["nationality"],
        passport=beneficiary["passport_number"],
        foreign_number=beneficiary["foreign_national_number"],
        contract=job["contract_type"],
        start_date=job["start_date"],
    )


def _common(
    document_number: str,
    dossier_number: str,
    issued_on: date,
    platform: Platform,
    submission: Mapping[str, Any],
    language: str,
) -> dict[str, Any]:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    return {
        "language": language,
        "document_number": document_number,
        "dossier_number": dossier_number,
        "issued_on": issued_on,
        "filed_on": _paris_date(submission["filed_at"]),
        "platform": {
            "id": platform.id,
            "name": platform.name,
            "host_prefecture": platform.host_prefecture,
        },
        "employer": _employer(submission["employer"]),
        "beneficiary": _beneficiary(submission["employee"]),
        "job": _job(submission["job"]),
    }


def _employer(employer: Mapping[str, Any]) -> dict[str, Any]:
    contact = employer["contact"]
    return {
        "name": employer["name"],
        "siret": employer.get("siret"),
        "address": address_lines(employer["address"]),
        "contact": f"{contact['first_name']} {contact['last_name']}",
    }


def _beneficiary(employee: Mapping[str, Any]) -> dict[str, Any]:
    passport = employee.get("passport")
    return {
        "last_name": employee["last_name"],
        "sex": employee["sex"],
        "first_names": employee["first_names"],
        "birth_date": date.fromisoformat(employee["birth_date"]),
        "birth_place": employee["birth_place"],
        "birth_country": employee["birth_country"],
        "nationality": employee["nationality"],
        "passport_number": passport["number"] if passport else None,
        "foreign_national_number": employee.get("foreign_national_number"),
    }


def _job(job: Mapping[str, Any]) -> dict[str, Any]:
    contract = job["contract"]
    end_date = contract.get("end_date")
    french, english = CONTRACT_LABELS[contract["type"]]
    return {
        "title": job["title"],
        "workplace": address_lines(job["workplace"]),
        "contract_type": contract["type"],
        "contract_label": {"fr": french, "en": english},
        "start_date": date.fromisoformat(contract["start_date"]),
        "end_date": date.fromisoformat(end_date) if end_date else None,
    }


def _reason(reason: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": reason["code"],
        "legal_basis": reason.get("legal_basis") or None,
        "text": reason["text"],
    }


def _requested(document: Mapping[str, Any]) -> dict[str, Any]:
    french, english = DOCUMENT_LABELS[document["kind"]]
    return {
        "kind": document["kind"],
        "label": {"fr": french, "en": english},
        "note": document.get("note") or None,
    }


def address_lines(address: Mapping[str, Any]) -> list[str]:
    """An address as printed lines: street lines, then postcode and city, then a foreign country."""
    town = " ".join(part for part in (address.get("postcode"), address["city"]) if part)
    lines = [address["line1"], address.get("line2"), town]
    if address.get("country", "FR") != "FR":
        lines.append(address["country"])
    return [line for line in lines if line]


def _paris_date(instant: str) -> date:
    return paris_date(datetime.fromisoformat(instant))
