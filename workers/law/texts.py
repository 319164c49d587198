"""The French and English texts of the refusals' codes (CONTRACTS.md §2.4, §3.4, §4).

Texts name codes, fields (JSON pointers) and places, never a person's data nor the
value received: they travel in events that every consumer may read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Texts(NamedTuple):
    """One message in French and English; ``{pointer}`` and ``{detail}`` are filled in."""

    fr: str
    en: str

    def render(self, *, pointer: str | None = None, detail: str | None = None) -> Texts:
        """The message with its placeholders replaced."""
        values = {"pointer": pointer or "/", "detail": detail or ""}
        return Texts(self.fr.format(**values), self.en.format(**values))


MALFORMED: Mapping[str | None, Texts] = {
    None: Texts(
        "Le message n'est pas un CloudEvent JSON lisible ; il n'a pas été lu plus avant.",
        "The message is not a readable JSON CloudEvent; it was not read any further.",
    ),
    "too_large": Texts(
        "Le message dépasse la taille maximale de 512 Kio.",
        "The message exceeds the maximum size of 512 KiB.",
    ),
    "not_utf8": Texts(
        "Le message n'est pas encodé en UTF-8.",
        "The message is not encoded in UTF-8.",
    ),
    "not_json": Texts(
        "Le message n'est pas un document JSON valide.",
        "The message is not a valid JSON document.",
    ),
    "too_deep": Texts(
        "Le message imbrique ses valeurs trop profondément (plus de 64 niveaux).",
        "The message nests its values too deeply (more than 64 levels).",
    ),
    "invalid_unicode": Texts(
        "Le message contient une chaîne qui n'est pas du texte Unicode valide (substitut isolé).",
        "The message holds a string that is not valid Unicode text (a lone surrogate).",
    ),
    "not_cloudevent": Texts(
        "Le message n'est pas un CloudEvent 1.0 en mode JSON structuré.",
        "The message is not a CloudEvent 1.0 in structured JSON mode.",
    ),
}

ERRORS: Mapping[str, Texts] = {
    "unknown_type": Texts(
        "Le type de message indiqué en {pointer} n'est pas un type accepté du portail.",
        "The message type given at {pointer} is not a type the portal may send.",
    ),
    "siret_invalid": Texts(
        "Le numéro SIRET indiqué en {pointer} n'a pas une clé de contrôle valide.",
        "The SIRET number given at {pointer} has an invalid check digit.",
    ),
    "postcode_unknown": Texts(
        "Le code postal indiqué en {pointer} ne correspond à aucun département français.",
        "The postcode given at {pointer} matches no French département.",
    ),
    "out_of_scope_territory": Texts(
        "Le code postal indiqué en {pointer} relève de Saint-Barthélemy, Saint-Martin, de la "
        "Nouvelle-Calédonie, de la Polynésie française ou de Wallis-et-Futuna, qui délivrent "
        "leurs propres autorisations de travail.",
        "The postcode given at {pointer} belongs to Saint-Barthélemy, Saint-Martin, New "
        "Caledonia, French Polynesia or Wallis and Futuna, which issue their own work permits.",
    ),
    "not_required_nationality": Texts(
        "La nationalité indiquée en {pointer} (Union européenne, Espace économique européen, "
        "Suisse, Monaco, Andorre ou Saint-Marin) dispense d'autorisation de travail.",
        "The nationality given at {pointer} (European Union, European Economic Area, "
        "Switzerland, Monaco, Andorra or San Marino) needs no work authorization.",
    ),
    "contract_dates": Texts(
        "La date de fin du contrat ({pointer}) est obligatoire pour un CDD ou un contrat "
        "saisonnier, absente pour un CDI, et postérieure à la date de début.",
        "The contract's end date ({pointer}) is required for a CDD or a seasonal contract, "
        "absent for a CDI, and after the start date.",
    ),
    "category_contract_mismatch": Texts(
        "Le type de contrat ({pointer}) ne correspond pas à la catégorie : salarié en CDI, "
        "travailleur temporaire en CDD, travailleur saisonnier en contrat saisonnier.",
        "The contract type ({pointer}) does not match the category: employee on a CDI, "
        "temporary worker on a CDD, seasonal worker on a seasonal contract.",
    ),
    "category_procedure_mismatch": Texts(
        "La procédure ({pointer}) ne correspond pas à la catégorie : l'autorisation provisoire "
        "est réservée aux étudiants et aux demandeurs d'asile, qui n'ont qu'elle.",
        "The procedure ({pointer}) does not match the category: the provisional authorization "
        "is for students and asylum seekers only, and is the only procedure open to them.",
    ),
    "seasonal_too_long": Texts(
        "Le contrat saisonnier dépasse six mois (date de fin en {pointer}).",
        "The seasonal contract exceeds six months (end date at {pointer}).",
    ),
    "not_required_student_quota": Texts(
        "Un étudiant travaillant au plus 964 heures par an ({pointer}) n'a pas besoin "
        "d'autorisation de travail.",
        "A student working at most 964 hours a year ({pointer}) needs no work authorization.",
    ),
    "asylum_too_early": Texts(
        "La demande d'asile ({pointer}) a été déposée moins de six mois avant la date du dépôt.",
        "The asylum claim ({pointer}) was filed less than six months before the filing date.",
    ),
    "passport_expired": Texts(
        "Le passeport ({pointer}) était expiré à la date du dépôt.",
        "The passport ({pointer}) had expired on the filing date.",
    ),
    "unknown_dossier": Texts(
        "Le numéro de dossier indiqué en {pointer} ne désigne aucun dossier.",
        "The dossier number given at {pointer} names no dossier.",
    ),
    "dossier_final": Texts(
        "Le dossier indiqué en {pointer} est clos : il ne peut plus être modifié.",
        "The dossier given at {pointer} is in a final state: it can no longer change.",
    ),
    "transition_not_allowed": Texts(
        "Le dossier indiqué en {pointer} n'attend pas de pièces.",
        "The dossier given at {pointer} is not awaiting documents.",
    ),
}

SCHEMA: Mapping[str, Texts] = {
    "missing": Texts("Le champ {pointer} est obligatoire.", "The field {pointer} is required."),
    "wrong_type": Texts(
        "Le champ {pointer} n'est pas du type attendu (aucune conversion n'est faite).",
        "The field {pointer} is not of the expected type (nothing is converted).",
    ),
    "not_object": Texts(
        "Le champ {pointer} doit être un objet JSON.",
        "The field {pointer} must be a JSON object.",
    ),
    "too_short": Texts(
        "Le champ {pointer} est plus court que le minimum permis.",
        "The field {pointer} is shorter than allowed.",
    ),
    "too_long": Texts(
        "Le champ {pointer} dépasse la longueur maximale permise.",
        "The field {pointer} is longer than allowed.",
    ),
    "out_of_bounds": Texts(
        "Le champ {pointer} est hors des bornes permises.",
        "The field {pointer} is outside its allowed bounds.",
    ),
    "not_finite": Texts(
        "Le champ {pointer} doit être un nombre fini.",
        "The field {pointer} must be a finite number.",
    ),
    "pattern": Texts(
        "Le champ {pointer} n'a pas le format attendu.",
        "The field {pointer} does not have the expected format.",
    ),
    "literal": Texts(
        "Le champ {pointer} ne prend pas l'une des valeurs permises.",
        "The field {pointer} is not one of the allowed values.",
    ),
    "format": Texts(
        "Le champ {pointer} n'est pas une date ou un instant au format ISO 8601 attendu.",
        "The field {pointer} is not a date or instant in the expected ISO 8601 format.",
    ),
    "timezone": Texts(
        "L'instant {pointer} doit indiquer son décalage horaire.",
        "The instant {pointer} must carry a time zone offset.",
    ),
    "control_character": Texts(
        "Le champ {pointer} contient un caractère de contrôle (retour à la ligne compris).",
        "The field {pointer} contains a control character (line breaks included).",
    ),
    "email": Texts(
        "Le champ {pointer} n'est pas une adresse électronique valide.",
        "The field {pointer} is not a valid email address.",
    ),
    "not_in_france": Texts(
        "L'adresse {pointer} doit être en France (pays FR).",
        "The address {pointer} must be in France (country FR).",
    ),
    "postcode": Texts(
        "Le code postal {pointer} d'une adresse en France doit compter exactement 5 chiffres.",
        "The postcode {pointer} of an address in France must be exactly 5 digits.",
    ),
    "not_positive": Texts(
        "Le champ {pointer} doit être strictement positif.",
        "The field {pointer} must be greater than zero.",
    ),
    "not_before_filing": Texts(
        "La date {pointer} doit être antérieure à la date du dépôt.",
        "The date {pointer} must be before the filing date.",
    ),
    "invalid": Texts("Le champ {pointer} n'est pas valide.", "The field {pointer} is not valid."),
}


def error_texts(code: str, *, pointer: str | None = None) -> Texts:
    """The texts of a rejection code of §2.4 (not ``schema`` nor ``malformed``)."""
    return ERRORS[code].render(pointer=pointer)


def schema_texts(kind: str, pointer: str) -> Texts:
    """The texts of a ``schema`` error of the given kind at ``pointer``."""
    return SCHEMA.get(kind, SCHEMA["invalid"]).render(pointer=pointer)


def malformed_texts(reason: str | None = None) -> Texts:
    """The texts of a ``malformed`` error, for one of MALFORMED's reasons or in general."""
    return MALFORMED.get(reason, MALFORMED[None])
