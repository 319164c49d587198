"""The contract's models: samples parse, types are strict, text is clean, values are frozen."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import messages
from messages.agents import Decided
from messages.events import EVENT_TYPES, CaseAssigned, Event, EventEnvelope
from messages.portal import Submitted

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "messages" / "samples"
SUBMISSIONS = sorted((SAMPLES / "submissions").glob("*.json"))
DECISIONS = sorted((SAMPLES / "decisions").glob("*.json"))
SCHEMA_INVALID = "25-rejected-schema-weekly-hours.json"
VALID_SUBMISSION = SAMPLES / "submissions" / "01-employee-cdi-introduction-paris.json"
DOSSIER_NUMBER = "AT26-0000042-2"


def _sample(path: Path = VALID_SUBMISSION) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


def _decision(path: Path = SAMPLES / "decisions" / "refused.json") -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        path.read_text(encoding="utf-8").replace("<DOSSIER_NUMBER>", DOSSIER_NUMBER)
    )
    return body


def _submitted(body: dict[str, Any]) -> Submitted:
    return Submitted.model_validate_json(json.dumps(body))


def _decided(body: dict[str, Any]) -> Decided:
    return Decided.model_validate_json(json.dumps(body))


def _pointers(error: ValidationError) -> list[str]:
    return ["/" + "/".join(str(part) for part in item["loc"]) for item in error.errors()]


def _refused_at(parse: Callable[[dict[str, Any]], BaseModel], body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse(body)
    return _pointers(caught.value)


def _with_employer_name(value: Any) -> dict[str, Any]:
    body = _sample()
    body["data"]["employer"]["name"] = value
    return body


def _add_unknown_fields(node: Any) -> None:
    if isinstance(node, dict):
        for value in list(node.values()):
            _add_unknown_fields(value)
        node["x_unknown"] = {"nested": [1, "two"]}
    elif isinstance(node, list):
        for value in node:
            _add_unknown_fields(value)


# Samples


@pytest.mark.parametrize(
    "sample", [s for s in SUBMISSIONS if s.name != SCHEMA_INVALID], ids=lambda p: p.name
)
def test_every_sample_submission_parses(sample: Path) -> None:
    message = _submitted(_sample(sample))
    assert message.type == "fr.gouv.etrangers.work_authorization.submitted"


def test_sample_with_50_weekly_hours_fails_at_weekly_hours() -> None:
    body = _sample(SAMPLES / "submissions" / SCHEMA_INVALID)
    assert _refused_at(_submitted, body) == ["/data/job/contract/weekly_hours"]


@pytest.mark.parametrize("sample", DECISIONS, ids=lambda path: path.name)
def test_sample_decisions_parse_once_the_dossier_number_is_set(sample: Path) -> None:
    message = _decided(_decision(sample))
    assert message.data.dossier_number == DOSSIER_NUMBER


# Frozen


def test_messages_are_frozen_at_every_level() -> None:
    message = _submitted(_sample())
    with pytest.raises(ValidationError):
        message.id = "another"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        message.data.employer.name = "Another"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        message.data.job.contract.weekly_hours = 10  # type: ignore[misc]


def test_decisions_and_events_are_frozen() -> None:
    decision = _decided(_decision())
    with pytest.raises(ValidationError):
        decision.data.outcome = "granted"  # type: ignore[misc]
    event = _events()[0]
    with pytest.raises(ValidationError):
        event.dossier_number = "other"  # type: ignore[attr-defined]


# Accept more


def test_unknown_fields_are_tolerated_at_every_level() -> None:
    body = _sample()
    _add_unknown_fields(body)
    message = _submitted(body)
    assert message.data.employer.address.city == "Paris"


def test_unknown_fields_are_tolerated_in_decisions() -> None:
    body = _decision()
    _add_unknown_fields(body)
    assert _decided(body).data.outcome == "refused"


# Strict types


def test_a_string_is_not_coerced_to_a_number() -> None:
    body = _sample()
    body["data"]["job"]["contract"]["weekly_hours"] = "35"
    assert _refused_at(_submitted, body) == ["/data/job/contract/weekly_hours"]


def test_a_number_is_not_coerced_to_a_string() -> None:
    assert _refused_at(_submitted, _with_employer_name(42)) == ["/data/employer/name"]


def test_a_boolean_is_not_coerced_to_an_integer() -> None:
    body = _sample()
    body["data"]["employer"]["headcount"] = True
    assert _refused_at(_submitted, body) == ["/data/employer/headcount"]


def test_a_string_is_not_coerced_to_a_boolean() -> None:
    body = _sample()
    body["data"]["job"]["shortage_occupation"] = "false"
    assert _refused_at(_submitted, body) == ["/data/job/shortage_occupation"]


def test_an_integer_is_a_valid_number_of_weekly_hours() -> None:
    body = _sample()
    body["data"]["job"]["contract"]["weekly_hours"] = 35
    assert _submitted(body).data.job.contract.weekly_hours == 35


# Text


def test_names_are_normalised_to_nfc() -> None:
    body = _with_employer_name("Cafe\u0301 de l'E\u0301glise")
    body["data"]["employee"]["first_names"] = "Rene\u0301e"
    message = _submitted(body)
    assert message.data.employer.name == "Caf\u00e9 de l'\u00c9glise"
    assert message.data.employee.first_names == "Ren\u00e9e"


@pytest.mark.parametrize("value", ["Acme\x00", "Acme\r\nSAS", "Acme\nSAS", "Acme\x7f", "A\tB"])
def test_control_characters_are_refused_in_single_line_strings(value: str) -> None:
    assert _refused_at(_submitted, _with_employer_name(value)) == ["/data/employer/name"]


def test_line_breaks_are_allowed_in_reason_texts() -> None:
    body = _decision()
    body["data"]["reasons"][0]["text"] = "Premier alinéa.\nSecond alinéa.\r\nFin."
    assert _decided(body).data.reasons[0].text.endswith("\r\nFin.")


@pytest.mark.parametrize("value", ["Motif\x00", "Motif\x7f", "Motif\x1b[0m"])
def test_other_control_characters_are_refused_in_reason_texts(value: str) -> None:
    body = _decision()
    body["data"]["reasons"][0]["text"] = value
    assert _refused_at(_decided, body) == ["/data/reasons/0/text"]


# Length bounds


@pytest.mark.parametrize(("length", "accepted"), [(200, True), (201, False), (1, True), (0, False)])
def test_employer_name_length_is_bounded_at_1_and_200(length: int, accepted: bool) -> None:
    body = _with_employer_name("A" * length)
    if accepted:
        assert len(_submitted(body).data.employer.name) == length
    else:
        assert _refused_at(_submitted, body) == ["/data/employer/name"]


def test_length_is_counted_after_nfc_normalisation() -> None:
    name = "e\u0301" * 200
    assert _submitted(_with_employer_name(name)).data.employer.name == "\u00e9" * 200


@pytest.mark.parametrize(("length", "accepted"), [(2000, True), (2001, False)])
def test_reason_text_length_is_bounded_at_2000(length: int, accepted: bool) -> None:
    body = _decision()
    body["data"]["reasons"][0]["text"] = "a" * length
    if accepted:
        assert len(_decided(body).data.reasons[0].text) == length
    else:
        assert _refused_at(_decided, body) == ["/data/reasons/0/text"]


@pytest.mark.parametrize(("count", "accepted"), [(50, True), (51, False)])
def test_documents_are_bounded_at_50(count: int, accepted: bool) -> None:
    body = _sample()
    body["data"]["documents"] = [body["data"]["documents"][0]] * count
    if accepted:
        assert len(_submitted(body).data.documents) == count
    else:
        assert _refused_at(_submitted, body) == ["/data/documents"]


@pytest.mark.parametrize(("hours", "accepted"), [(48, True), (48.5, False), (0, False)])
def test_weekly_hours_are_above_0_and_at_most_48(hours: float, accepted: bool) -> None:
    body = _sample()
    body["data"]["job"]["contract"]["weekly_hours"] = hours
    if accepted:
        assert _submitted(body).data.job.contract.weekly_hours == hours
    else:
        assert _refused_at(_submitted, body) == ["/data/job/contract/weekly_hours"]


# Events

_EVENT_VALUES: dict[str, Any] = {
    "dossier_number": DOSSIER_NUMBER,
    "submission_id": "4c6fbaca-5983-5769-9366-4b90c0cd432e",
    "message_id": "0fcb2928-cbf9-53a8-bfff-ec88610ed1f2",
    "amqp_message_id": "portal-instance-a-42",
    "type": "fr.gouv.etrangers.work_authorization.submitted",
    "platform": "pf-tulle",
    "from_platform": None,
    "to_platform": "pf-avignon",
    "deadline": date(2027, 1, 20),
    "respond_by": date(2027, 1, 17),
    "valid_from": date(2027, 2, 1),
    "valid_until": date(2028, 1, 31),
    "authorization_number": DOSSIER_NUMBER + "-A1",
    "document_number": DOSSIER_NUMBER + "-A1",
    "sha256": "0" * 64,
    "kind": "authorization",
    "recipient_role": "employer",
    "reason": "mailbox unavailable",
    "rule": {"name": "departement", "departement": "19", "table_version": "2026-11"},
    "errors": [
        {
            "code": "schema",
            "pointer": "/data/job/contract/weekly_hours",
            "message_fr": "Valeur hors limites.",
            "message_en": "Value out of bounds.",
        }
    ],
    "findings": [
        {
            "code": "labour_market_test_missing",
            "legal_basis": "C. trav. R.5221-20",
            "message_fr": "Pas d'offre d'emploi.",
            "message_en": "No job offer.",
        }
    ],
    "requested_documents": [{"kind": "housing_proof", "note": "Bail signé.\nMerci."}],
    "submission": {"procedure": "introduction", "documents": []},
}


def _events() -> list[Event]:
    events: list[Event] = []
    models: tuple[type[Event], ...] = (*EVENT_TYPES, CaseAssigned)
    for model in models:
        values = {name: _EVENT_VALUES[name] for name in model.model_fields}
        events.append(model.model_validate(values))
    return events


@pytest.mark.parametrize("event", _events(), ids=lambda event: event.name)
def test_events_round_trip_through_json(event: Event) -> None:
    assert type(event).model_validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize("event", _events(), ids=lambda event: event.name)
def test_event_envelopes_round_trip_through_json(event: Event) -> None:
    envelope = EventEnvelope(
        id="9b2f5c1e-0000-4000-8000-000000000001",
        type=messages.event_type(event),
        time="2026-11-20T10:00:06+01:00",
        subject=DOSSIER_NUMBER,
        data=event.model_dump(mode="json"),
    )
    again = EventEnvelope.model_validate_json(envelope.model_dump_json())
    assert again == envelope
    assert type(event).model_validate(again.data) == event
    assert again.source == "/permis" and again.type == "fr.permis." + event.name


# Dependencies


def _imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_messages_imports_nothing_from_workers_or_config() -> None:
    package = Path(messages.__file__).parent
    sources = sorted(package.rglob("*.py"))
    assert sources
    for path in sources:
        for module in _imported_modules(path.read_text(encoding="utf-8")):
            top = module.split(".")[0]
            assert top not in {"workers", "config"}, f"{path.name} imports {module}"
