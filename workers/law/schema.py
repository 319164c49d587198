"""The contract's schema checks (CONTRACTS.md §2.4): pydantic's errors become JSON-pointer
``schema`` errors, one per field, sorted by pointer, all at once.

Shared by intake (submissions) and decisions (agents' messages, portal follow-ups).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from messages.common import Error
from messages.portal import DocumentsSupplied, Withdrawn
from workers.law.errors import Rejection, schema_error

M = TypeVar("M", bound=BaseModel)

SCHEMA_KINDS: Mapping[str, str] = {  # pydantic error type → the schema error's kind
    "missing": "missing",
    "model_type": "not_object",
    "dict_type": "not_object",
    "model_attributes_type": "not_object",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "greater_than": "out_of_bounds",
    "greater_than_equal": "out_of_bounds",
    "less_than": "out_of_bounds",
    "less_than_equal": "out_of_bounds",
    "date_out_of_range": "out_of_bounds",
    "finite_number": "not_finite",
    "string_pattern_mismatch": "pattern",
    "literal_error": "literal",
    "enum": "literal",
    "int_from_float": "wrong_type",
    "date_parsing": "format",
    "date_from_datetime_parsing": "format",
    "date_from_datetime_inexact": "format",
    "datetime_parsing": "format",
    "datetime_from_date_parsing": "format",
    "datetime_object_invalid": "format",
    "timezone_aware": "timezone",
    "control_character": "control_character",
}


def json_pointer(loc: Iterable[str | int]) -> str:
    """The RFC 6901 pointer of a pydantic ``loc`` (list indexes become segments)."""
    return "".join("/" + _segment(part) for part in loc)


def _segment(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def value_at(raw: Any, pointer: str) -> Any:
    """The value at ``pointer`` in plain JSON data, None when absent or null."""
    for part in pointer.split("/")[1:]:
        if not isinstance(raw, Mapping):
            return None
        raw = raw.get(part)
    return raw


def validated(adapter: TypeAdapter[Any], value: Any) -> Any:
    """``value`` validated as pydantic would from JSON, or None when it is not valid."""
    try:
        return adapter.validate_json(json.dumps(value), strict=True)
    except (ValidationError, TypeError, ValueError):
        return None


def _validate(model: type[M], raw: Mapping[str, Any]) -> tuple[M | None, list[Error]]:
    """Strict validation from JSON text, so dates parse and nothing is coerced."""
    try:
        return model.model_validate_json(json.dumps(raw), strict=True), []
    except RecursionError:
        return None, [schema_error("", "too_deep")]
    except ValidationError as exc:
        return None, [
            schema_error(json_pointer(e["loc"]), SCHEMA_KINDS.get(e["type"], _other(e["type"])))
            for e in exc.errors()
        ]


def _other(error_type: str) -> str:
    return "wrong_type" if error_type.endswith("_type") else "invalid"


def _sort_key(error: Error) -> tuple[tuple[int, int, str], ...]:
    parts = (error.pointer or "").split("/")
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in parts)


def _one_per_field(errors: Iterable[Error]) -> tuple[Error, ...]:
    """Keep the first error of each pointer, sorted by pointer (indexes in number order)."""
    first: dict[str | None, Error] = {}
    for error in errors:
        first.setdefault(error.pointer, error)
    return tuple(sorted(first.values(), key=_sort_key))


def check_schema(
    model: type[M], raw: Mapping[str, Any], extra: Iterable[Error] = ()
) -> M | Rejection:
    """Validate ``raw`` against ``model``; every schema error at once, one per field."""
    parsed, errors = _validate(model, raw)
    found = errors + list(extra)
    if found or parsed is None:
        return Rejection(_one_per_field(found))
    return parsed


def check_documents_supplied(envelope: Mapping[str, Any]) -> DocumentsSupplied | Rejection:
    """Schema check of a ``documents_supplied`` message."""
    return check_schema(DocumentsSupplied, envelope)


def check_withdrawn(envelope: Mapping[str, Any]) -> Withdrawn | Rejection:
    """Schema check of a ``withdrawn`` message."""
    return check_schema(Withdrawn, envelope)
