"""The French and English texts of the decisions stage's errors (CONTRACTS.md §3.4, §4).

Like intake's, they name codes and fields (JSON pointers), never a value received nor
a person's data. Schema kinds this stage does not word itself keep the contract's texts
(``workers.law``).
"""

from __future__ import annotations

from collections.abc import Mapping

from messages.common import Error
from workers.law import errors
from workers.law.texts import Texts

ERRORS: Mapping[str, Texts] = {
    "unknown_type": Texts(
        "Le type de message indiqué en {pointer} n'est pas un type accepté des plateformes.",
        "The message type given at {pointer} is not a type the platforms may send.",
    ),
    "signature_missing": Texts(
        "Le message ne porte pas les en-têtes signature-key-id et signature.",
        "The message does not carry the signature-key-id and signature headers.",
    ),
    "key_unknown": Texts(
        "La clé de signature indiquée par l'en-tête signature-key-id n'est pas connue.",
        "The signing key named by the signature-key-id header is not known.",
    ),
    "key_revoked": Texts(
        "La clé de signature était révoquée à l'heure du message.",
        "The signing key was revoked at the message's time.",
    ),
    "signature_invalid": Texts(
        "La signature ne correspond pas au contenu exact du message.",
        "The signature does not match the exact body of the message.",
    ),
    "key_platform_mismatch": Texts(
        "La clé de signature appartient à une autre plateforme que celle indiquée en {pointer}.",
        "The signing key belongs to another platform than the one given at {pointer}.",
    ),
    "dossier_unknown": Texts(
        "Le numéro de dossier indiqué en {pointer} ne désigne aucun dossier.",
        "The dossier number given at {pointer} names no dossier.",
    ),
    "dossier_final": Texts(
        "Le dossier indiqué en {pointer} est clos : il ne peut plus être modifié.",
        "The dossier given at {pointer} is in a final state: it can no longer change.",
    ),
    "platform_mismatch": Texts(
        "Le dossier n'est pas attribué à la plateforme indiquée en {pointer}.",
        "The dossier is not assigned to the platform given at {pointer}.",
    ),
    "transition_not_allowed": Texts(
        "Le dossier indiqué en {pointer} n'accepte pas ce message dans son état actuel.",
        "The dossier given at {pointer} does not accept this message in its current state.",
    ),
}

SCHEMA: Mapping[str, Texts] = {
    "required_for_outcome": Texts(
        "Le champ {pointer} est obligatoire et non vide pour cette issue (outcome).",
        "The field {pointer} is required, and not empty, for this outcome.",
    ),
    "before_valid_from": Texts(
        "La date {pointer} précède le début de validité (valid_from, ou à défaut la date "
        "de début du contrat).",
        "The date {pointer} is before the start of validity (valid_from, or else the "
        "contract's start date).",
    ),
    "after_valid_until": Texts(
        "La date {pointer} suit la fin de validité par défaut (fin du contrat ; pour un CDI, "
        "un an après son début).",
        "The date {pointer} is after the default end of validity (the contract's end; for a "
        "CDI, one year after its start).",
    ),
    "same_platform": Texts(
        "La plateforme de destination {pointer} est celle qui transfère le dossier.",
        "The destination platform {pointer} is the one transferring the dossier.",
    ),
}


def agent_error(code: str, pointer: str | None = None) -> Error:
    """An agents' refusal of §3.4 other than ``schema``, at ``pointer`` when it has one."""
    texts = ERRORS[code].render(pointer=pointer)
    return Error(code=code, pointer=pointer, message_fr=texts.fr, message_en=texts.en)


def schema_error(pointer: str, kind: str) -> Error:
    """A ``schema`` error at ``pointer``; kinds this module lacks are worded as the contract's."""
    if kind not in SCHEMA:
        return errors.schema_error(pointer, kind)
    texts = SCHEMA[kind].render(pointer=pointer)
    return Error(
        code="schema", pointer=pointer, detail=kind, message_fr=texts.fr, message_en=texts.en
    )
