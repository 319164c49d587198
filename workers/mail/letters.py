"""Each email kind's context, from what the store holds: plain functions over plain data."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from config.reference import Platform, ReferenceData
from workers.core.errors import PermanentError
from workers.mail.labels import document_label


@dataclass(frozen=True)
class Letter:
    """One email to write: its kind, language, recipient and template context."""

    kind: str
    language: str
    recipient: str | None
    context: dict[str, Any]


def issuing_platform(reference: ReferenceData, platform_id: str | None) -> Platform | None:
    """The platform a dossier's letters come from: None before routing, or if no longer listed."""
    if platform_id is None or platform_id not in reference.platform_ids:
        return None
    return reference.platform(platform_id)


def issued_by(letter: Letter, platform: Platform | None) -> Letter:
    """The letter with the platform that writes it, which its header names (none: no line)."""
    issuer = None
    if platform is not None:
        issuer = {"name": platform.name, "host_prefecture": platform.host_prefecture}
    return replace(letter, context={**letter.context, "issuer": issuer})


def mail_key(
    document_number: str | None, dossier_number: str | None, submission_id: str | None
) -> str:
    """What an email is sent once for: the document it carries, else the dossier or submission.

    A dossier may get several letters of a kind (a second request for documents, a
    replacement authorization): each document is its own letter.
    """
    return document_number or dossier_number or submission_id or ""


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


# -- after deposit: one builder per kind of CONTRACTS.md §8 -------------------------

ROLES = ("employer", "beneficiary")
CLOSERS = ("platform", "employer")
LANGUAGES = ("fr", "en")


def letter_language(submission: dict[str, Any], recipient_role: str) -> str:
    """Employers read French; a beneficiary reads the language they chose, French by default."""
    if recipient_role == "employer":
        return "fr"
    language = submission["employee"].get("preferred_language") or "fr"
    return language if language in LANGUAGES else "fr"


def authorization_granted(
    *,
    number: str,
    submission: dict[str, Any],
    recipient_role: str,
    recipient: str | None,
    document_number: str,
    valid_from: date,
    valid_until: date,
    beneficiary_unreachable: bool = False,
    implicit: bool = False,
) -> Letter:
    """The authorization, attached, with its validity and where to take it next.

    ``implicit`` says it was granted by the administration's silence (asylum seekers).
    """
    return _letter(
        "authorization_granted",
        number,
        submission,
        recipient_role,
        recipient,
        beneficiary_unreachable=beneficiary_unreachable,
        document_number=document_number,
        valid_from=valid_from,
        valid_until=valid_until,
        implicit=implicit,
    )


def authorization_refused(
    *,
    number: str,
    submission: dict[str, Any],
    recipient_role: str,
    recipient: str | None,
    document_number: str,
    reasons: list[dict[str, Any]],
    beneficiary_unreachable: bool = False,
) -> Letter:
    """The refusal letter, attached, each reason summarised, and the appeal routes."""
    return _letter(
        "authorization_refused",
        number,
        submission,
        recipient_role,
        recipient,
        beneficiary_unreachable=beneficiary_unreachable,
        document_number=document_number,
        reasons=_reasons(reasons),
    )


def implicit_refusal(
    *,
    number: str,
    submission: dict[str, Any],
    recipient_role: str,
    recipient: str | None,
    document_number: str,
    deadline: date,
    beneficiary_unreachable: bool = False,
) -> Letter:
    """The notice that silence until the deadline refused the request, and the appeal routes."""
    return _letter(
        "implicit_refusal",
        number,
        submission,
        recipient_role,
        recipient,
        beneficiary_unreachable=beneficiary_unreachable,
        document_number=document_number,
        deadline=deadline,
    )


def documents_requested(
    *,
    number: str,
    submission: dict[str, Any],
    recipient: str | None,
    document_number: str,
    requested_documents: list[dict[str, Any]],
    respond_by: date,
) -> Letter:
    """The employer's request for documents, attached, each one labelled, and its date."""
    documents = [_labelled(d["kind"], note=d.get("note")) for d in requested_documents]
    return _letter(
        "documents_requested",
        number,
        submission,
        "employer",
        recipient,
        document_number=document_number,
        requested_documents=documents,
        respond_by=respond_by,
    )


def documents_received(
    *,
    number: str,
    submission: dict[str, Any],
    recipient: str | None,
    deadline: date,
    documents: list[dict[str, Any]] | None = None,
) -> Letter:
    """The employer's receipt for the documents supplied, and the restarted deadline."""
    received = [_labelled(d["kind"], filename=d.get("filename")) for d in documents or []]
    return _letter(
        "documents_received",
        number,
        submission,
        "employer",
        recipient,
        deadline=deadline,
        documents=received,
        implicit_grant=_silence_grants(submission),
    )


def dossier_transferred(
    *,
    number: str,
    submission: dict[str, Any],
    recipient: str | None,
    platform_name: str,
    deadline: date | None = None,
) -> Letter:
    """The employer's notice that another platform examines the dossier, deadline unchanged."""
    return _letter(
        "dossier_transferred",
        number,
        submission,
        "employer",
        recipient,
        platform_name=platform_name,
        deadline=deadline,
        implicit_grant=_silence_grants(submission),
    )


def dossier_closed(
    *,
    number: str,
    submission: dict[str, Any],
    recipient: str | None,
    closed_by: str,
    reasons: list[dict[str, Any]] | None = None,
) -> Letter:
    """The employer's notice that the platform closed the dossier, or that it was withdrawn."""
    if closed_by not in CLOSERS:
        raise PermanentError(f"closed_by must be one of {CLOSERS}")
    return _letter(
        "dossier_closed",
        number,
        submission,
        "employer",
        recipient,
        closed_by=closed_by,
        reasons=_reasons(reasons or []) if closed_by == "platform" else [],
    )


def _letter(
    kind: str,
    number: str,
    submission: dict[str, Any],
    recipient_role: str,
    recipient: str | None,
    *,
    beneficiary_unreachable: bool = False,
    **values: Any,
) -> Letter:
    # Only the employer can pass a document on; a beneficiary's letter never says it.
    if recipient_role not in ROLES:
        raise PermanentError(f"recipient_role must be one of {ROLES}")
    context = {
        "dossier_number": number,
        "recipient_role": recipient_role,
        "procedure": submission["procedure"],
        "employer_name": submission["employer"]["name"],
        "employee_name": employee_name(submission),
        "job_title": submission["job"]["title"],
        "beneficiary_unreachable": beneficiary_unreachable and recipient_role == "employer",
        **values,
    }
    return Letter(kind, letter_language(submission, recipient_role), recipient, context)


def _silence_grants(submission: dict[str, Any]) -> bool:
    return bool(submission["category"] == "asylum_seeker")


def _reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"code": r["code"], "legal_basis": r.get("legal_basis"), "text": r["text"]} for r in reasons
    ]


def _labelled(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "label_fr": document_label(kind, "fr"),
        "label_en": document_label(kind, "en"),
        **extra,
    }
