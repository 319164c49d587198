"""The desk's committed OpenAPI document is the one the app serves, and the desk stays an
adapter: nothing of the contract or of the stages' rules knows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.test_architecture import PURE, imports, modules
from workers.desk import checks
from workers.desk.app import openapi_document, openapi_text

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "desk.openapi.json"
WEB_LIBRARIES = {"fastapi", "starlette", "uvicorn", "python_multipart", "workers.desk"}


def test_the_committed_openapi_document_is_the_apps() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "docs/desk.openapi.json is out of date: `permis desk --openapi > docs/desk.openapi.json`"
    )
    assert COMMITTED.read_text(encoding="utf-8") == openapi_text()


def test_every_status_the_desk_answers_a_bad_input_with_is_documented() -> None:
    problems = [value for value in vars(checks).values() if isinstance(value, checks.Problem)]
    answered = {"200", "503"} | {str(problem.status) for problem in problems}  # 503: busy
    paths = openapi_document()["paths"]
    for path in ("/api/v1/verify/pdf", "/api/v1/verify/code"):
        assert set(paths[path]["post"]["responses"]) == answered


def web(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in WEB_LIBRARIES)


@pytest.mark.parametrize(
    "path",
    [ROOT / p for p in PURE] + modules("messages") + modules("config"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_rules_and_the_contract_know_nothing_of_the_desk(path: Path) -> None:
    assert not {i for i in imports(path) if web(i)}, path


def test_only_the_command_line_reaches_into_the_desk() -> None:
    outside = [p for p in modules("workers") if "desk" not in p.parts and "cli" not in p.parts]
    for path in outside:
        assert not {i for i in imports(path) if web(i)}, path
