"""Routing: postcode -> département -> platform, with the rule that decided it."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from config.reference import DATA_DIR, ReferenceDataError, load_reference
from workers.routing.rules import Route, Unroutable, route, transfer_route

REFERENCE = load_reference()
SAMPLES = Path(__file__).parents[2] / "messages" / "samples"
OVERSEAS = {"971", "972", "973", "974", "975", "976"}
# One postcode per département code, by postcodes.md's rules.
SPECIAL_POSTCODES = {"2A": "20000", "2B": "20200", "977": "97133", "978": "97150"}


def departement_rows() -> list[dict[str, str]]:
    """Every row of the project's departements.csv, read independently of the loader."""
    with (DATA_DIR / "departements.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def postcode_of(code: str) -> str:
    """A postcode that postcodes.md maps to the département ``code``."""
    return SPECIAL_POSTCODES.get(code, code.ljust(5, "0"))


def in_scope(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows with a platform."""
    return [row for row in rows if row["platform"] != "out_of_scope"]


ROWS = departement_rows()
IDS = [row["code"] for row in ROWS]


def test_departements_csv_covers_96_metropolitan_and_6_overseas_and_5_collectivities() -> None:
    assert len(ROWS) == 107
    assert len([row for row in ROWS if row["platform"] == "out_of_scope"]) == 5


@pytest.mark.parametrize("row", in_scope(ROWS), ids=[r["code"] for r in in_scope(ROWS)])
@pytest.mark.parametrize("category", ["employee", "temporary_worker", "student", "asylum_seeker"])
def test_non_seasonal_submission_goes_to_its_departements_platform(
    row: dict[str, str], category: str
) -> None:
    result = route(employer_postcode=postcode_of(row["code"]), category=category,
                   reference=REFERENCE)  # fmt: skip
    assert result == Route(row["platform"], "departement", row["code"], REFERENCE.table_version)


@pytest.mark.parametrize("row", in_scope(ROWS), ids=[r["code"] for r in in_scope(ROWS)])
def test_seasonal_submission_goes_to_avignon_in_metropole_and_own_platform_overseas(
    row: dict[str, str],
) -> None:
    result = route(employer_postcode=postcode_of(row["code"]), category="seasonal_worker",
                   reference=REFERENCE)  # fmt: skip
    if row["code"] in OVERSEAS:
        expected = Route(row["platform"], "departement", row["code"], REFERENCE.table_version)
    else:
        expected = Route("pf-avignon", "seasonal_metropole", row["code"], REFERENCE.table_version)
    assert result == expected


def test_every_metropolitan_and_overseas_departement_is_in_scope() -> None:
    codes = {row["code"] for row in in_scope(ROWS)}
    metropolitan = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert codes == metropolitan | OVERSEAS


@pytest.mark.parametrize(
    "row",
    [row for row in ROWS if row["platform"] == "out_of_scope"],
    ids=[row["code"] for row in ROWS if row["platform"] == "out_of_scope"],
)
@pytest.mark.parametrize("category", ["employee", "seasonal_worker"])
def test_out_of_scope_collectivity_is_unroutable(row: dict[str, str], category: str) -> None:
    with pytest.raises(Unroutable) as caught:
        route(employer_postcode=postcode_of(row["code"]), category=category, reference=REFERENCE)
    assert caught.value.code == "out_of_scope_territory"


@pytest.mark.parametrize(
    "postcode",
    ["00100", "20700", "20999", "96400", "97000", "97099", "97700", "97800", "98000",
     "98400", "98900", "99000", "7500", "750011", "75O01", " 75001", "７５００１"],
)  # fmt: skip
@pytest.mark.parametrize("category", ["employee", "seasonal_worker"])
def test_postcode_mapping_to_no_departement_is_unroutable_as_unknown(
    postcode: str, category: str
) -> None:
    with pytest.raises(Unroutable) as caught:
        route(employer_postcode=postcode, category=category, reference=REFERENCE)
    assert caught.value.code == "postcode_unknown"


@pytest.mark.parametrize(
    ("postcode", "category", "platform", "rule", "departement"),
    [
        ("84000", "employee", "pf-clermont-ferrand", "departement", "84"),
        ("84000", "seasonal_worker", "pf-avignon", "seasonal_metropole", "84"),
        ("20000", "seasonal_worker", "pf-avignon", "seasonal_metropole", "2A"),
        ("20699", "seasonal_worker", "pf-avignon", "seasonal_metropole", "2B"),
        ("20199", "employee", "pf-clermont-ferrand", "departement", "2A"),
        ("47000", "seasonal_worker", "pf-avignon", "seasonal_metropole", "47"),
        ("97600", "seasonal_worker", "pf-tulle", "departement", "976"),
        ("97500", "seasonal_worker", "pf-cayenne", "departement", "975"),
        ("97134", "employee", "pf-cayenne", "departement", "971"),
        ("97400", "employee", "pf-clermont-ferrand", "departement", "974"),
        ("95000", "employee", "pf-nanterre", "departement", "95"),
    ],
)
def test_route_names_platform_rule_and_departement(
    postcode: str, category: str, platform: str, rule: str, departement: str
) -> None:
    result = route(employer_postcode=postcode, category=category, reference=REFERENCE)
    assert result.rule_dict() == {
        "name": rule,
        "departement": departement,
        "table_version": REFERENCE.table_version,
    }
    assert result.platform == platform


def test_transfer_route_keeps_the_departement_and_names_the_transfer_rule() -> None:
    result = transfer_route("pf-bobigny", "95", REFERENCE)
    assert result == Route("pf-bobigny", "transfer", "95", REFERENCE.table_version)
    assert result.rule_dict()["name"] == "transfer"


def test_transfer_to_an_unknown_platform_raises() -> None:
    with pytest.raises(ReferenceDataError, match="pf-paris"):
        transfer_route("pf-paris", "75", REFERENCE)


def test_unroutable_carries_its_code() -> None:
    error = Unroutable("postcode_unknown")
    assert error.code == "postcode_unknown"
    assert str(error) == "postcode_unknown"


def test_routing_follows_the_table_not_the_code(tmp_path: Path) -> None:
    for path in DATA_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    departements = tmp_path / "departements.csv"
    text = departements.read_text(encoding="utf-8")
    departements.write_text(text.replace("\n95,Val-d'Oise,Île-de-France,pf-nanterre,",
                                         "\n95,Val-d'Oise,Île-de-France,pf-bobigny,"),
                            encoding="utf-8")  # fmt: skip
    reference = load_reference(tmp_path)
    result = route(employer_postcode="95000", category="employee", reference=reference)
    assert result.platform == "pf-bobigny"
    assert result.table_version == reference.table_version != REFERENCE.table_version


def expected_sample_platforms() -> list[tuple[str, str]]:
    """(file, platform) of every deposited sample submission."""
    with (SAMPLES / "expected.csv").open(encoding="utf-8", newline="") as file:
        return [(r["file"], r["platform"]) for r in csv.DictReader(file) if r["platform"]]


@pytest.mark.parametrize(("file", "platform"), expected_sample_platforms())
def test_sample_submission_routes_to_its_expected_platform(file: str, platform: str) -> None:
    data = json.loads((SAMPLES / file).read_text(encoding="utf-8"))["data"]
    postcode = data["employer"]["address"]["postcode"]
    result = route(employer_postcode=postcode, category=data["category"], reference=REFERENCE)
    assert result.platform == platform
