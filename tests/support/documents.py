"""Documents for tests: sample submissions and each kind's template context."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from config.reference import Platform, load_reference
from workers.documents import contexts
from workers.law.numbering import KIND_LETTERS

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "messages" / "samples" / "submissions"
DOSSIER = "AT26-0000042-2"
ISSUED_ON = date(2027, 1, 15)
KINDS = ("authorization", "refusal", "documents_request", "implicit_refusal")
REASONS = [
    {
        "code": "salary_below_minimum",
        "legal_basis": "C. trav., art. R.5221-20, 4°",
        "text": "Le salaire proposé est inférieur au minimum.\nL'œuvre d'Œdipe l’exige.",
    },
    {"code": "employment_situation", "text": "La situation de l'emploi ne le permet pas."},
]
REQUESTED = [
    {"kind": "social_contributions_certificate", "note": "L'attestation date de plus de 6 mois."},
    {"kind": "diploma"},
]


def submission(prefix: str) -> dict[str, Any]:
    path = next(SUBMISSIONS.glob(f"{prefix}-*.json"))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["data"]
    return data


def platform(platform_id: str = "pf-nanterre") -> Platform:
    return load_reference().platform(platform_id)


def context_for(
    kind: str, data: dict[str, Any], language: str = "fr", **changes: Any
) -> dict[str, Any]:
    letter = KIND_LETTERS[kind]
    common: dict[str, Any] = {
        "document_number": f"{DOSSIER}-{letter}1",
        "dossier_number": DOSSIER,
        "issued_on": ISSUED_ON,
        "platform": platform(),
        "submission": data,
        "language": language,
    }
    specific: dict[str, dict[str, Any]] = {
        "authorization": {"valid_from": date(2027, 2, 1), "valid_until": date(2028, 1, 31)},
        "refusal": {"reasons": REASONS},
        "documents_request": {"requested_documents": REQUESTED, "respond_by": date(2027, 2, 15)},
        "implicit_refusal": {"deadline": date(2027, 1, 20)},
    }
    builders: dict[str, Callable[..., dict[str, Any]]] = {
        "authorization": contexts.authorization_context,
        "refusal": contexts.refusal_context,
        "documents_request": contexts.documents_request_context,
        "implicit_refusal": contexts.implicit_refusal_context,
    }
    return builders[kind](**{**common, **specific[kind], **changes})


def edited_code(code: str, **change: Any) -> str:
    """A seal code whose payload says ``change``, under its original signature: a forgery."""
    header, payload, signature = code.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    edited = json.dumps({**data, **change}, separators=(",", ":")).encode()
    return ".".join((header, base64.urlsafe_b64encode(edited).rstrip(b"=").decode(), signature))
