"""The French and English texts of intake's findings (CONTRACTS.md §2.4, §4); the errors'
are in ``workers.law.texts``.

Texts name codes, fields (JSON pointers) and places, never a person's data nor the
value received: they travel in events that every consumer may read.
"""

from __future__ import annotations

from collections.abc import Mapping

from workers.law.texts import Texts

FINDINGS: Mapping[str, Texts] = {
    "salary_below_minimum_wage": Texts(
        "Le salaire mensuel brut est inférieur au SMIC mensuel du territoire du lieu de "
        "travail, proratisé selon la durée hebdomadaire du contrat.",
        "The gross monthly salary is below the workplace territory's monthly minimum wage "
        "(SMIC), pro-rated to the contract's weekly hours.",
    ),
    "labour_market_test_missing": Texts(
        "Aucune offre d'emploi publiée et le métier n'est pas déclaré en tension : "
        "l'opposabilité de la situation de l'emploi n'est pas justifiée.",
        "No published job offer and no shortage occupation claimed: the labour market "
        "test is not documented.",
    ),
    "job_offer_too_recent": Texts(
        "L'offre d'emploi a été publiée moins de 21 jours avant le dépôt.",
        "The job offer was published less than 21 days before the filing date.",
    ),
    "algerian_student_over_cap": Texts(
        "Étudiant algérien : la durée annuelle de travail dépasse 803,5 heures.",
        "Algerian student: the yearly working hours exceed 803.5 hours.",
    ),
    "missing_document": Texts(
        "Pièce obligatoire absente : {detail}.",
        "Required document missing: {detail}.",
    ),
    "passport_expires_soon": Texts(
        "Le passeport expire avant la date de début du contrat.",
        "The passport expires before the contract's start date.",
    ),
    "beneficiary_email_invalid": Texts(
        "L'adresse électronique du salarié n'est pas valide ; elle est ignorée et le salarié "
        "ne recevra aucun courriel.",
        "The employee's email address is not valid; it is ignored and the employee will "
        "receive no email.",
    ),
}

# §2.4 writes the first row "C. trav. R.5221-20" and abbreviates the next two; all three
# cite the same article of the Code du travail, so they carry the same full reference.
LEGAL_BASIS: Mapping[str, str] = {
    "salary_below_minimum_wage": "C. trav. R.5221-20",
    "labour_market_test_missing": "C. trav. R.5221-20",
    "job_offer_too_recent": "C. trav. R.5221-20",
    "algerian_student_over_cap": "Franco-Algerian agreement of 1968",
    "missing_document": "arrêté of 1 April 2021",
}


def finding_texts(code: str, *, detail: str | None = None) -> Texts:
    """The texts of a finding code of §2.4; ``detail`` is a code (a document kind)."""
    return FINDINGS[code].render(detail=detail)
