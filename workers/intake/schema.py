"""Intake's schema stage (CONTRACTS.md §2.4): a submission's ``schema`` errors at once.

Over the contract's schema check (``workers.law.schema``), a submission also gets the
conditional rules of §2.1 that the models cannot express (required-when, French
postcodes, email syntax, salary, birth date).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, get_args

from email_validator import EmailNotValidError, validate_email
from pydantic import TypeAdapter

from messages.common import Error
from messages.envelope import Day, Instant
from messages.portal import Category, Procedure, Submitted
from workers.law.calendar import paris_date
from workers.law.errors import Rejection, schema_error
from workers.law.schema import check_schema, validated, value_at

CATEGORIES = frozenset(get_args(Category))
PROCEDURES = frozenset(get_args(Procedure))

# pydantic's \d is Unicode-aware (Rust regex): other scripts' digits pass the model's
# pattern, so the amount is checked again here against ASCII digits.
_AMOUNT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")
_DATE = TypeAdapter(Day)
_INSTANT = TypeAdapter(Instant)


def is_valid_email(address: str) -> bool:
    """Tell whether email-validator accepts the address's syntax (no DNS look-up)."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


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
