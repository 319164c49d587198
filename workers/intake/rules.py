"""Intake's checks of a portal message (CONTRACTS.md §2.4): rejected, or a dossier with findings.

The body has already parsed as a JSON object (``malformed`` is decided upstream). Then:
``unknown_type``; every ``schema`` error at once; every other rejection at once, in
§2.4's order; otherwise the findings, in §2.4's order.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, TypeVar, get_args

from email_validator import EmailNotValidError, validate_email
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError
from stdnum.fr import siret

from config.reference import OUT_OF_SCOPE, ReferenceData, ReferenceDataError
from config.territory import departement_of_postcode, smic_territory
from messages.common import Address, Error, Finding
from messages.envelope import Line
from messages.portal import (
    DOCUMENTS_SUPPLIED,
    PORTAL_TYPES,
    WITHDRAWN,
    Category,
    DocumentsSupplied,
    Procedure,
    Submission,
    Submitted,
    Withdrawn,
)
from workers.deadlines.rules import add_months, paris_date, silence_deadline
from workers.intake.texts import (
    LEGAL_BASIS,
    error_texts,
    finding_texts,
    malformed_texts,
    schema_texts,
)

M = TypeVar("M", bound=BaseModel)

CATEGORIES = frozenset(get_args(Category))
PROCEDURES = frozenset(get_args(Procedure))
ALGERIA = "DZ"
STUDENT_QUOTA_HOURS = 964
ALGERIAN_STUDENT_CAP_HOURS = 803.5
SEASONAL_MAX_MONTHS = 6
ASYLUM_WAIT_MONTHS = 6
JOB_OFFER_MIN_AGE = timedelta(days=21)
CENT = Decimal("0.01")

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
_DATE = TypeAdapter(date)
_INSTANT = TypeAdapter(AwareDatetime)
_LINE_200: TypeAdapter[str] = TypeAdapter(Annotated[str, Line(200)])
_LINE_254: TypeAdapter[str] = TypeAdapter(Annotated[str, Line(254)])


@dataclass(frozen=True)
class Rejection:
    """A refused portal message: the errors to publish in ``dossier.rejected``."""

    errors: tuple[Error, ...]


@dataclass(frozen=True)
class Acceptance:
    """A submission that makes a dossier, with its findings, filing date and deadline."""

    event: Submitted
    findings: tuple[Finding, ...]
    filing_date: date
    deadline: date
    departement: str


# --- errors -----------------------------------------------------------------------------


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


def unknown_type(envelope: Mapping[str, Any]) -> Rejection:
    """The rejection of a message whose ``type`` is not a portal type."""
    del envelope  # the answer names /type, never what it held
    return Rejection((unknown_type_error(),))


def classify(envelope: Mapping[str, Any]) -> str | None:
    """The message's ``type`` when it is a portal type, else None (``unknown_type``)."""
    kind = envelope.get("type")
    return kind if isinstance(kind, str) and kind in PORTAL_TYPES else None


# --- schema -----------------------------------------------------------------------------


def _get(raw: Any, pointer: str) -> Any:
    """The value at ``pointer`` in plain JSON data, None when absent or null."""
    for part in pointer.split("/")[1:]:
        if not isinstance(raw, Mapping):
            return None
        raw = raw.get(part)
    return raw


def _parent_is_object(raw: Any, pointer: str) -> bool:
    return isinstance(_get(raw, pointer.rsplit("/", 1)[0]), Mapping)


def _non_finite(raw: Any) -> Iterator[str]:
    """Pointers of NaN and infinite numbers, which Python's json accepts and JSON has not."""
    stack: list[tuple[str, Any]] = [("", raw)]
    while stack:  # iterative: a deeply nested body must not exhaust the call stack
        pointer, node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            yield pointer
        elif isinstance(node, Mapping):
            stack.extend((f"{pointer}/{_segment(k)}", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))


def _validate(model: type[M], raw: Mapping[str, Any]) -> tuple[M | None, list[Error]]:
    """Strict validation from JSON text, so dates parse and nothing is coerced."""
    try:
        return model.model_validate_json(json.dumps(raw), strict=True), []
    except ValidationError as exc:
        return None, [
            schema_error(json_pointer(e["loc"]), _KIND_OF_TYPE.get(e["type"], _other(e["type"])))
            for e in exc.errors()
        ]


def _other(error_type: str) -> str:
    return "wrong_type" if error_type.endswith("_type") else "invalid"


