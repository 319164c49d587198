"""Mail for tests: one context holding every key any mail template uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

DOSSIER = "AT26-0000042-2"
SUBMISSION = "8b0f6a4e-2f6c-4a7e-9d39-0c1f3f0a5b11"
SENT_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

# One context with every key any template uses: a new template needing a new key
# fails test_every_template_folder_renders until the key is added here.
SAMPLE_CONTEXT: dict[str, Any] = {
    "dossier_number": DOSSIER,
    "submission_id": SUBMISSION,
    "employer_name": "Boulangerie Martin SARL",
    "employee_name": "Anjali Rao",
    "job_title": "Boulanger",
    "filed_on": date(2026, 11, 20),
    "deadline": date(2027, 1, 20),
    "recipient_role": "employer",
    "procedure": "introduction",
    "beneficiary_unreachable": False,
    "implicit": False,
    "implicit_grant": False,
    "document_number": f"{DOSSIER}-A1",
    "valid_from": date(2027, 2, 1),
    "valid_until": date(2028, 1, 31),
    "respond_by": date(2026, 12, 20),
    "requested_documents": [
        {
            "kind": "tax_notice",
            "label_fr": "Avis d'imposition",
            "label_en": "Tax notice",
            "note": None,
        }
    ],
    "documents": [],
    "platform_name": "Plateforme de Nanterre",
    "closed_by": "platform",
    "reasons": [{"code": "salary_below_minimum", "legal_basis": None, "text": "Salaire."}],
    "errors": [
        {
            "code": "siret_invalid",
            "pointer": "/data/employer/siret",
            "detail": None,
            "message_fr": "Le numéro SIRET est invalide.",
            "message_en": "The SIRET number is invalid.",
        },
        {
            "code": "contract_dates",
            "pointer": None,
            "detail": "end_date",
            "message_fr": "Les dates du contrat sont incohérentes.",
            "message_en": "The contract dates are inconsistent.",
        },
    ],
}
