"""The reference data: postcode rules, lookups, and validation of the data files at load."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from config.reference import (
    DATA_DIR,
    DOCUMENT_KINDS,
    ReferenceDataError,
    load_reference,
    parse_condition,
)
from config.territory import (
    PostcodeLookup,
    PostcodeOutcome,
    departement_of_postcode,
    is_metropolitan,
    smic_territory,
)

REFERENCE = load_reference()


# --- postcodes.md, rule by rule ---------------------------------------------------------

POSTCODES = [
    # rule 1: not exactly 5 ASCII digits
    ("7500", None, "invalid"),
    ("750011", None, "invalid"),
    ("75O01", None, "invalid"),
    (" 75001", None, "invalid"),
    ("75001 ", None, "invalid"),
    ("７５００１", None, "invalid"),
    ("٧٥٠٠١", None, "invalid"),
    ("", None, "invalid"),
    ("-7500", None, "invalid"),
    # rules 2 and 3: the two collectivities inside Guadeloupe's range
    ("97133", "977", "out_of_scope_territory"),
    ("97150", "978", "out_of_scope_territory"),
    ("97132", "971", "routed"),
    ("97134", "971", "routed"),
    ("97149", "971", "routed"),
    ("97151", "971", "routed"),
    # rules 4 to 6: Corsica
    ("20000", "2A", "routed"),
    ("20090", "2A", "routed"),
    ("20199", "2A", "routed"),
    ("20200", "2B", "routed"),
    ("20600", "2B", "routed"),
    ("20699", "2B", "routed"),
    ("20700", None, "postcode_unknown"),
    ("20999", None, "postcode_unknown"),
    # rule 7: DROM and Saint-Pierre-et-Miquelon on three digits
    ("97100", "971", "routed"),
    ("97200", "972", "routed"),
    ("97300", "973", "routed"),
    ("97400", "974", "routed"),
    ("97500", "975", "routed"),
    ("97600", "976", "routed"),
    ("97699", "976", "routed"),
    # rule 8: the rest of 97xxx
    ("97000", None, "postcode_unknown"),
    ("97099", None, "postcode_unknown"),
    ("97700", None, "postcode_unknown"),
    ("97800", None, "postcode_unknown"),
    ("97999", None, "postcode_unknown"),
    # rule 9: the Pacific collectivities
    ("98600", "986", "out_of_scope_territory"),
    ("98700", "987", "out_of_scope_territory"),
    ("98799", "987", "out_of_scope_territory"),
    ("98800", "988", "out_of_scope_territory"),
    ("98899", "988", "out_of_scope_territory"),
    # rule 10: the rest of 98xxx (Monaco, TAAF)
    ("98000", None, "postcode_unknown"),
    ("98400", None, "postcode_unknown"),
    ("98599", None, "postcode_unknown"),
    ("98900", None, "postcode_unknown"),
    # rule 11: the first two digits
    ("01000", "01", "routed"),
    ("19000", "19", "routed"),
    ("21000", "21", "routed"),
    ("75001", "75", "routed"),
    ("93400", "93", "routed"),
    ("95999", "95", "routed"),
    # rule 12: everything else
    ("00000", None, "postcode_unknown"),
    ("00100", None, "postcode_unknown"),
    ("96000", None, "postcode_unknown"),
    ("96400", None, "postcode_unknown"),
    ("99000", None, "postcode_unknown"),
    ("99999", None, "postcode_unknown"),
]


@pytest.mark.parametrize(("postcode", "departement", "outcome"), POSTCODES)
def test_postcode_maps_to_departement_and_outcome_of_postcodes_md(
    postcode: str, departement: str | None, outcome: PostcodeOutcome
) -> None:
    assert departement_of_postcode(postcode) == PostcodeLookup(departement, outcome)


@pytest.mark.parametrize("prefix", [f"{n:02d}" for n in range(1, 96) if n != 20])
def test_every_mainland_prefix_routes_to_its_departement(prefix: str) -> None:
    for postcode in (f"{prefix}000", f"{prefix}999"):
        assert departement_of_postcode(postcode) == PostcodeLookup(prefix, "routed")


def test_every_postcode_routed_lands_on_a_departement_of_the_table() -> None:
    for number in range(100_000):
        lookup = departement_of_postcode(f"{number:05d}")
        if lookup.outcome in ("routed", "out_of_scope_territory"):
            assert REFERENCE.departement(lookup.departement or "") is not None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("01", True), ("19", True), ("2A", True), ("2B", True), ("95", True), ("20", False),
     ("00", False), ("96", False), ("971", False), ("975", False), ("976", False),
     ("977", False), ("2a", False), ("1", False)],
)  # fmt: skip
def test_metropolitan_is_01_to_95_with_corsica_split(code: str, expected: bool) -> None:
    assert is_metropolitan(code) is expected


@pytest.mark.parametrize(
    ("code", "territory"),
    [("976", "mayotte"), ("975", "metropole_drom"), ("971", "metropole_drom"),
     ("974", "metropole_drom"), ("75", "metropole_drom"), ("2A", "metropole_drom")],
)  # fmt: skip
def test_smic_territory_is_mayotte_only_for_976(code: str, territory: str) -> None:
    assert smic_territory(code) == territory


# --- lookups ---------------------------------------------------------------------------


def test_default_reference_is_loaded_once() -> None:
    assert load_reference() is load_reference()


def test_departement_lookup_returns_the_row_or_none() -> None:
    paris = REFERENCE.departement("75")
    assert paris is not None
    assert (paris.name, paris.platform, paris.confidence) == ("Paris", "pf-nanterre", "B")
    assert REFERENCE.departement("20") is None
    assert REFERENCE.departement("99") is None


def test_platform_ids_are_the_seven_of_contracts_in_file_order() -> None:
    assert REFERENCE.platform_ids == (
        "pf-bethune",
        "pf-bobigny",
        "pf-nanterre",
        "pf-tulle",
        "pf-clermont-ferrand",
        "pf-cayenne",
        "pf-avignon",
    )


def test_platform_lookup_raises_reference_data_error_for_unknown_id() -> None:
    assert REFERENCE.platform("pf-tulle").host_departement == "19"
    with pytest.raises(ReferenceDataError, match="pf-paris"):
        REFERENCE.platform("pf-paris")


@pytest.mark.parametrize(
    ("territory", "on", "monthly"),
    [
        ("metropole_drom", date(2024, 1, 1), "1766.92"),
        ("metropole_drom", date(2024, 10, 31), "1766.92"),
        ("metropole_drom", date(2024, 11, 1), "1801.80"),
        ("metropole_drom", date(2025, 12, 31), "1801.80"),
        ("metropole_drom", date(2026, 1, 1), "1823.03"),
        ("metropole_drom", date(2026, 5, 31), "1823.03"),
        ("metropole_drom", date(2026, 6, 1), "1867.02"),
        ("metropole_drom", date(2027, 3, 1), "1867.02"),
        ("mayotte", date(2024, 10, 31), "1334.67"),
        ("mayotte", date(2024, 11, 1), "1361.97"),
        ("mayotte", date(2026, 1, 1), "1415.05"),
        ("mayotte", date(2027, 3, 1), "1449.93"),
    ],
)
def test_smic_row_in_force_is_the_latest_not_after_the_date(
    territory: str, on: date, monthly: str
) -> None:
    rate = REFERENCE.smic_monthly_35h(territory, on)
    assert rate.territory == territory
    assert rate.effective_from <= on
    assert rate.monthly_gross_35h_eur == Decimal(monthly)


def test_smic_2027_uses_the_2026_06_01_row() -> None:
    rate = REFERENCE.smic_monthly_35h("metropole_drom", date(2027, 3, 1))
    assert rate.effective_from == date(2026, 6, 1)
    assert rate.hourly_gross_eur == Decimal("12.31")


def test_smic_before_the_first_row_raises() -> None:
    with pytest.raises(ReferenceDataError, match="2023-12-31"):
        REFERENCE.smic_monthly_35h("metropole_drom", date(2023, 12, 31))


def test_smic_of_unknown_territory_raises() -> None:
    with pytest.raises(ReferenceDataError, match="guadeloupe"):
        REFERENCE.smic_monthly_35h("guadeloupe", date(2026, 1, 1))


@pytest.mark.parametrize(
    ("code", "exempt"),
    [("PT", True), ("FR", True), ("GR", True), ("NO", True), ("CH", True), ("MC", True),
     ("AD", True), ("SM", True), ("GB", False), ("DZ", False), ("EL", False),
     ("pt", False), ("", False)],
)  # fmt: skip
def test_exempt_nationalities_are_eu_eea_switzerland_and_three_microstates(
    code: str, exempt: bool
) -> None:
    assert REFERENCE.is_exempt_nationality(code) is exempt


def test_exempt_list_has_27_eu_3_eea_switzerland_and_3_microstates() -> None:
    assert len(REFERENCE.exempt_nationalities) == 34


@pytest.mark.parametrize(
    ("category", "employer_kind", "procedure", "kinds"),
    [
        ("employee", "company", "introduction",
         "passport employment_contract social_contributions_certificate company_registration"),
        ("temporary_worker", "company", "change_of_status",
         "passport employment_contract social_contributions_certificate company_registration"
         " residence_permit"),
        ("employee", "private_individual", "renewal",
         "passport employment_contract tax_notice residence_permit"),
        ("seasonal_worker", "private_individual", "introduction",
         "passport employment_contract tax_notice housing_proof"),
        ("student", "company", "provisional_authorization",
         "passport employment_contract social_contributions_certificate company_registration"
         " residence_permit student_enrolment"),
        ("asylum_seeker", "company", "provisional_authorization",
         "employment_contract social_contributions_certificate company_registration"
         " asylum_certificate"),
        ("asylum_seeker", "private_individual", "provisional_authorization",
         "employment_contract tax_notice asylum_certificate"),
    ],
)  # fmt: skip
def test_required_documents_follow_contracts_section_6_in_its_order(
    category: str, employer_kind: str, procedure: str, kinds: str
) -> None:
    required = REFERENCE.required_documents(
        category=category, employer_kind=employer_kind, procedure=procedure
    )
    assert required == tuple(kinds.split())
    assert list(required) == sorted(required, key=DOCUMENT_KINDS.index)


def test_condition_language_accepts_always_negation_and_conjunction() -> None:
    assert parse_condition("always") == ()
    clauses = parse_condition("category!=student & procedure=renewal")
    facts = {"category": "employee", "employer_kind": "company", "procedure": "renewal"}
    assert all(clause.holds(facts) for clause in clauses)
    assert not all(clause.holds({**facts, "category": "student"}) for clause in clauses)


@pytest.mark.parametrize(
    "condition",
    ["", "Always", "category==student", "category = student", "category=seasonal",
     "nationality=DZ", "category=student&procedure=renewal", "category=student | x=y"],
)  # fmt: skip
def test_condition_language_rejects_anything_else(condition: str) -> None:
    with pytest.raises(ValueError):
        parse_condition(condition)


# --- validation at load -----------------------------------------------------------------


def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the project's data files."""
    for path in DATA_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def edit_line(data_dir: Path, name: str, prefix: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in the first line of ``name`` starting with ``prefix``."""
    path = data_dir / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


def test_project_copy_loads_like_the_default(tmp_path: Path) -> None:
    assert load_reference(data_copy(tmp_path)) == REFERENCE


BREAKAGES = [
    ("departements.csv", "02,", "02,Aisne", "01,Aisne", "duplicate code '01'"),
    ("departements.csv", "75,", "pf-nanterre", "pf-paris", "neither a platforms.csv id"),
    ("departements.csv", "22,", ",A,", ",D,", "confidence 'D'"),
    ("departements.csv", "01,", "01,Ain", "20,Ain", "code '20'"),
    ("departements.csv", "977,", "out_of_scope", "pf-cayenne", "must be out_of_scope"),
    ("departements.csv", "13,", ",pf-clermont-ferrand,", ",,", "empty platform"),
    ("departements.csv", "14,", ",A,", ",A,extra,", "expected 6 fields, found 7"),
    ("platforms.csv", "pf-bobigny,", "pf-bobigny", "pf-bethune", "duplicate id"),
    ("platforms.csv", "pf-tulle,", "(Tulle),19,", "(Tulle),99,", "host_departement '99'"),
    ("smic.csv", "mayotte,2024-11-01", "2024-11-01", "2024-13-01", "2024-13-01"),
    ("smic.csv", "mayotte,2024-11-01", "2024-11-01", "01/11/2024", "not YYYY-MM-DD"),
    ("smic.csv", "metropole_drom,2025", "1801.80", '"1801,80"', "amount '1801,80'"),
    ("smic.csv", "metropole_drom,2025", "11.88", "-11.88", "amount '-11.88'"),
    ("smic.csv", "metropole_drom,2025", "11.88", "0.00", "not positive"),
    ("smic.csv", "metropole_drom,2025", "2025-01-01", "2024-11-01", "duplicate row"),
    ("smic.csv", "mayotte,2026-01", "mayotte", "guadeloupe", "territory 'guadeloupe'"),
    ("exempt-nationalities.csv", "PT,", "PT,", "pt,", "code 'pt'"),
    ("exempt-nationalities.csv", "PT,", "PT,", "PRT,", "code 'PRT'"),
    ("exempt-nationalities.csv", "SE,", "SE,", "ES,", "duplicate code 'ES'"),
    ("required-documents.csv", "housing_proof", "housing_proof", "visa", "kind 'visa'"),
    ("required-documents.csv", "housing_proof", "=", "==", "unparsable condition"),
    ("required-documents.csv", "housing_proof", "seasonal_worker", "seasonal", "'seasonal'"),
    ("required-documents.csv", "housing_proof", "category", "nationality", "fact"),
    (
        "required-documents.csv",
        "company_registration",
        "company_registration",
        "social_contributions_certificate",
        "duplicate row for social_contributions_certificate",
    ),
]


@pytest.mark.parametrize(("name", "prefix", "old", "new", "problem"), BREAKAGES)
def test_load_rejects_a_broken_row_naming_file_and_line(
    tmp_path: Path, name: str, prefix: str, old: str, new: str, problem: str
) -> None:
    data_dir = data_copy(tmp_path)
    line = edit_line(data_dir, name, prefix, old, new)
    with pytest.raises(ReferenceDataError) as caught:
        load_reference(data_dir)
    assert str(caught.value).startswith(f"{name}, line {line}: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("name", "prefix", "problem"),
    [
        ("departements.csv", "13,", "missing départements 13"),
        ("departements.csv", "976,", "missing départements 976"),
        ("departements.csv", "2B,", "missing départements 2B"),
        ("platforms.csv", "pf-avignon,", "pf-avignon"),
        ("smic.csv", "mayotte,", "no row for mayotte"),
    ],
)
def test_load_rejects_a_file_missing_required_rows(
    tmp_path: Path, name: str, prefix: str, problem: str
) -> None:
    data_dir = data_copy(tmp_path)
    path = data_dir / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith(prefix)), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=f"^{re.escape(name)}: .*{problem}"):
        load_reference(data_dir)


def test_load_rejects_a_wrong_header_on_line_1(tmp_path: Path) -> None:
    data_dir = data_copy(tmp_path)
    edit_line(data_dir, "smic.csv", "territory,", "hourly_gross_eur", "hourly_eur")
    with pytest.raises(ReferenceDataError, match=r"^smic\.csv, line 1: header"):
        load_reference(data_dir)


def test_load_rejects_a_missing_file(tmp_path: Path) -> None:
    data_dir = data_copy(tmp_path)
    (data_dir / "exempt-nationalities.csv").unlink()
    with pytest.raises(ReferenceDataError, match=r"^exempt-nationalities\.csv: cannot read"):
        load_reference(data_dir)


def test_load_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    data_dir = data_copy(tmp_path)
    path = data_dir / "departements.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    with pytest.raises(ReferenceDataError, match=r"^departements\.csv: cannot read"):
        load_reference(data_dir)


# --- table_version ----------------------------------------------------------------------


def test_table_version_is_short_and_stable() -> None:
    assert re.fullmatch(r"departements-[0-9a-f]{12}", REFERENCE.table_version)
    assert load_reference(DATA_DIR).table_version == REFERENCE.table_version


@pytest.mark.parametrize(
    ("name", "prefix", "old", "new"),
    [
        ("departements.csv", "95,", "pf-nanterre", "pf-bobigny"),
        ("departements.csv", "01,", "Ain", "Ain "),
        ("platforms.csv", "pf-tulle,", "Corrèze", "Correze"),
    ],
)
def test_table_version_changes_when_a_routing_row_changes(
    tmp_path: Path, name: str, prefix: str, old: str, new: str
) -> None:
    data_dir = data_copy(tmp_path)
    edit_line(data_dir, name, prefix, old, new)
    assert load_reference(data_dir).table_version != REFERENCE.table_version


def test_table_version_ignores_the_other_tables(tmp_path: Path) -> None:
    data_dir = data_copy(tmp_path)
    edit_line(data_dir, "smic.csv", "mayotte,2026-06-01", "9.56", "9.57")
    assert load_reference(data_dir).table_version == REFERENCE.table_version