def _sort_key(error: Error) -> tuple[tuple[int, int, str], ...]:
    parts = (error.pointer or "").split("/")
    return tuple((1, 0, p) if not p.isdigit() else (0, int(p), "") for p in parts)


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
    found = [schema_error(p, "not_finite") for p in _non_finite(raw)] + errors + list(extra)
    if found or parsed is None:
        return Rejection(_one_per_field(found))
    return parsed


def check_documents_supplied(envelope: Mapping[str, Any]) -> DocumentsSupplied | Rejection:
    """Schema check of a ``documents_supplied`` message."""
    return check_schema(DocumentsSupplied, envelope)


def check_withdrawn(envelope: Mapping[str, Any]) -> Withdrawn | Rejection:
    """Schema check of a ``withdrawn`` message."""
    return check_schema(Withdrawn, envelope)


# --- conditional schema rules of a submission (§2.1) that the models cannot express ------


def _category(raw: Any) -> Any:
    return _get(raw, "/data/category")


_REQUIRED_WHEN: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("/data/employer/siret", lambda raw: _get(raw, "/data/employer/kind") == "company"),
    ("/data/employee/passport", lambda raw: _category(raw) in CATEGORIES - {"asylum_seeker"}),
    (
        "/data/employee/foreign_national_number",
        lambda raw: _get(raw, "/data/procedure") in PROCEDURES - {"introduction"},
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
        if _parent_is_object(raw, pointer) and required(raw) and _get(raw, pointer) is None:
            yield schema_error(pointer, "missing")


def _address_errors(raw: Any) -> Iterator[Error]:
    for pointer in _ADDRESSES:
        address = _get(raw, pointer)
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
    email = _get(raw, pointer)
    if isinstance(email, str) and not is_valid_email(email):
        yield schema_error(pointer, "email")


def is_valid_email(address: str) -> bool:
    """Tell whether email-validator accepts the address's syntax (no DNS look-up)."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def contact_email(envelope: Mapping[str, Any]) -> str | None:
    """The employer's contact email of a submission, when valid (it receives the rejection)."""
    email = _parsed(_LINE_254, _get(envelope, "/data/employer/contact/email"))
    return email if email is not None and is_valid_email(email) else None


def employer_name(envelope: Mapping[str, Any]) -> str | None:
    """The employer's name of a submission, when it is a valid name, for the rejection email."""
    name: str | None = _parsed(_LINE_200, _get(envelope, "/data/employer/name"))
    return name


def _salary_errors(raw: Any) -> Iterator[Error]:
    pointer = "/data/job/contract/gross_monthly_salary"
    salary = _get(raw, pointer)
    if not isinstance(salary, str):
        return
    if not _AMOUNT.fullmatch(salary):
        yield schema_error(pointer, "pattern")
    elif Decimal(salary) <= 0:
        yield schema_error(pointer, "not_positive")


def _parsed(adapter: TypeAdapter[Any], value: Any) -> Any:
    """``value`` validated as pydantic would from JSON, or None when it is not valid."""
    try:
        return adapter.validate_json(json.dumps(value), strict=True)
    except (ValidationError, TypeError, ValueError):
        return None


def _birth_date_errors(raw: Any) -> Iterator[Error]:
    pointer = "/data/employee/birth_date"
    born = _parsed(_DATE, _get(raw, pointer))
    filed = _parsed(_INSTANT, _get(raw, "/data/filed_at"))
    if born is not None and filed is not None and born >= paris_date(filed):
        yield schema_error(pointer, "not_before_filing")


_CONDITIONAL_SCHEMA: tuple[Callable[[Any], Iterator[Error]], ...] = (
    _required_errors,
    _address_errors,
    _email_errors,
    _salary_errors,
    _birth_date_errors,
)


# --- rejections and findings of a schema-valid submission (§2.4) ------------------------


@dataclass(frozen=True)
class _Case:
    """A schema-valid submission with what its rules read besides it."""

    submission: Submission
    filing_date: date
    reference: ReferenceData

    def french_addresses(self) -> tuple[tuple[str, Address], ...]:
        """The addresses that must be in France, with their pointers."""
        sub = self.submission
        return (
            ("/data/employer/address", sub.employer.address),
            ("/data/job/workplace", sub.job.workplace),
        )

    def postcode_outcome(self, address: Address) -> str:
        """routed, postcode_unknown or out_of_scope_territory, per postcodes.md and the table."""
        lookup = departement_of_postcode(address.postcode or "")
        if lookup.outcome != "routed" or lookup.departement is None:
            return lookup.outcome
        departement = self.reference.departement(lookup.departement)
        if departement is None:
            return "postcode_unknown"
        return "out_of_scope_territory" if departement.platform == OUT_OF_SCOPE else "routed"


Rule = Callable[[_Case], Iterable[str]]


def _postcodes(outcome: str) -> Rule:
    def pointers(case: _Case) -> Iterator[str]:
        for pointer, address in case.french_addresses():
            if case.postcode_outcome(address) == outcome:
                yield pointer + "/postcode"

    return pointers


def _siret_invalid(case: _Case) -> Iterable[str]:
    number = case.submission.employer.siret
    return ["/data/employer/siret"] if number and not siret.is_valid(number) else []


def _exempt_nationality(case: _Case) -> Iterable[str]:
    exempt = case.reference.is_exempt_nationality(case.submission.employee.nationality)
    return ["/data/employee/nationality"] if exempt else []


def _contract_dates(case: _Case) -> Iterable[str]:
    contract = case.submission.job.contract
    end = contract.end_date
    if end is None:
        return [] if contract.type == "CDI" else ["/data/job/contract/end_date"]
    wrong = contract.type == "CDI" or end <= contract.start_date
    return ["/data/job/contract/end_date"] if wrong else []


_CONTRACT_OF_CATEGORY = {
    "employee": "CDI",
    "temporary_worker": "CDD",
    "seasonal_worker": "seasonal",
}
_PROVISIONAL_CATEGORIES = frozenset({"student", "asylum_seeker"})


def _category_contract(case: _Case) -> Iterable[str]:
    sub = case.submission
    expected = _CONTRACT_OF_CATEGORY.get(sub.category, sub.job.contract.type)
    return ["/data/job/contract/type"] if sub.job.contract.type != expected else []


def _category_procedure(case: _Case) -> Iterable[str]:
    sub = case.submission
    provisional = sub.procedure == "provisional_authorization"
    return ["/data/procedure"] if provisional != (sub.category in _PROVISIONAL_CATEGORIES) else []


def _seasonal_too_long(case: _Case) -> Iterable[str]:
    sub = case.submission
    contract = sub.job.contract
    seasonal = contract.type == "seasonal" or sub.category == "seasonal_worker"
    limit = add_months(contract.start_date, SEASONAL_MAX_MONTHS)
    too_long = seasonal and contract.end_date is not None and contract.end_date > limit
    return ["/data/job/contract/end_date"] if too_long else []


def _student_quota(case: _Case) -> Iterable[str]:
    student, nationality = case.submission.student, case.submission.employee.nationality
    under = student is not None and student.annual_hours <= STUDENT_QUOTA_HOURS
    return ["/data/student/annual_hours"] if under and nationality != ALGERIA else []


def _asylum_too_early(case: _Case) -> Iterable[str]:
    asylum = case.submission.asylum  # None unless the category is asylum_seeker
    if asylum is None:
        return []
    early = add_months(asylum.claim_filed_on, ASYLUM_WAIT_MONTHS) > case.filing_date
    return ["/data/asylum/claim_filed_on"] if early else []


def _passport_expired(case: _Case) -> Iterable[str]:
    passport = case.submission.employee.passport
    expired = passport is not None and passport.expires_on < case.filing_date
    return ["/data/employee/passport/expires_on"] if expired else []


REJECTIONS: tuple[tuple[str, Rule], ...] = (
    ("siret_invalid", _siret_invalid),
    ("postcode_unknown", _postcodes("postcode_unknown")),
    ("out_of_scope_territory", _postcodes("out_of_scope_territory")),
    ("not_required_nationality", _exempt_nationality),
    ("contract_dates", _contract_dates),
    ("category_contract_mismatch", _category_contract),
    ("category_procedure_mismatch", _category_procedure),
    ("seasonal_too_long", _seasonal_too_long),
    ("not_required_student_quota", _student_quota),
    ("asylum_too_early", _asylum_too_early),
    ("passport_expired", _passport_expired),
)


def _departement_of(address: Address) -> str:
    code = departement_of_postcode(address.postcode or "").departement
    if code is None:  # unreachable once postcode_unknown has had its say
        raise ValueError("the address maps to no département")
    return code


Check = Callable[[_Case], Iterable[str | None]]


def _salary_below_minimum(case: _Case) -> Iterable[None]:
    contract = case.submission.job.contract
    territory = smic_territory(_departement_of(case.submission.job.workplace))
    try:
        rate = case.reference.smic_monthly_35h(territory, contract.start_date)
    except ReferenceDataError:
        return []  # a start before smic.csv's first row: no rate to compare with
    hours = Decimal(str(contract.weekly_hours))
    minimum = (rate.monthly_gross_35h_eur * hours / 35).quantize(CENT, rounding=ROUND_HALF_UP)
    return [None] if Decimal(contract.gross_monthly_salary) < minimum else []


_LABOUR_MARKET_PROCEDURES = frozenset({"introduction", "change_of_status"})


def _labour_market_test_missing(case: _Case) -> Iterable[None]:
    sub = case.submission
    tested = sub.procedure in _LABOUR_MARKET_PROCEDURES or sub.category == "asylum_seeker"
    missing = tested and not sub.job.shortage_occupation and sub.job.job_offer is None
    return [None] if missing else []


def _job_offer_too_recent(case: _Case) -> Iterable[None]:
    offer = case.submission.job.job_offer
    recent = offer is not None and offer.published_on + JOB_OFFER_MIN_AGE > case.filing_date
    return [None] if recent else []


def _algerian_student_over_cap(case: _Case) -> Iterable[None]:
    student, nationality = case.submission.student, case.submission.employee.nationality
    over = student is not None and student.annual_hours > ALGERIAN_STUDENT_CAP_HOURS
    return [None] if over and nationality == ALGERIA else []


def _missing_documents(case: _Case) -> Iterable[str]:
    sub = case.submission
    required = case.reference.required_documents(
        category=sub.category, employer_kind=sub.employer.kind, procedure=sub.procedure
    )
    supplied = {document.kind for document in sub.documents}
    return [kind for kind in required if kind not in supplied]


def _passport_expires_soon(case: _Case) -> Iterable[None]:
    passport = case.submission.employee.passport
    soon = passport is not None and passport.expires_on < case.submission.job.contract.start_date
    return [None] if soon else []


def _beneficiary_email_invalid(case: _Case) -> Iterable[None]:
    email = case.submission.employee.email
    return [None] if email is not None and not is_valid_email(email) else []


FINDINGS: tuple[tuple[str, Check], ...] = (
    ("salary_below_minimum_wage", _salary_below_minimum),
    ("labour_market_test_missing", _labour_market_test_missing),
    ("job_offer_too_recent", _job_offer_too_recent),
    ("algerian_student_over_cap", _algerian_student_over_cap),
    ("missing_document", _missing_documents),
    ("passport_expires_soon", _passport_expires_soon),
    ("beneficiary_email_invalid", _beneficiary_email_invalid),
)


def finding(code: str, detail: str | None = None) -> Finding:
    """A finding of §2.4 with its texts and, where the table gives one, its legal basis."""
    texts = finding_texts(code, detail=detail)
    return Finding(
        code=code,
        legal_basis=LEGAL_BASIS.get(code),
        detail=detail,
        message_fr=texts.fr,
        message_en=texts.en,
    )


# --- the submission as a whole ------------------------------------------------------------


def check_submission(
    envelope: Mapping[str, Any], reference: ReferenceData
) -> Rejection | Acceptance:
    """Check a ``submitted`` message: its schema errors, else its rejections, else a dossier."""
    raw = _without_ignored_blocks(envelope)
    extra = [error for rule in _CONDITIONAL_SCHEMA for error in rule(raw)]
    event = check_schema(Submitted, raw, extra)
    if isinstance(event, Rejection):
        return event
    case = _Case(event.data, paris_date(event.data.filed_at), reference)
    errors = tuple(rule_error(code, p) for code, rule in REJECTIONS for p in rule(case))
    if errors:
        return Rejection(errors)
    return Acceptance(
        event=_without_invalid_email(event),
        findings=tuple(finding(code, d) for code, check in FINDINGS for d in check(case)),
        filing_date=case.filing_date,
        deadline=silence_deadline(case.filing_date),
        departement=_departement_of(event.data.employer.address),
    )


def _without_invalid_email(event: Submitted) -> Submitted:
    """The event with an invalid beneficiary email dropped: §2.1 says it is ignored."""
    employee = event.data.employee
    if employee.email is None or is_valid_email(employee.email):
        return event
    data = event.data.model_copy(update={"employee": employee.model_copy(update={"email": None})})
    return event.model_copy(update={"data": data})


def check_portal_message(
    envelope: Mapping[str, Any], reference: ReferenceData
) -> Rejection | Acceptance | DocumentsSupplied | Withdrawn:
    """Check any portal message that parsed as a JSON object: unknown_type, then its own checks."""
    kind = classify(envelope)
    if kind is None:
        return Rejection((unknown_type_error(),))
    if kind == DOCUMENTS_SUPPLIED:
        return check_documents_supplied(envelope)
    if kind == WITHDRAWN:
        return check_withdrawn(envelope)
    return check_submission(envelope, reference)
