"""The desk's words, French first and English: page texts, field labels, input errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workers.desk.limits import PDF_MEGABYTES

Language = Literal["fr", "en"]


@dataclass(frozen=True)
class Bilingual:
    """One text in French and in English."""

    fr: str
    en: str

    def __call__(self, language: Language) -> str:
        return self.en if language == "en" else self.fr


PAGE: dict[str, Bilingual] = {
    "site": Bilingual(
        "Vérification des autorisations de travail", "Work authorization verification"
    ),
    "tagline": Bilingual(
        "Le cachet des autorisations délivrées, contrôlé au guichet des préfectures",
        "The seal of issued authorizations, checked at the préfecture counter",
    ),
    "skip_nav": Bilingual("Accès rapide", "Quick access"),
    "skip": Bilingual("Aller au contenu", "Skip to content"),
    "skip_footer": Bilingual("Aller au pied de page", "Skip to footer"),
    "language_nav": Bilingual("Langue", "Language"),
    "other_language": Bilingual("English", "Français"),
    "title": Bilingual("Vérifier une autorisation de travail", "Verify a work authorization"),
    "intro": Bilingual(
        "Déposez le PDF de l'autorisation, ou collez le texte de son code QR scanné\u00a0: la page"
        " dit si elle est authentique et montre les données signées, à comparer avec les"
        " papiers de la personne.",
        "Give the authorization's PDF, or paste the text of its scanned QR code: the page says"
        " whether it is genuine and shows the signed data, to compare with the person's papers.",
    ),
    "pdf_heading": Bilingual("Vérifier le fichier PDF", "Verify the PDF file"),
    "pdf_label": Bilingual("Fichier PDF de l'autorisation", "The authorization's PDF file"),
    "pdf_hint": Bilingual(
        f"Le PDF reçu par courriel, tel quel ({PDF_MEGABYTES} Mo au plus).",
        f"The PDF received by email, as it is ({PDF_MEGABYTES} MB at most).",
    ),
    "pdf_submit": Bilingual("Vérifier le PDF", "Verify the PDF"),
    "code_heading": Bilingual("Ou vérifier le code QR", "Or verify the QR code"),
    "code_label": Bilingual("Texte du code QR scanné", "Text of the scanned QR code"),
    "code_hint": Bilingual(
        "Scannez le code QR imprimé sur l'autorisation et collez ici le texte obtenu\u00a0; il"
        " commence par «\u00a0eyJ\u00a0».",
        "Scan the QR code printed on the authorization and paste the text here; it starts"
        " with “eyJ”.",
    ),
    "code_submit": Bilingual("Vérifier le code", "Verify the code"),
    "error_prefix": Bilingual("Erreur\u00a0:", "Error:"),
    "error_summary": Bilingual("La vérification n'a pas pu se faire", "Nothing could be verified"),
    "privacy": Bilingual(
        "Rien de ce que vous déposez ou collez n'est conservé\u00a0: le document est vérifié puis"
        " oublié.",
        "Nothing you give or paste is kept: the document is verified, then forgotten.",
    ),
    "genuine": Bilingual("Authentique", "Genuine"),
    "genuine_text": Bilingual(
        "Cette autorisation de travail a été délivrée et scellée par l'administration, et"
        " n'a pas été modifiée. Comparez les données ci-dessous avec les papiers de la"
        " personne.",
        "This work authorization was issued and sealed by the administration, and has not"
        " been altered. Compare the data below with the person's papers.",
    ),
    "not_genuine": Bilingual("NON authentique", "NOT genuine"),
    "not_genuine_advice": Bilingual(
        "Ne vous fiez pas à ce document. Demandez à la personne l'original reçu par courriel,"
        " ou vérifiez le code QR imprimé dessus.",
        "Do not rely on this document. Ask the person for the original received by email, or"
        " verify the QR code printed on it.",
    ),
    "superseded": Bilingual("Remplacée par le n°\u00a0{number}", "Superseded by no.\u00a0{number}"),
    "superseded_text": Bilingual(
        "Ce document est authentique mais n'est plus en vigueur\u00a0: une autorisation plus"
        " récente, n°\u00a0{number}, le remplace. Demandez-la à la personne.",
        "This document is genuine but no longer in force: a later authorization, no.\u00a0{number},"
        " replaces it. Ask the person for it.",
    ),
    "replacement_unknown": Bilingual(
        "Impossible de vérifier si ce document a été remplacé par un autre\u00a0: seul le cachet a"
        " été contrôlé.",
        "Whether this document was replaced by another could not be checked: only the seal was.",
    ),
    "data_caption": Bilingual("Données signées du document", "The document's signed data"),
    "none": Bilingual("non renseigné", "not given"),
    "again": Bilingual("Vérifier un autre document", "Verify another document"),
    "missing": Bilingual("Page introuvable", "Page not found"),
    "missing_text": Bilingual(
        "Cette adresse ne mène à aucune page du service.", "This address leads to no page here."
    ),
    "busy": Bilingual("Service très sollicité", "The desk is busy"),
    "busy_text": Bilingual(
        "Trop de vérifications sont en cours. Réessayez dans quelques secondes\u00a0: rien de"
        " ce que vous avez envoyé n'a été conservé.",
        "Too many verifications are under way. Try again in a few seconds: nothing you sent"
        " was kept.",
    ),
    "back": Bilingual("Retour à la vérification", "Back to verification"),
    "footer_nav": Bilingual("Informations légales", "Legal information"),
    "accessibility_link": Bilingual(
        "Accessibilité\u00a0: non conforme", "Accessibility: not compliant"
    ),
    "legal_link": Bilingual("Mentions légales", "Legal notice"),
    "privacy_link": Bilingual("Données personnelles", "Personal data"),
    "accessibility_title": Bilingual("Déclaration d'accessibilité", "Accessibility statement"),
    "legal_title": Bilingual("Mentions légales", "Legal notice"),
    "privacy_title": Bilingual("Données personnelles", "Personal data"),
}

FIELDS: tuple[tuple[str, Bilingual], ...] = (
    ("doc", Bilingual("N° du document", "Document no.")),
    ("last_name", Bilingual("Nom", "Surname")),
    ("first_names", Bilingual("Prénoms", "Given names")),
    ("birth_date", Bilingual("Date de naissance", "Date of birth")),
    ("nationality", Bilingual("Nationalité", "Nationality")),
    ("passport", Bilingual("N° de passeport", "Passport no.")),
    ("foreign_number", Bilingual("N° étranger", "Foreign national no.")),
    ("employer_name", Bilingual("Employeur", "Employer")),
    ("siret", Bilingual("SIRET", "SIRET")),
    ("contract", Bilingual("Contrat", "Contract")),
    ("start_date", Bilingual("Date de début", "Start date")),
    ("valid_from", Bilingual("Valable du", "Valid from")),
    ("valid_until", Bilingual("Valable jusqu'au", "Valid until")),
    ("issued", Bilingual("Délivrée le", "Issued on")),
    ("dossier", Bilingual("N° de dossier", "Dossier no.")),
    ("platform", Bilingual("Plateforme", "Platform")),
)
