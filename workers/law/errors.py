"""The vocabulary of refusals: a refused message's errors, each a code with its place
(a JSON pointer) and its texts in French and English (CONTRACTS.md §2.4, §3.4)."""

from __future__ import annotations

from dataclasses import dataclass

from messages.common import Error
from workers.law.texts import error_texts, malformed_texts, schema_texts


@dataclass(frozen=True)
class Rejection:
    """A refused message: the errors its ``dossier.rejected`` or ``decision.rejected`` gives."""

    errors: tuple[Error, ...]


def schema_error(pointer: str, kind: str) -> Error:
    """A ``schema`` error at ``pointer``; ``kind`` (missing, pattern…) is its detail."""
    texts = schema_texts(kind, pointer)
    return Error(
        code="schema", pointer=pointer, detail=kind, message_fr=texts.fr, message_en=texts.en
    )


def malformed_error(reason: str | None = None) -> Error:
    """The ``malformed`` error; ``reason`` is too_large, not_utf8, not_json or not_cloudevent."""
    texts = malformed_texts(reason)
    return Error(code="malformed", detail=reason, message_fr=texts.fr, message_en=texts.en)


def unknown_type_error() -> Error:
    """The ``unknown_type`` error, at ``/type``."""
    return rule_error("unknown_type", "/type")


def rule_error(code: str, pointer: str) -> Error:
    """An error of §2.4 other than ``schema`` and ``malformed``, at ``pointer``."""
    texts = error_texts(code, pointer=pointer)
    return Error(code=code, pointer=pointer, message_fr=texts.fr, message_en=texts.en)
