"""Intake's rules (CONTRACTS.md §2.4): the sample corpus, then every boundary, table-driven."""

from __future__ import annotations

import copy
import csv
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from config.reference import load_reference
from messages.portal import DOCUMENTS_SUPPLIED, SUBMITTED, WITHDRAWN, DocumentsSupplied, Withdrawn
from tests.support.samples import filed_on
from workers.intake import texts
from workers.intake.rules import (
    FINDINGS,
    REJECTIONS,
    Acceptance,
    check_portal_message,
    check_submission,
    classify,
    contact_email,
    employer_name,
    unknown_type,
)
from workers.law import texts as law_texts
from workers.law.calendar import silence_deadline
from workers.law.errors import Rejection, malformed_error, unknown_type_error
from workers.law.schema import SCHEMA_KINDS, check_documents_supplied, check_withdrawn, json_pointer

SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "samples"
REFERENCE = load_reference()
DELETE = object()

EMPLOYEE = "01-employee-cdi-introduction-paris.json"  # introduction, CDI, company, Paris
CHANGE = "02-temporary-worker-cdd-change-of-status-montreuil.json"  # CDD 2027-01-11..12-31
SEASONAL = "03-seasonal-worker-introduction-lot-et-garonne.json"  # 2027-05-03..09-30
STUDENT = "04-student-provisional-ajaccio.json"  # Vietnamese, 1 100 h
ASYLUM = "05-asylum-seeker-provisional-cayenne.json"  # claim 2026-03-16, shortage occupation
PRIVATE = "07-employee-renewal-private-individual-lyon.json"  # no SIRET, renewal
# Every sample is filed at 2026-11-20T10:00:00Z: filing date 2026-11-20 in Paris.
FILING = date(2026, 11, 20)


def load(name: str) -> dict[str, Any]:
    """A sample body, as the portal sends it."""
    body: dict[str, Any] = json.loads((SAMPLES / "submissions" / name).read_text("utf-8"))
    return body


def _step(node: Any, part: str) -> Any:
    return node[int(part)] if isinstance(node, list) else node[part]


