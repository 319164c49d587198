"""Why a document or a code is not genuine: a code for software, plain words for people."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """What a verification found wrong; ``explain`` says it in French and English."""

    NOT_A_PDF = "not_a_pdf"
    DAMAGED = "damaged"
    UNSIGNED = "unsigned"
    SIGNATURE_BROKEN = "signature_broken"
    MODIFIED_AFTER_SIGNING = "modified_after_signing"
    UNKNOWN_SIGNER = "unknown_signer"
    NO_SEAL_CODE = "no_seal_code"
    MALFORMED_CODE = "malformed_code"
    UNKNOWN_KEY = "unknown_key"
    CODE_SIGNATURE_BROKEN = "code_signature_broken"
    BAD_PAYLOAD = "bad_payload"
    CODE_MISMATCH = "code_mismatch"

    def explain(self, language: str = "fr") -> str:
        french, english = _TEXTS[self]
        return english if language == "en" else french


_TEXTS: dict[Reason, tuple[str, str]] = {
    Reason.NOT_A_PDF: (
        "Ce fichier n'est pas un PDF lisible.",
        "This file is not a readable PDF.",
    ),
    Reason.DAMAGED: (
        "Le PDF est endommagé ou a été retouché : sa structure ne se lit plus.",
        "The PDF is damaged or was tampered with: its structure no longer reads.",
    ),
    Reason.UNSIGNED: (
        "Le PDF ne porte aucune signature électronique.",
        "The PDF carries no electronic signature.",
    ),
    Reason.SIGNATURE_BROKEN: (
        "La signature électronique ne correspond plus au contenu : le document a été modifié.",
        "The electronic signature no longer matches the content: the document was altered.",
    ),
    Reason.MODIFIED_AFTER_SIGNING: (
        "Le document a été modifié ou complété après sa signature.",
        "The document was changed or added to after it was signed.",
    ),
    Reason.UNKNOWN_SIGNER: (
        "Le document n'est pas signé par le cachet de l'administration.",
        "The document is not signed by the administration's seal.",
    ),
    Reason.NO_SEAL_CODE: (
        "Le PDF ne contient pas de code de cachet : ce n'est pas une autorisation de travail.",
        "The PDF holds no seal code: it is not a work authorization.",
    ),
    Reason.MALFORMED_CODE: (
        "Ce texte n'est pas un code de cachet d'autorisation de travail.",
        "This text is not the seal code of a work authorization.",
    ),
    Reason.UNKNOWN_KEY: (
        "Le code est signé par une autre clé que celle du cachet de l'administration.",
        "The code is signed by a key other than the administration's seal.",
    ),
    Reason.CODE_SIGNATURE_BROKEN: (
        "La signature du code ne correspond pas à son contenu : le code a été modifié ou fabriqué.",
        "The code's signature does not match its content: the code was altered or forged.",
    ),
    Reason.BAD_PAYLOAD: (
        "Le contenu signé du code n'a pas la forme attendue.",
        "The code's signed content is not in the expected form.",
    ),
    Reason.CODE_MISMATCH: (
        "Le code du cachet est celui d'un autre document.",
        "The seal code belongs to another document.",
    ),
}


class NotGenuine(Exception):
    """A verification's negative answer: what is wrong, and a detail for the log."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail
