"""The offline commands `permis check`, `route` and `routes`, as the portal team uses them."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.reference import load_reference
from tests.conftest import SAMPLES
from tests.support.world import Expected, error_codes, expected_rows, finding_codes
from workers.cli import main
from workers.offline import check_body, check_number, route_postcode, routes_table

REFERENCE = load_reference()


@pytest.mark.parametrize("row", expected_rows(), ids=lambda r: r.file.split("/")[-1])
def test_check_answers_what_intake_would_for_every_sample(row: Expected) -> None:
    answer = check_body(row.body, REFERENCE)
    assert answer["outcome"] == row.outcome
    if row.outcome == "deposited":
        assert answer["platform"] == row.platform
        assert finding_codes(answer) == row.codes
    else:
        assert error_codes(answer) == row.codes


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xff", "malformed"),
        (b'{"specversion": "1.0"}', "malformed"),
        (
            json.dumps(
                {"specversion": "1.0", "id": "x", "source": "/portal", "type": "other"}
            ).encode(),
            "unknown_type",
        ),
    ],
)
def test_check_answers_malformed_and_unknown_type_as_intake_would(body: bytes, code: str) -> None:
    answer = check_body(body, REFERENCE)
    assert answer["outcome"] == "rejected"
    assert [e["code"] for e in answer["errors"]] == [code]


@pytest.mark.parametrize(
    ("number", "valid"),
    [("AT26-0000042-2", True), ("AT26-0000042-3", False), ("AT26-000042-2", False), ("", False)],
)
def test_check_validates_a_dossier_numbers_check_digit(number: str, valid: bool) -> None:
    assert check_number(number)["valid"] is valid


@pytest.mark.parametrize(
    ("postcode", "category", "platform", "rule"),
    [
        ("75009", "employee", "pf-nanterre", "departement"),
        ("47000", "seasonal_worker", "pf-avignon", "seasonal_metropole"),
        ("20200", "seasonal_worker", "pf-avignon", "seasonal_metropole"),
        ("97300", "seasonal_worker", "pf-cayenne", "departement"),
        ("97600", "employee", "pf-tulle", "departement"),
    ],
)
def test_route_names_the_platform_and_the_rule(
    postcode: str, category: str, platform: str, rule: str
) -> None:
    answer = route_postcode(postcode, category, REFERENCE)
    assert answer["platform"] == platform
    assert answer["rule"]["name"] == rule
    assert answer["rule"]["table_version"] == REFERENCE.table_version
    assert answer["departement"]["source"]


@pytest.mark.parametrize(
    ("postcode", "error"),
    [
        ("97133", "out_of_scope_territory"),
        ("98800", "out_of_scope_territory"),
        ("96400", "postcode_unknown"),
    ],
)
def test_route_says_why_there_is_no_platform(postcode: str, error: str) -> None:
    assert route_postcode(postcode, "employee", REFERENCE) == {"platform": None, "error": error}


def test_routes_lists_every_departement_with_its_confidence_and_source() -> None:
    table = routes_table(REFERENCE)
    assert len(table["departements"]) == len(REFERENCE.departements)
    assert Counter(r["confidence"] for r in table["departements"]).keys() <= {
        "A",
        "B",
        "C",
        "assumed",
    }
    assert all(r["source"] for r in table["departements"])


@pytest.fixture
def logging_kept() -> Iterator[None]:
    """``main`` configures the process's logging, as a command does; later tests keep theirs."""
    loggers = [logging.getLogger(name) for name in ("", "pika", "alembic")]
    levels = [logger.level for logger in loggers]
    handlers = logging.getLogger().handlers[:]
    try:
        yield
    finally:
        logging.getLogger().handlers[:] = handlers
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@pytest.mark.usefixtures("logging_kept")
def test_the_commands_exit_with_the_contracts_statuses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deposited = str(SAMPLES / "submissions" / "01-employee-cdi-introduction-paris.json")
    rejected = str(SAMPLES / "submissions" / "20-rejected-siret-invalid.json")
    assert main(["check", deposited, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["platform"] == "pf-nanterre"
    assert main(["check", rejected]) == 1
    assert "siret_invalid" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "missing.json")]) == 2
    assert main(["route", "75009", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"]["name"] == "departement"
    assert main(["route", "97150"]) == 1
    assert main(["routes"]) == 0
    with pytest.raises(SystemExit) as exited:
        main(["route", "75009", "--category", "astronaut"])
    assert exited.value.code == 2
