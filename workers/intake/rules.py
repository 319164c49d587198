"""Intake's checks of a portal message (CONTRACTS.md §2.4): rejected, or a dossier with findings.

The body has already parsed as a JSON object (``malformed`` is decided upstream). Then:
``unknown_type``; every ``schema`` error at once (``workers.intake.schema``); every other
rejection at once, in §2.4's order; otherwise the findings, in §2.4's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import TypeAdapter
from stdnum.fr import siret

from config.reference import OUT_OF_SCOPE, ReferenceData, ReferenceDataError
from config.territory import departement_of_postcode, smic_territory
from messages.common import Address, Finding
from messages.envelope import Line
from messages.portal import (
    DOCUMENTS_SUPPLIED,
    PORTAL_TYPES,
    WITHDRAWN,
    DocumentsSupplied,
    Submission,
    Submitted,
    Withdrawn,
)
from workers.intake.schema import check_submitted, is_valid_email
from workers.intake.texts import LEGAL_BASIS, finding_texts
from workers.law.calendar import add_months, paris_date, silence_deadline
from workers.law.errors import Rejection, rule_error, unknown_type_error
from workers.law.schema import check_documents_supplied, check_withdrawn, validated, value_at

ALGERIA = "DZ"
STUDENT_QUOTA_HOURS = 964
ALGERIAN_STUDENT_CAP_HOURS = 803.5
SEASONAL_MAX_MONTHS = 6
ASYLUM_WAIT_MONTHS = 6
JOB_OFFER_MIN_AGE = timedelta(days=21)
CENT = Decimal("0.01")
_LINE_200: TypeAdapter[str] = TypeAdapter(Annotated[str, Line(200)])
_LINE_254: TypeAdapter[str] = TypeAdapter(Annotated[str, Line(254)])


@dataclass(frozen=True)
class Acceptance:
    """A submission that makes a dossier, with its findings, filing date and deadline."""

    event: Submitted
    findings: tuple[Finding, ...]
    filing_date: date
    deadline: date
    departement: str


def unknown_type(envelope: Mapping[str, Any]) -> Rejection:
    """The rejection of a message whose ``type`` is not a portal type."""
    del envelope  # the answer names /type, never what it held
    return Rejection((unknown_type_error(),))


def classify(envelope: Mapping[str, Any]) -> str | None:
    """The message's ``type`` when it is a portal type, else None (``unknown_type``)."""
    kind = envelope.get("type")
    return kind if isinstance(kind, str) and kind in PORTAL_TYPES else None


def contact_email(envelope: Mapping[str, Any]) -> str | None:
    """The employer's contact email of a submission, when valid (it receives the rejection)."""
    email = validated(_LINE_254, value_at(envelope, "/data/employer/contact/email"))
    return email if email is not None and is_valid_email(email) else None


def employer_name(envelope: Mapping[str, Any]) -> str | None:
    """The employer's name of a submission, when it is a valid name, for the rejection email."""
    name: str | None = validated(_LINE_200, value_at(envelope, "/data/employer/name"))
    return name


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
    event = check_submitted(envelope)
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
