"""What letters call each document kind of CONTRACTS.md §6, in French and in English."""

from __future__ import annotations

from collections.abc import Mapping

DOCUMENT_LABELS: Mapping[str, Mapping[str, str]] = {
    "passport": {"fr": "Passeport", "en": "Passport"},
    "employment_contract": {
        "fr": "Contrat de travail ou promesse d'embauche",
        "en": "Employment contract or promise of employment",
    },
    "job_offer_proof": {
        "fr": "Preuve de publication de l'offre d'emploi",
        "en": "Proof that the job offer was published",
    },
    "social_contributions_certificate": {
        "fr": "Attestation de vigilance URSSAF ou MSA de moins de six mois",
        "en": "URSSAF or MSA social contributions certificate, less than six months old",
    },
    "company_registration": {
        "fr": "Extrait Kbis",
        "en": "Company registration extract (Kbis)",
    },
    "tax_notice": {"fr": "Avis d'imposition", "en": "Tax notice"},
    "diploma": {"fr": "Diplôme", "en": "Diploma"},
    "residence_permit": {"fr": "Titre de séjour", "en": "Residence permit"},
    "asylum_certificate": {
        "fr": "Attestation de demande d'asile",
        "en": "Asylum application certificate",
    },
    "student_enrolment": {
        "fr": "Certificat de scolarité ou d'inscription",
        "en": "Certificate of enrolment in studies",
    },
    "housing_proof": {"fr": "Justificatif de logement", "en": "Proof of housing"},
    "other": {"fr": "Autre pièce", "en": "Other document"},
}


def document_label(kind: str, language: str) -> str:
    """Return the label of a document kind; an unknown kind is shown as its code."""
    return DOCUMENT_LABELS.get(kind, {}).get(language, kind)
