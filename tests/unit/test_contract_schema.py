"""The published JSON Schemas and AsyncAPI document match the models and CONTRACTS.md §1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from messages import schema
from messages.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "messages" / "schema"
SAMPLES = ROOT / "messages" / "samples"
SUBMISSIONS = sorted((SAMPLES / "submissions").glob("*.json"))
DECISIONS = sorted((SAMPLES / "decisions").glob("*.json"))
SCHEMA_INVALID = "25-rejected-schema-weekly-hours.json"
SUBMITTED_SCHEMA = "fr.gouv.etrangers.work_authorization.submitted.schema.json"
DECIDED_SCHEMA = "fr.gouv.etrangers.work_authorization.decided.schema.json"
EXCHANGES = ("permis.submissions", "permis.decisions", "permis.events", "permis.cases")
QUEUES = (
    "portal.submissions",
    "agents.decisions",
    "portal.submissions.rejected",
    "agents.decisions.rejected",
)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _schema(name: str) -> dict[str, Any]:
    return _load(SCHEMA_DIR / name)


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(name))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _amqp_names(document: dict[str, Any]) -> set[str]:
    names = set()
    for channel in document["channels"].values():
        amqp = channel["bindings"]["amqp"]
        names.add(amqp.get("exchange", amqp.get("queue", {})).get("name"))
    return names


def _schema_files() -> list[str]:
    return sorted(path.name for path in SCHEMA_DIR.glob("*.schema.json"))


def test_committed_schema_files_match_the_models() -> None:
    stale = schema.check_schema(SCHEMA_DIR)
    assert not stale, f"messages/schema/ is out of date ({stale}): run `permis schema`"


def test_every_message_of_the_contract_has_a_schema() -> None:
    names = set(schema.json_schemas())
    expected = {
        f"fr.gouv.etrangers.work_authorization.{kind}.schema.json"
        for kind in ("submitted", "documents_supplied", "withdrawn", "decided", "transferred")
    }
    expected |= {f"fr.permis.{event.name}.schema.json" for event in EVENT_TYPES}
    expected.add("fr.permis.case.assigned.schema.json")
    expected.add("fr.permis.seal.payload.v1.schema.json")  # §7, what the QR code carries
    assert names == expected


def test_schemas_are_draft_2020_12_with_id_title_and_description() -> None:
    for name, document in schema.json_schemas().items():
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["$id"].endswith(name)
        assert document["title"] and document["description"]


def test_pipeline_events_are_cloudevents_of_their_type_from_permis() -> None:
    for event in schema.pipeline_events():
        document = _schema(f"fr.permis.{event.name}.schema.json")
        assert document["properties"]["type"]["const"] == f"fr.permis.{event.name}"
        assert document["properties"]["source"]["const"] == "/permis"
        assert {"specversion", "id", "source", "type", "time", "data"} <= set(document["required"])


def test_agents_schemas_describe_the_signature_headers() -> None:
    for kind in ("decided", "transferred"):
        document = _schema(f"fr.gouv.etrangers.work_authorization.{kind}.schema.json")
        headers = document["x-amqp-headers"]["properties"]
        assert {"signature-key-id", "signature"} <= set(headers)
        assert "Ed25519" in headers["signature"]["description"]


def test_asyncapi_names_the_exchanges_and_queues_of_the_contract() -> None:
    document = _schema(schema.ASYNCAPI_FILE)
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "Permis"
    assert set(EXCHANGES) | set(QUEUES) <= _amqp_names(document)


def test_asyncapi_exchanges_are_durable_and_not_auto_deleted() -> None:
    for channel in _schema(schema.ASYNCAPI_FILE)["channels"].values():
        amqp = channel["bindings"]["amqp"]
        declared = amqp["exchange"] if amqp["is"] == "routingKey" else amqp["queue"]
        assert declared["durable"] is True and declared["autoDelete"] is False
        assert declared["vhost"] == "/"


def test_asyncapi_events_channel_is_keyed_by_event_and_platform() -> None:
    channels = _schema(schema.ASYNCAPI_FILE)["channels"]
    assert channels["events"]["address"] == "{event}.{platform}"
    assert set(channels["events"]["parameters"]) == {"event", "platform"}
    assert "none" in channels["events"]["parameters"]["platform"]["enum"]
    assert channels["cases"]["address"] == "{platform}"


def test_every_ref_points_to_an_existing_target() -> None:
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        document = _load(path)
        for ref in _refs(document):
            target, _, pointer = ref.partition("#")
            if target:
                assert (SCHEMA_DIR / target).is_file(), f"{path.name}: {ref} names no file"
                _resolve(_load(SCHEMA_DIR / target), pointer)
            else:
                _resolve(document, pointer)


def test_asyncapi_messages_reference_the_json_schemas() -> None:
    messages = _schema(schema.ASYNCAPI_FILE)["components"]["messages"]
    payloads = {m["payload"]["$ref"] for m in messages.values() if "$ref" in m["payload"]}
    on_the_bus = {
        name for name in _schema_files() if name != schema.schema_file(schema.SEAL_PAYLOAD)
    }
    assert payloads == {"./" + name for name in on_the_bus}
    for message in messages.values():
        if "$ref" in message["payload"]:
            assert message["contentType"] == "application/cloudevents+json"


@pytest.mark.parametrize("name", _schema_files())
def test_every_schema_is_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(_schema(name))


@pytest.mark.parametrize("sample", SUBMISSIONS, ids=lambda path: path.name)
def test_sample_submissions_are_schema_valid_unless_rejected_for_schema(sample: Path) -> None:
    errors = list(_validator(SUBMITTED_SCHEMA).iter_errors(_load(sample)))
    if sample.name == SCHEMA_INVALID:
        assert [list(error.absolute_path) for error in errors] == [
            ["data", "job", "contract", "weekly_hours"]
        ]
    else:
        assert errors == []


@pytest.mark.parametrize("sample", DECISIONS, ids=lambda path: path.name)
def test_sample_decisions_are_schema_valid(sample: Path) -> None:
    body = sample.read_text(encoding="utf-8").replace("<DOSSIER_NUMBER>", "AT26-0000042-2")
    assert list(_validator(DECIDED_SCHEMA).iter_errors(json.loads(body))) == []


def test_submitted_schema_tolerates_unknown_fields() -> None:
    body = _load(SUBMISSIONS[0])
    body["x_extension"] = 1
    body["data"]["employer"]["address"]["x_extension"] = "kept out"
    assert list(_validator(SUBMITTED_SCHEMA).iter_errors(body)) == []


@pytest.mark.parametrize("value", ["Acme\x00", "Acme\r\nSAS", "Acme\x7f"])
def test_submitted_schema_refuses_control_characters_in_single_line_strings(value: str) -> None:
    body = _load(SUBMISSIONS[0])
    body["data"]["employer"]["name"] = value
    assert not _validator(SUBMITTED_SCHEMA).is_valid(body)


def test_submitted_schema_refuses_a_string_for_a_number() -> None:
    body = _load(SUBMISSIONS[0])
    body["data"]["job"]["contract"]["weekly_hours"] = "35"
    assert not _validator(SUBMITTED_SCHEMA).is_valid(body)


def test_write_schema_removes_stale_files_and_check_reports_them(tmp_path: Path) -> None:
    (tmp_path / "old.schema.json").write_text("{}\n", encoding="utf-8")
    written = schema.write_schema(tmp_path)
    assert schema.check_schema(tmp_path) == []
    assert not (tmp_path / "old.schema.json").exists()
    assert {path.name for path in written} == set(schema.rendered())
    (tmp_path / SUBMITTED_SCHEMA).write_text("{}\n", encoding="utf-8")
    (tmp_path / schema.ASYNCAPI_FILE).unlink()
    (tmp_path / "extra.json").write_text("{}\n", encoding="utf-8")
    expected = sorted([SUBMITTED_SCHEMA, schema.ASYNCAPI_FILE, "extra.json"])
    assert schema.check_schema(tmp_path) == expected


def test_generation_is_deterministic() -> None:
    assert schema.rendered() == schema.rendered()