def mutate(body: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``body`` with each pointer set to its value, or deleted for DELETE."""
    result = copy.deepcopy(dict(body))
    for pointer, value in changes.items():
        *parents, last = pointer.split("/")[1:]
        target: Any = result
        for part in parents:
            target = _step(target, part)
        key: Any = int(last) if isinstance(target, list) else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return result


def run(sample: str, changes: Mapping[str, Any] | None = None) -> Rejection | Acceptance:
    """Check a sample, mutated."""
    return check_submission(mutate(load(sample), changes or {}), REFERENCE)


def codes(outcome: Rejection | Acceptance) -> list[str]:
    """The codes in expected.csv's notation, in the outcome's order."""
    if isinstance(outcome, Rejection):
        return [f"schema:{e.pointer}" if e.code == "schema" else e.code for e in outcome.errors]
    return [
        f"missing_document:{f.detail}" if f.code == "missing_document" else f.code
        for f in outcome.findings
    ]


def rejected(outcome: Rejection | Acceptance) -> Rejection:
    assert isinstance(outcome, Rejection), codes(outcome)
    return outcome


def accepted(outcome: Rejection | Acceptance) -> Acceptance:
    assert isinstance(outcome, Acceptance), [(e.code, e.pointer, e.detail) for e in outcome.errors]
    return outcome


# --- the sample corpus --------------------------------------------------------------------


def _expected_rows() -> list[dict[str, str]]:
    with (SAMPLES / "expected.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _expected_rows(), ids=lambda row: Path(row["file"]).stem)
def test_every_sample_gets_its_expected_outcome_and_codes(row: dict[str, str]) -> None:
    outcome = run(Path(row["file"]).name)
    assert ("rejected" if isinstance(outcome, Rejection) else "deposited") == row["outcome"]
    expected = [code for code in row["codes"].split("|") if code]
    assert Counter(codes(outcome)) == Counter(expected)


@pytest.mark.parametrize("day", [date(2027, 1, 21), date(2028, 2, 29), date(2031, 12, 31)])
def test_a_sample_filed_on_another_day_gets_the_same_outcome(day: date) -> None:
    # What lets tests on the real clock move a sample to today's date (tests/support/samples).
    for row in _expected_rows():
        moved = filed_on(load(Path(row["file"]).name), day)
        outcome = check_submission(moved, REFERENCE)
        assert codes(outcome) == codes(run(Path(row["file"]).name)), row["file"]
        if isinstance(outcome, Acceptance):
            assert (outcome.filing_date, outcome.deadline) == (day, silence_deadline(day))


def test_a_deposited_sample_carries_its_filing_date_deadline_and_departement() -> None:
    outcome = accepted(run(EMPLOYEE))
    assert outcome.filing_date == FILING
    assert outcome.deadline == date(2027, 1, 20)
    assert outcome.departement == "75"
    assert outcome.event.data.employer.siret == "79864326800021"


# --- the rejections of §2.4, one at a time ---------------------------------------------------

# fmt: off
REJECTION_CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (id, sample, changes, code, pointer)
    ("siret-luhn", EMPLOYEE, {"/data/employer/siret": "79864326800022"}, "siret_invalid",
     "/data/employer/siret"),
    ("siret-siren-luhn", EMPLOYEE, {"/data/employer/siret": "12345678000006"}, "siret_invalid",
     "/data/employer/siret"),
    ("siret-optional-but-wrong", PRIVATE, {"/data/employer/siret": "79864326800022"},
     "siret_invalid", "/data/employer/siret"),
    ("la-poste-luhn-but-sum", EMPLOYEE, {"/data/employer/siret": "35600000012340"},
     "siret_invalid", "/data/employer/siret"),
    ("la-poste-sum-not-5", EMPLOYEE, {"/data/employer/siret": "35600000049838"},
     "siret_invalid", "/data/employer/siret"),
    ("employer-96xxx", EMPLOYEE, {"/data/employer/address/postcode": "96400"},
     "postcode_unknown", "/data/employer/address/postcode"),
    ("workplace-20700", EMPLOYEE, {"/data/job/workplace/postcode": "20700"},
     "postcode_unknown", "/data/job/workplace/postcode"),
    ("workplace-monaco", EMPLOYEE, {"/data/job/workplace/postcode": "98000"},
     "postcode_unknown", "/data/job/workplace/postcode"),
    ("employer-00xxx", EMPLOYEE, {"/data/employer/address/postcode": "00100"},
     "postcode_unknown", "/data/employer/address/postcode"),
    ("saint-barthelemy", EMPLOYEE, {"/data/employer/address/postcode": "97133"},
     "out_of_scope_territory", "/data/employer/address/postcode"),
    ("saint-martin", EMPLOYEE, {"/data/job/workplace/postcode": "97150"},
     "out_of_scope_territory", "/data/job/workplace/postcode"),
    ("new-caledonia", EMPLOYEE, {"/data/job/workplace/postcode": "98800"},
     "out_of_scope_territory", "/data/job/workplace/postcode"),
    ("polynesia", EMPLOYEE, {"/data/employer/address/postcode": "98714"},
     "out_of_scope_territory", "/data/employer/address/postcode"),
    ("wallis", EMPLOYEE, {"/data/employer/address/postcode": "98600"},
     "out_of_scope_territory", "/data/employer/address/postcode"),
    ("portuguese", EMPLOYEE, {"/data/employee/nationality": "PT"},
     "not_required_nationality", "/data/employee/nationality"),
    ("swiss", EMPLOYEE, {"/data/employee/nationality": "CH"},
     "not_required_nationality", "/data/employee/nationality"),
    ("monaco", EMPLOYEE, {"/data/employee/nationality": "MC"},
     "not_required_nationality", "/data/employee/nationality"),
    ("norway-eea", EMPLOYEE, {"/data/employee/nationality": "NO"},
     "not_required_nationality", "/data/employee/nationality"),
    ("cdi-with-end", EMPLOYEE, {"/data/job/contract/end_date": "2028-01-31"},
     "contract_dates", "/data/job/contract/end_date"),
    ("cdd-without-end", CHANGE, {"/data/job/contract/end_date": DELETE},
     "contract_dates", "/data/job/contract/end_date"),
    ("cdd-end-null", CHANGE, {"/data/job/contract/end_date": None},
     "contract_dates", "/data/job/contract/end_date"),
    ("cdd-end-equals-start", CHANGE, {"/data/job/contract/end_date": "2027-01-11"},
     "contract_dates", "/data/job/contract/end_date"),
    ("seasonal-end-before-start", SEASONAL, {"/data/job/contract/end_date": "2027-05-02"},
     "contract_dates", "/data/job/contract/end_date"),
    ("employee-on-cdd", EMPLOYEE,
     {"/data/job/contract/type": "CDD", "/data/job/contract/end_date": "2027-12-31"},
     "category_contract_mismatch", "/data/job/contract/type"),
    ("temporary-on-cdi", CHANGE,
     {"/data/job/contract/type": "CDI", "/data/job/contract/end_date": DELETE},
     "category_contract_mismatch", "/data/job/contract/type"),
    ("seasonal-on-cdd", SEASONAL, {"/data/job/contract/type": "CDD"},
     "category_contract_mismatch", "/data/job/contract/type"),
    ("employee-provisional", EMPLOYEE,
     {"/data/procedure": "provisional_authorization",
      "/data/employee/foreign_national_number": "7501234567"},
     "category_procedure_mismatch", "/data/procedure"),
    ("student-introduction", STUDENT, {"/data/procedure": "introduction"},
     "category_procedure_mismatch", "/data/procedure"),
    ("asylum-renewal", ASYLUM, {"/data/procedure": "renewal"},
     "category_procedure_mismatch", "/data/procedure"),
    ("seasonal-6-months-and-a-day", SEASONAL, {"/data/job/contract/end_date": "2027-11-04"},
     "seasonal_too_long", "/data/job/contract/end_date"),
    ("student-964h", STUDENT, {"/data/student/annual_hours": 964},
     "not_required_student_quota", "/data/student/annual_hours"),
    ("student-10h", STUDENT, {"/data/student/annual_hours": 10.5},
     "not_required_student_quota", "/data/student/annual_hours"),
    ("asylum-a-day-short", ASYLUM, {"/data/asylum/claim_filed_on": "2026-05-21"},
     "asylum_too_early", "/data/asylum/claim_filed_on"),
    ("passport-expired-yesterday", EMPLOYEE, {"/data/employee/passport/expires_on": "2026-11-19"},
     "passport_expired", "/data/employee/passport/expires_on"),
    ("asylum-passport-expired", ASYLUM, {"/data/employee/passport/expires_on": "2020-01-01"},
     "passport_expired", "/data/employee/passport/expires_on"),
]
# fmt: on


@pytest.mark.parametrize(
    ("sample", "changes", "code", "pointer"),
    [case[1:] for case in REJECTION_CASES],
    ids=[case[0] for case in REJECTION_CASES],
)
def test_each_rejection_alone(
    sample: str, changes: dict[str, Any], code: str, pointer: str
) -> None:
    outcome = rejected(run(sample, changes))
    assert [(e.code, e.pointer) for e in outcome.errors] == [(code, pointer)]


def test_every_rejection_code_of_the_table_is_exercised() -> None:
    assert {code for code, _ in REJECTIONS} == {case[3] for case in REJECTION_CASES}


# fmt: off
ACCEPTED_BOUNDARIES: list[tuple[str, str, dict[str, Any]]] = [
    ("la-poste-head-office", EMPLOYEE, {"/data/employer/siret": "35600000000048"}),
    ("la-poste-sum-divisible-by-5", EMPLOYEE, {"/data/employer/siret": "35600000049837"}),
    ("seasonal-exactly-6-months", SEASONAL, {"/data/job/contract/end_date": "2027-11-03"}),
    ("student-964.5h", STUDENT, {"/data/student/annual_hours": 964.5}),
    ("algerian-student-under-964h", STUDENT,
     {"/data/employee/nationality": "DZ", "/data/student/annual_hours": 500}),
    ("asylum-exactly-6-months", ASYLUM, {"/data/asylum/claim_filed_on": "2026-05-20"}),
    ("asylum-31-may-to-30-november", ASYLUM,
     {"/data/asylum/claim_filed_on": "2026-05-31", "/data/filed_at": "2026-11-30T10:00:00Z",
      "/data/employee/passport/expires_on": "2030-01-01"}),
    ("passport-expires-on-filing-day", EMPLOYEE,
     {"/data/employee/passport/expires_on": "2026-11-20"}),
    ("asylum-without-passport", ASYLUM, {"/data/employee/passport": DELETE}),
    ("asylum-passport-null", ASYLUM, {"/data/employee/passport": None}),
    ("introduction-without-foreign-number", EMPLOYEE, {}),
    ("private-individual-without-siret", PRIVATE, {}),
    ("saint-pierre-et-miquelon", EMPLOYEE, {"/data/employer/address/postcode": "97500"}),
    ("haute-corse", EMPLOYEE, {"/data/employer/address/postcode": "20699"}),
    ("student-block-ignored-for-employee", EMPLOYEE, {"/data/student": "garbage"}),
    ("asylum-block-ignored-for-student", STUDENT, {"/data/asylum": {"x": 1}}),
    ("employee-address-abroad-free-postcode", EMPLOYEE,
     {"/data/employee/address/postcode": "AB-12 345"}),
    ("employee-address-abroad-no-postcode", EMPLOYEE, {"/data/employee/address/postcode": DELETE}),
]
# fmt: on


@pytest.mark.parametrize(
    ("sample", "changes"),
    [case[1:] for case in ACCEPTED_BOUNDARIES],
    ids=[case[0] for case in ACCEPTED_BOUNDARIES],
)
def test_accepted_at_the_boundary(sample: str, changes: dict[str, Any]) -> None:
    accepted(run(sample, changes))


def test_several_rejections_at_once_in_the_tables_order() -> None:
    outcome = rejected(
        run(
            EMPLOYEE,
            {
                "/data/employee/passport/expires_on": "2026-01-01",
                "/data/employee/nationality": "PT",
                "/data/job/workplace/postcode": "98800",
                "/data/employer/address/postcode": "96400",
                "/data/employer/siret": "79864326800022",
                "/data/job/contract/type": "CDD",
            },
        )
    )
    assert [(e.code, e.pointer) for e in outcome.errors] == [
        ("siret_invalid", "/data/employer/siret"),
        ("postcode_unknown", "/data/employer/address/postcode"),
        ("out_of_scope_territory", "/data/job/workplace/postcode"),
        ("not_required_nationality", "/data/employee/nationality"),
        ("contract_dates", "/data/job/contract/end_date"),
        ("category_contract_mismatch", "/data/job/contract/type"),
        ("passport_expired", "/data/employee/passport/expires_on"),
    ]


def test_both_french_addresses_are_checked() -> None:
    outcome = rejected(
        run(
            EMPLOYEE,
            {"/data/employer/address/postcode": "97000", "/data/job/workplace/postcode": "99000"},
        )
    )
    assert [e.pointer for e in outcome.errors] == [
        "/data/employer/address/postcode",
        "/data/job/workplace/postcode",
    ]


def test_filing_date_is_read_in_paris() -> None:
    late = {"/data/filed_at": "2026-11-20T23:30:00Z"}
    assert accepted(run(EMPLOYEE, late)).filing_date == date(2026, 11, 21)
    assert accepted(run(EMPLOYEE, late)).deadline == date(2027, 1, 21)
    expired = {**late, "/data/employee/passport/expires_on": "2026-11-20"}
    assert codes(run(EMPLOYEE, expired)) == ["passport_expired"]


# --- schema ---------------------------------------------------------------------------------


def schema_errors(outcome: Rejection | Acceptance) -> list[tuple[str, str | None]]:
    """(pointer, kind) of each error, all of which must be schema errors."""
    errors = rejected(outcome).errors
    assert {e.code for e in errors} == {"schema"}
    return [(e.pointer or "", e.detail) for e in errors]


# fmt: off
SCHEMA_CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (id, sample, changes, pointer, kind)
    ("hours-over-48", EMPLOYEE, {"/data/job/contract/weekly_hours": 48.5},
     "/data/job/contract/weekly_hours", "out_of_bounds"),
    ("hours-zero", EMPLOYEE, {"/data/job/contract/weekly_hours": 0},
     "/data/job/contract/weekly_hours", "out_of_bounds"),
    ("hours-as-string", EMPLOYEE, {"/data/job/contract/weekly_hours": "35"},
     "/data/job/contract/weekly_hours", "wrong_type"),
    ("hours-as-bool", EMPLOYEE, {"/data/job/contract/weekly_hours": True},
     "/data/job/contract/weekly_hours", "wrong_type"),
    ("hours-nan", EMPLOYEE, {"/data/job/contract/weekly_hours": float("nan")},
     "/data/job/contract/weekly_hours", "not_finite"),
    ("hours-infinite", STUDENT, {"/data/student/annual_hours": float("inf")},
     "/data/student/annual_hours", "not_finite"),
    ("headcount-as-string", EMPLOYEE, {"/data/employer/headcount": "48"},
     "/data/employer/headcount", "wrong_type"),
    ("headcount-as-bool", EMPLOYEE, {"/data/employer/headcount": True},
     "/data/employer/headcount", "wrong_type"),
    ("headcount-as-float", EMPLOYEE, {"/data/employer/headcount": 48.0},
     "/data/employer/headcount", "wrong_type"),
    ("headcount-negative", EMPLOYEE, {"/data/employer/headcount": -1},
     "/data/employer/headcount", "out_of_bounds"),
    ("size-as-string", EMPLOYEE, {"/data/documents/2/size_bytes": "1000"},
     "/data/documents/2/size_bytes", "wrong_type"),
    ("annual-hours-as-string", STUDENT, {"/data/student/annual_hours": "1100"},
     "/data/student/annual_hours", "wrong_type"),
    ("salary-as-number", EMPLOYEE, {"/data/job/contract/gross_monthly_salary": 3850},
     "/data/job/contract/gross_monthly_salary", "wrong_type"),
    ("salary-three-decimals", EMPLOYEE, {"/data/job/contract/gross_monthly_salary": "3850.001"},
     "/data/job/contract/gross_monthly_salary", "pattern"),
    ("salary-zero", EMPLOYEE, {"/data/job/contract/gross_monthly_salary": "0.00"},
     "/data/job/contract/gross_monthly_salary", "not_positive"),
    ("salary-arabic-indic-digits", EMPLOYEE,
     {"/data/job/contract/gross_monthly_salary": "٣٨٥٠.٠٠"},
     "/data/job/contract/gross_monthly_salary", "pattern"),
    ("shortage-as-int", EMPLOYEE, {"/data/job/shortage_occupation": 0},
     "/data/job/shortage_occupation", "wrong_type"),
    ("sex-not-allowed", EMPLOYEE, {"/data/employee/sex": "f"}, "/data/employee/sex", "literal"),
    ("procedure-unknown", EMPLOYEE, {"/data/procedure": "visa"}, "/data/procedure", "literal"),
    ("document-kind-unknown", EMPLOYEE, {"/data/documents/0/kind": "selfie"},
     "/data/documents/0/kind", "literal"),
    ("sha256-upper-case", EMPLOYEE, {"/data/documents/1/sha256": "A" * 64},
     "/data/documents/1/sha256", "pattern"),
    ("name-empty", EMPLOYEE, {"/data/employer/name": ""}, "/data/employer/name", "too_short"),
    ("name-too-long", EMPLOYEE, {"/data/employer/name": "x" * 201},
     "/data/employer/name", "too_long"),
    ("too-many-documents", EMPLOYEE,
     {"/data/documents": [load(EMPLOYEE)["data"]["documents"][0]] * 51},
     "/data/documents", "too_long"),
    ("sex-missing", EMPLOYEE, {"/data/employee/sex": DELETE}, "/data/employee/sex", "missing"),
    ("birth-date-a-datetime", EMPLOYEE, {"/data/employee/birth_date": "1993-07-14T00:00:00Z"},
     "/data/employee/birth_date", "format"),
    ("birth-date-impossible", EMPLOYEE, {"/data/employee/birth_date": "1993-02-30"},
     "/data/employee/birth_date", "format"),
    ("birth-date-as-number", EMPLOYEE, {"/data/employee/birth_date": 19930714},
     "/data/employee/birth_date", "wrong_type"),
    ("birth-date-on-filing-day", EMPLOYEE, {"/data/employee/birth_date": "2026-11-20"},
     "/data/employee/birth_date", "not_before_filing"),
    ("birth-date-in-the-future", EMPLOYEE, {"/data/employee/birth_date": "2030-01-01"},
     "/data/employee/birth_date", "not_before_filing"),
    ("filed-at-naive", EMPLOYEE, {"/data/filed_at": "2026-11-20T10:00:00"},
     "/data/filed_at", "timezone"),
    ("rome-code-lower", EMPLOYEE, {"/data/job/rome_code": "m1805"},
     "/data/job/rome_code", "pattern"),
    ("siret-13-digits", EMPLOYEE, {"/data/employer/siret": "7986432680002"},
     "/data/employer/siret", "pattern"),
    ("siret-missing-for-company", EMPLOYEE, {"/data/employer/siret": DELETE},
     "/data/employer/siret", "missing"),
    ("siret-null-for-company", EMPLOYEE, {"/data/employer/siret": None},
     "/data/employer/siret", "missing"),
    ("passport-missing", EMPLOYEE, {"/data/employee/passport": DELETE},
     "/data/employee/passport", "missing"),
    ("foreign-number-missing-change", CHANGE, {"/data/employee/foreign_national_number": DELETE},
     "/data/employee/foreign_national_number", "missing"),
    ("foreign-number-missing-renewal", PRIVATE, {"/data/employee/foreign_national_number": None},
     "/data/employee/foreign_national_number", "missing"),
    ("foreign-number-9-digits", CHANGE, {"/data/employee/foreign_national_number": "931204578"},
     "/data/employee/foreign_national_number", "pattern"),
    ("student-block-missing", STUDENT, {"/data/student": DELETE}, "/data/student", "missing"),
    ("student-block-invalid", STUDENT, {"/data/student": "x"}, "/data/student", "not_object"),
    ("asylum-block-missing", ASYLUM, {"/data/asylum": DELETE}, "/data/asylum", "missing"),
    ("employer-abroad", EMPLOYEE, {"/data/employer/address/country": "BE"},
     "/data/employer/address/country", "not_in_france"),
    ("workplace-abroad", EMPLOYEE, {"/data/job/workplace/country": "DE"},
     "/data/job/workplace/country", "not_in_france"),
    ("country-lower-case", EMPLOYEE, {"/data/job/workplace/country": "fr"},
     "/data/job/workplace/country", "pattern"),
    ("employer-postcode-4-digits", EMPLOYEE, {"/data/employer/address/postcode": "7500"},
     "/data/employer/address/postcode", "postcode"),
    ("employer-postcode-missing", EMPLOYEE, {"/data/employer/address/postcode": DELETE},
     "/data/employer/address/postcode", "missing"),
    ("workplace-postcode-fullwidth", EMPLOYEE, {"/data/job/workplace/postcode": "７５００９"},
     "/data/job/workplace/postcode", "postcode"),
    ("workplace-default-country-bad-postcode", EMPLOYEE,
     {"/data/job/workplace/country": DELETE, "/data/job/workplace/postcode": "750 09"},
     "/data/job/workplace/postcode", "postcode"),
    ("employee-in-france-postcode-6", CHANGE, {"/data/employee/address/postcode": "931000"},
     "/data/employee/address/postcode", "postcode"),
    ("employee-in-france-no-postcode", CHANGE, {"/data/employee/address/postcode": None},
     "/data/employee/address/postcode", "missing"),
    ("contact-email-invalid", EMPLOYEE, {"/data/employer/contact/email": "recrutement.example"},
     "/data/employer/contact/email", "email"),
    ("contact-email-missing", EMPLOYEE, {"/data/employer/contact/email": DELETE},
     "/data/employer/contact/email", "missing"),
    ("envelope-time-missing", EMPLOYEE, {"/time": DELETE}, "/time", "missing"),
    ("envelope-specversion", EMPLOYEE, {"/specversion": "0.3"}, "/specversion", "literal"),
    ("envelope-type-other", EMPLOYEE, {"/type": WITHDRAWN}, "/type", "literal"),
]
# fmt: on


@pytest.mark.parametrize(
    ("sample", "changes", "pointer", "kind"),
    [case[1:] for case in SCHEMA_CASES],
    ids=[case[0] for case in SCHEMA_CASES],
)
def test_each_schema_error_alone(
    sample: str, changes: dict[str, Any], pointer: str, kind: str
) -> None:
    assert schema_errors(run(sample, changes)) == [(pointer, kind)]


@pytest.mark.parametrize("char", ["\x00", "\n", "\r", "\r\n", "\t", "\x1b", "\x1f", "\x7f"])
def test_a_control_character_or_line_break_in_a_name_is_a_schema_error(char: str) -> None:
    outcome = run(EMPLOYEE, {"/data/employee/last_name": f"RED{char}DY"})
    assert schema_errors(outcome) == [("/data/employee/last_name", "control_character")]


def test_data_null_is_one_error_at_data() -> None:
    assert schema_errors(run(EMPLOYEE, {"/data": None})) == [("/data", "not_object")]


@pytest.mark.parametrize("data", [[], "text", 5, True])
def test_data_not_an_object_is_one_error_at_data(data: Any) -> None:
    assert [p for p, _ in schema_errors(run(EMPLOYEE, {"/data": data}))] == ["/data"]


def test_data_missing_is_one_error_at_data() -> None:
    assert schema_errors(run(EMPLOYEE, {"/data": DELETE})) == [("/data", "missing")]


def test_every_schema_error_at_once_one_per_field_sorted_by_pointer() -> None:
    document = load(EMPLOYEE)["data"]["documents"][0]
    outcome = run(
        EMPLOYEE,
        {
            "/data/job/contract/weekly_hours": "35",
            "/data/employer/siret": DELETE,
            "/data/employee/sex": DELETE,
            "/data/documents": [document] * 11,
            "/data/documents/5": {**document, "kind": "x"},
            "/data/employer/contact/email": "nope",
            "/data/employer/name": "a\nb",
            "/data/employee/birth_date": "2027-01-01",
            "/data/job/workplace/postcode": "7500",
            "/id": 42,
        },
    )
    assert schema_errors(outcome) == [
        ("/data/documents/5/kind", "literal"),
        ("/data/employee/birth_date", "not_before_filing"),
        ("/data/employee/sex", "missing"),
        ("/data/employer/contact/email", "email"),
        ("/data/employer/name", "control_character"),
        ("/data/employer/siret", "missing"),
        ("/data/job/contract/weekly_hours", "wrong_type"),
        ("/data/job/workplace/postcode", "postcode"),
        ("/id", "wrong_type"),
    ]


def test_list_indexes_sort_as_numbers() -> None:
    documents = [load(EMPLOYEE)["data"]["documents"][0]] * 12
    bad = {**documents[0], "sha256": "0"}
    outcome = run(EMPLOYEE, {"/data/documents": [*documents[:2], bad, *documents[3:11], bad]})
    assert [p for p, _ in schema_errors(outcome)] == [
        "/data/documents/2/sha256",
        "/data/documents/11/sha256",
    ]


def test_schema_errors_beat_every_other_rejection() -> None:
    outcome = run(
        EMPLOYEE,
        {
            "/data/job/contract/weekly_hours": "35",
            "/data/employer/siret": "79864326800022",
            "/data/employee/nationality": "PT",
        },
    )
    assert codes(outcome) == ["schema:/data/job/contract/weekly_hours"]


def test_a_wrong_field_reports_one_error_even_when_a_conditional_rule_also_applies() -> None:
    outcome = run(EMPLOYEE, {"/data/employer/address/country": 33})
    assert schema_errors(outcome) == [("/data/employer/address/country", "wrong_type")]


def test_an_invalid_category_does_not_cascade_into_conditional_errors() -> None:
    outcome = run(ASYLUM, {"/data/category": "refugee", "/data/employee/passport": DELETE})
    assert schema_errors(outcome) == [("/data/category", "literal")]


def test_unknown_fields_are_tolerated_everywhere() -> None:
    outcome = run(
        EMPLOYEE,
        {
            "/traceparent": "00-abc",
            "/data/portal_version": 7,
            "/data/employer/vat_number": "FR00",
            "/data/employer/address/floor": 3,
            "/data/documents/0/pages": [1, 2],
            "/data/job/contract/bonus": {"x": None},
        },
    )
    accepted(outcome)


def test_names_come_out_in_nfc() -> None:
    decomposed = "Rene\u0301"
    assert not unicodedata.is_normalized("NFC", decomposed)
    outcome = accepted(run(EMPLOYEE, {"/data/employee/first_names": decomposed}))
    assert outcome.event.data.employee.first_names == "René"


def test_student_and_asylum_blocks_are_dropped_unless_the_category_needs_them() -> None:
    outcome = accepted(
        run(
            EMPLOYEE,
            {
                "/data/student": {"institution": "U", "annual_hours": 10},
                "/data/asylum": {"claim_filed_on": "2026-01-01", "certificate_number": "1"},
            },
        )
    )
    assert outcome.event.data.student is None
    assert outcome.event.data.asylum is None
    assert accepted(run(STUDENT)).event.data.student is not None


def test_json_pointer_escapes_tilde_and_slash() -> None:
    assert json_pointer(("data", "documents", 3, "a/b~c")) == "/data/documents/3/a~1b~0c"
    assert json_pointer(()) == ""


# --- findings -------------------------------------------------------------------------------


def finding_codes(sample: str, changes: Mapping[str, Any] | None = None) -> list[str]:
    return codes(accepted(run(sample, changes)))


@pytest.mark.parametrize(
    ("salary", "hours", "expected"),
    [
        ("1867.02", 35, []),  # exactly the SMIC of 2026-06-01
        ("1867.01", 35, ["salary_below_minimum_wage"]),
        ("2080.39", 39, []),  # 1867.02 × 39 / 35 = 2080.3937… → 2080.39
        ("2080.38", 39, ["salary_below_minimum_wage"]),
        ("933.51", 17.5, []),
        ("933.50", 17.5, ["salary_below_minimum_wage"]),
        ("9999999.99", 48, []),
    ],
)
def test_salary_against_the_pro_rated_smic(salary: str, hours: float, expected: list[str]) -> None:
    changes = {
        "/data/job/contract/gross_monthly_salary": salary,
        "/data/job/contract/weekly_hours": hours,
    }
    assert finding_codes(EMPLOYEE, changes) == expected


@pytest.mark.parametrize(
    ("salary", "hours", "expected"),
    [
        ("1449.93", 35, []),  # Mayotte's SMIC, below the metropolitan one
        ("1449.92", 35, ["salary_below_minimum_wage"]),
        ("724.97", 17.5, []),  # 1449.93 / 2 = 724.965, rounded half-up
        ("724.96", 17.5, ["salary_below_minimum_wage"]),
    ],
)
def test_a_workplace_in_mayotte_uses_mayottes_smic(
    salary: str, hours: float, expected: list[str]
) -> None:
    changes = {
        "/data/job/workplace/postcode": "97600",
        "/data/job/contract/gross_monthly_salary": salary,
        "/data/job/contract/weekly_hours": hours,
    }
    assert finding_codes(EMPLOYEE, changes) == expected


def test_the_smic_in_force_on_the_start_date_applies() -> None:
    # 1 823.03 € from 2026-01-01, 1 867.02 € from 2026-06-01
    changes = {
        "/data/job/contract/gross_monthly_salary": "1823.03",
        "/data/job/contract/start_date": "2026-05-31",
        "/data/employee/passport/expires_on": "2033-03-09",
    }
    assert finding_codes(EMPLOYEE, changes) == []
    later = {**changes, "/data/job/contract/start_date": "2026-06-01"}
    assert finding_codes(EMPLOYEE, later) == ["salary_below_minimum_wage"]


@pytest.mark.parametrize(
    ("sample", "changes", "expected"),
    [
        (EMPLOYEE, {"/data/job/job_offer": DELETE}, ["labour_market_test_missing"]),
        (EMPLOYEE, {"/data/job/job_offer": DELETE, "/data/job/shortage_occupation": True}, []),
        (CHANGE, {"/data/job/shortage_occupation": False}, ["labour_market_test_missing"]),
        (PRIVATE, {}, []),  # renewal: no labour market test
        (ASYLUM, {"/data/job/shortage_occupation": False}, ["labour_market_test_missing"]),
        (STUDENT, {"/data/job/job_offer": DELETE}, []),
    ],
)
def test_labour_market_test(sample: str, changes: dict[str, Any], expected: list[str]) -> None:
    assert finding_codes(sample, changes) == expected


@pytest.mark.parametrize(
    ("published_on", "expected"),
    [
        ("2026-10-30", []),  # exactly 21 days before the filing date
        ("2026-10-31", ["job_offer_too_recent"]),
        ("2026-11-20", ["job_offer_too_recent"]),
    ],
)
def test_job_offer_age(published_on: str, expected: list[str]) -> None:
    assert finding_codes(EMPLOYEE, {"/data/job/job_offer/published_on": published_on}) == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(803.5, []), (804, ["algerian_student_over_cap"]), (1100, ["algerian_student_over_cap"])],
)
def test_algerian_student_cap(hours: float, expected: list[str]) -> None:
    changes = {"/data/employee/nationality": "DZ", "/data/student/annual_hours": hours}
    assert finding_codes(STUDENT, changes) == expected


def test_one_missing_document_finding_per_kind_in_section_6_order() -> None:
    documents = [
        d
        for d in load(EMPLOYEE)["data"]["documents"]
        if d["kind"] not in {"passport", "company_registration"}
    ]
    outcome = accepted(run(EMPLOYEE, {"/data/documents": documents}))
    assert codes(outcome) == ["missing_document:passport", "missing_document:company_registration"]
    assert {f.legal_basis for f in outcome.findings} == {texts.LEGAL_BASIS["missing_document"]}


def test_required_documents_follow_category_employer_and_procedure() -> None:
    assert finding_codes(PRIVATE, {"/data/documents": []}) == [
        "missing_document:passport",
        "missing_document:employment_contract",
        "missing_document:tax_notice",
        "missing_document:residence_permit",
    ]
    assert "missing_document:passport" not in finding_codes(ASYLUM, {"/data/documents": []})


@pytest.mark.parametrize(
    ("expires_on", "expected"),
    [
        ("2027-01-31", ["passport_expires_soon"]),
        ("2027-02-01", []),
        ("2026-11-20", ["passport_expires_soon"]),
    ],
)
def test_passport_expiring_before_the_contract_starts(expires_on: str, expected: list[str]) -> None:
    assert finding_codes(EMPLOYEE, {"/data/employee/passport/expires_on": expires_on}) == expected


@pytest.mark.parametrize("email", ["sai.reddy@", "not an email", "a@b", "x@localhost", "a@b.test"])
def test_an_invalid_beneficiary_email_is_a_finding_and_is_dropped(email: str) -> None:
    outcome = accepted(run(EMPLOYEE, {"/data/employee/email": email}))
    assert codes(outcome) == ["beneficiary_email_invalid"]
    assert outcome.event.data.employee.email is None


def test_a_valid_beneficiary_email_is_kept() -> None:
    assert accepted(run(EMPLOYEE)).event.data.employee.email == "sai.reddy@mail.example"


def test_findings_come_in_the_tables_order_with_their_legal_basis() -> None:
    outcome = accepted(
        run(
            EMPLOYEE,
            {
                "/data/employee/email": "broken@",
                "/data/employee/passport/expires_on": "2027-01-01",
                "/data/documents": [],
                "/data/job/job_offer": DELETE,
                "/data/job/contract/gross_monthly_salary": "1500.00",
            },
        )
    )
    assert codes(outcome) == [
        "salary_below_minimum_wage",
        "labour_market_test_missing",
        "missing_document:passport",
        "missing_document:employment_contract",
        "missing_document:social_contributions_certificate",
        "missing_document:company_registration",
        "passport_expires_soon",
        "beneficiary_email_invalid",
    ]
    for found in outcome.findings:
        assert found.legal_basis == texts.LEGAL_BASIS.get(found.code)
    assert {code for code, _ in FINDINGS} == set(texts.FINDINGS)


# --- texts ----------------------------------------------------------------------------------

SECTION_2_4_ERRORS = {
    "malformed",
    "unknown_type",
    "schema",
    "siret_invalid",
    "postcode_unknown",
    "out_of_scope_territory",
    "not_required_nationality",
    "contract_dates",
    "category_contract_mismatch",
    "category_procedure_mismatch",
    "seasonal_too_long",
    "not_required_student_quota",
    "asylum_too_early",
    "passport_expired",
    "unknown_dossier",
    "dossier_final",
    "transition_not_allowed",
}
SECTION_2_4_FINDINGS_WITH_BASIS = {
    "salary_below_minimum_wage",
    "labour_market_test_missing",
    "job_offer_too_recent",
    "algerian_student_over_cap",
    "missing_document",
}


def test_every_code_of_section_2_4_has_french_and_english_texts() -> None:
    assert set(law_texts.ERRORS) | {"malformed", "schema"} == SECTION_2_4_ERRORS
    assert set(texts.LEGAL_BASIS) == SECTION_2_4_FINDINGS_WITH_BASIS
    for text in [
        *law_texts.ERRORS.values(),
        *law_texts.SCHEMA.values(),
        *law_texts.MALFORMED.values(),
        *texts.FINDINGS.values(),
    ]:
        assert text.fr and text.en and text.fr != text.en


def test_every_schema_kind_has_its_own_text() -> None:
    assert set(SCHEMA_KINDS.values()) | {"wrong_type"} <= set(law_texts.SCHEMA)


# Fields whose values are codes of the contract, which messages may name.
CODE_FIELDS = {
    "procedure",
    "category",
    "kind",
    "type",
    "channel",
    "sex",
    "preferred_language",
    "media_type",
    "country",
    "issuing_country",
    "nationality",
    "birth_country",
}


def _leaves(node: Any, key: str = "") -> Iterator[str]:
    """The values of a body a message must never repeat: every string but codes."""
    if isinstance(node, Mapping):
        for name, value in node.items():
            yield from _leaves(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value, key)
    elif key not in CODE_FIELDS and isinstance(node, str | int | float) and len(str(node)) >= 3:
        yield str(node)


NO_VALUE_CASES: list[tuple[str, dict[str, Any]]] = [
    *[(case[1], case[2]) for case in REJECTION_CASES],
    *[(case[1], case[2]) for case in SCHEMA_CASES if case[0] != "too-many-documents"],
    (EMPLOYEE, {"/data/employee/last_name": "SECRET\nNAME"}),
    (EMPLOYEE, {"/data/employee/email": "secret-person@", "/data/documents": []}),
]


@pytest.mark.parametrize(("sample", "changes"), NO_VALUE_CASES)
def test_messages_are_bilingual_and_never_hold_an_input_value(
    sample: str, changes: dict[str, Any]
) -> None:
    body = mutate(load(sample), changes)
    outcome = check_submission(body, REFERENCE)
    items = outcome.errors if isinstance(outcome, Rejection) else outcome.findings
    values = set(_leaves(body.get("data")))
    values |= {v for p, c in changes.items() for v in _leaves(c, p.rsplit("/", 1)[-1])}
    assert items
    for item in items:
        assert item.message_fr and item.message_en
        template = law_texts.ERRORS.get(item.code) or texts.FINDINGS.get(item.code)
        for value in values:
            if template and value in template.fr + template.en:
                continue  # a legal constant (964 hours), not the value received
            assert value not in item.message_fr and value not in item.message_en, value
        pointer = getattr(item, "pointer", None)
        assert pointer is None or pointer in item.message_fr


# --- other portal messages and the helpers of the actor ----------------------------------------


def test_classify_knows_the_portal_types_only() -> None:
    assert classify(load(EMPLOYEE)) == SUBMITTED
    assert classify({"type": DOCUMENTS_SUPPLIED}) == DOCUMENTS_SUPPLIED
    assert classify({"type": "fr.permis.dossier.deposited"}) is None
    assert classify({"type": 3}) is None
    assert classify({}) is None


def test_unknown_type_and_malformed_errors() -> None:
    error = unknown_type_error()
    assert (error.code, error.pointer) == ("unknown_type", "/type")
    assert unknown_type({"type": "x"}).errors == (error,)
    assert check_portal_message({"type": "nope"}, REFERENCE) == Rejection((error,))
    malformed = malformed_error("not_json")
    assert (malformed.code, malformed.pointer, malformed.detail) == ("malformed", None, "not_json")
    assert malformed.message_fr and malformed.message_en
    assert malformed_error().message_en


def _portal(kind: str, data: Any) -> dict[str, Any]:
    return {**load(EMPLOYEE), "type": kind, "data": data}


def test_documents_supplied_and_withdrawn_are_schema_checked() -> None:
    document = load(EMPLOYEE)["data"]["documents"][0]
    supplied = _portal(DOCUMENTS_SUPPLIED, {"dossier_number": "anything", "documents": [document]})
    assert isinstance(check_documents_supplied(supplied), DocumentsSupplied)
    assert isinstance(check_portal_message(supplied, REFERENCE), DocumentsSupplied)
    withdrawn = _portal(WITHDRAWN, {"dossier_number": "AT26-0000042-2", "reason": "a\nb"})
    assert isinstance(check_withdrawn(withdrawn), Withdrawn)
    bad = check_documents_supplied(_portal(DOCUMENTS_SUPPLIED, {"dossier_number": ""}))
    assert isinstance(bad, Rejection)
    assert [(e.pointer, e.detail) for e in bad.errors] == [
        ("/data/documents", "missing"),
        ("/data/dossier_number", "too_short"),
    ]
    assert check_withdrawn(_portal(WITHDRAWN, None)) == Rejection(
        rejected(run(EMPLOYEE, {"/data": None})).errors
    )


def test_contact_email_and_employer_name_for_the_rejection_email() -> None:
    body = load(EMPLOYEE)
    assert contact_email(body) == "recrutement@quantiq-analytics.example"
    assert employer_name(body) == "Quantiq Analytics SAS"
    broken = mutate(body, {"/data/employer/contact/email": "x@", "/data/employer/name": "a\nb"})
    assert contact_email(broken) is None
    assert employer_name(broken) is None
    assert contact_email({"data": None}) is None
    assert employer_name({}) is None
