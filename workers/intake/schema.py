"""Intake's schema stage (CONTRACTS.md §2.4): every ``schema`` error of a portal message at once.

Pydantic's errors become JSON-pointer ``schema`` errors, one per field, sorted by
pointer; a submission also gets the conditional rules of §2.1 that the models cannot
express (required-when, French postcodes, email syntax, salary, birth date).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar, get_args

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, TypeAdapter, ValidationError

from messages.common import Error
from messages.envelope import Day, Instant
from messages.portal import Category, DocumentsSupplied, Procedure, Submitted, Withdrawn
from workers.deadlines.rules import paris_date
from workers.intake.texts import schema_texts

M = TypeVar("M", bound=BaseModel)

CATEGORIES = frozenset(get_args(Category))
PROCEDURES = frozenset(get_args(Procedure))

# pydantic's \d is Unicode-aware (Rust regex): other scripts' digits pass the model's
# pattern, so the amount is checked again here against ASCII digits.
_AMOUNT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")
_KIND_OF_TYPE: Mapping[str, str] = {
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
_DATE = TypeAdapter(Day)
_INSTANT = TypeAdapter(Instant)


@dataclass(frozen=True)
class Rejection:
    """A refused portal message: the errors to publish in ``dossier.rejected``."""

    errors: tuple[Error, ...]


def schema_error(pointer: str, kind: str) -> Error:
    """A ``schema`` error at ``pointer``; ``kind`` (missing, pattern…) is its detail."""
    texts = schema_texts(kind, pointer)
    return Error(
        code="schema", pointer=pointer, detail=kind, message_fr=texts.fr, message_en=texts.en
    )


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


def is_valid_email(address: str) -> bool:
    """Tell whether email-validator accepts the address's syntax (no DNS look-up)."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# --- the model's own schema -----------------------------------------------------------------


def _validate(model: type[M], raw: Mapping[str, Any]) -> tuple[M | None, list[Error]]:
    """Strict validation from JSON text, so dates parse and nothing is coerced."""
    try:
        return model.model_validate_json(json.dumps(raw), strict=True), []
    except RecursionError:
        return None, [schema_error("", "too_deep")]
    except ValidationError as exc:
        return None, [
            schema_error(json_pointer(e["loc"]), _KIND_OF_TYPE.get(e["type"], _other(e["type"])))
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


def check_submitted(envelope: Mapping[str, Any]) -> Submitted | Rejection:
    """Schema check of a ``submitted`` message, with §2.1's conditional rules."""
    raw = _without_ignored_blocks(envelope)
    extra = [error for rule in _CONDITIONAL_SCHEMA for error in rule(raw)]
    return check_schema(Submitted, raw, extra)


# --- conditional schema rules of a submission (§2.1) that the models cannot express ------


def _category(raw: Any) -> Any:
    value = value_at(raw, "/data/category")
    return value if isinstance(value, str) else None


def _text_at(raw: Any, pointer: str) -> str | None:
    value = value_at(raw, pointer)
    return value if isinstance(value, str) else None


def _parent_is_object(raw: Any, pointer: str) -> bool:
    return isinstance(value_at(raw, pointer.rsplit("/", 1)[0]), Mapping)


_REQUIRED_WHEN: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("/data/employer/siret", lambda raw: value_at(raw, "/data/employer/kind") == "company"),
    ("/data/employee/passport", lambda raw: _category(raw) in CATEGORIES - {"asylum_seeker"}),
    (
        "/data/employee/foreign_national_number",
        lambda raw: _text_at(raw, "/data/procedure") in PROCEDURES - {"introduction"},
    ),
    ("/data/student", lambda raw: _category(raw) == "student"),
    ("/data/asylum", lambda raw: _category(raw) == "asylum_seeker"),
)
_IN_FRANCE = ("/data/employer/address", "/data/job/workplace")
_ADDRESSES = (*_IN_FRANCE, "/data/employee/address")
_IGNORED_UNLESS = {"student": "student", "asylum": "asylum_seeker"}


def _without_ignored_blocks(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope minus ``student``/``asylum`` when the category ignores them."""
    raw = dict(envelope)
    data = raw.get("data")
    if isinstance(data, Mapping):
        category = data.get("category")
        raw["data"] = {
            k: v for k, v in data.items() if _IGNORED_UNLESS.get(k, category) == category
        }
    return raw


def _required_errors(raw: Any) -> Iterator[Error]:
    for pointer, required in _REQUIRED_WHEN:
        if _parent_is_object(raw, pointer) and required(raw) and value_at(raw, pointer) is None:
            yield schema_error(pointer, "missing")


def _address_errors(raw: Any) -> Iterator[Error]:
    for pointer in _ADDRESSES:
        address = value_at(raw, pointer)
        if not isinstance(address, Mapping):
            continue
        country = address.get("country", "FR")
        if pointer in _IN_FRANCE and country != "FR":
            yield schema_error(pointer + "/country", "not_in_france")
        elif country == "FR" and not _is_postcode(address.get("postcode")):
            kind = "missing" if address.get("postcode") is None else "postcode"
            yield schema_error(pointer + "/postcode", kind)


def _is_postcode(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 5 and value.isascii() and value.isdigit()


def _email_errors(raw: Any) -> Iterator[Error]:
    pointer = "/data/employer/contact/email"
    email = value_at(raw, pointer)
    if isinstance(email, str) and not is_valid_email(email):
        yield schema_error(pointer, "email")


def _salary_errors(raw: Any) -> Iterator[Error]:
    pointer = "/data/job/contract/gross_monthly_salary"
    salary = value_at(raw, pointer)
    if not isinstance(salary, str):
        return
    if not _AMOUNT.fullmatch(salary):
        yield schema_error(pointer, "pattern")
    elif Decimal(salary) <= 0:
        yield schema_error(pointer, "not_positive")


def _birth_date_errors(raw: Any) -> Iterator[Error]:
    pointer = "/data/employee/birth_date"
    born = validated(_DATE, value_at(raw, pointer))
    filed = validated(_INSTANT, value_at(raw, "/data/filed_at"))
    if born is not None and filed is not None and born >= paris_date(filed):
        yield schema_error(pointer, "not_before_filing")


_CONDITIONAL_SCHEMA: tuple[Callable[[Any], Iterator[Error]], ...] = (
    _required_errors,
    _address_errors,
    _email_errors,
    _salary_errors,
    _birth_date_errors,
)
