"""The contract as JSON Schema (draft 2020-12) and AsyncAPI 3.0.0, generated from the models.

``permis schema`` writes them to ``messages/schema/``; a unit test checks the committed
files still match the models (CONTRACTS.md §1–§4).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from messages.asyncapi import asyncapi
from messages.catalog import (
    AGENT_MESSAGES,
    PORTAL_MESSAGES,
    SCHEMA_SUFFIX,
    describe,
    schema_file,
    signature_headers,
)
from messages.envelope import _multi_line, _single_line
from messages.events import (
    EVENT_PREFIX,
    EVENT_SOURCE,
    EVENT_TYPES,
    CaseAssigned,
    Event,
    EventEnvelope,
)
from messages.seal import SealPayload

SEAL_PAYLOAD = "fr.permis.seal.payload.v1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_PREFIX = "urn:permis:schema:"
ASYNCAPI_FILE = "asyncapi.json"

# Characters the models refuse (envelope._single_line / _multi_line), for the schemas.
_SINGLE_LINE_FORBIDDEN = r"[\x00-\x1F\x7F]"
_MULTI_LINE_FORBIDDEN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"


class _ContractJsonSchema(GenerateJsonSchema):
    """Pydantic's generator, with the models' control-character rule and no field titles."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        """Leave properties untitled: their name says it."""
        return False

    def function_after_schema(
        self, schema: core_schema.AfterValidatorFunctionSchema
    ) -> JsonSchemaValue:
        """Express the models' text validators as a ``not``/``pattern`` pair."""
        json_schema = super().function_after_schema(schema)
        forbidden = _forbidden_characters(schema["function"].get("function"))
        if forbidden is not None and json_schema.get("type") == "string":
            json_schema = {**json_schema, "not": {"pattern": forbidden}}
        return json_schema


def _forbidden_characters(function: Any) -> str | None:
    if function is _single_line:
        return _SINGLE_LINE_FORBIDDEN
    if function is _multi_line:
        return _MULTI_LINE_FORBIDDEN
    return None


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(schema_generator=_ContractJsonSchema)


def _document(message_type: str, schema: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    identified = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + schema_file(message_type),
        "title": model.__name__,
        "description": describe(model),
    }
    return {**schema, **identified}


def _external_schemas() -> dict[str, dict[str, Any]]:
    schemas: dict[str, dict[str, Any]] = {}
    for message_type, model in {**PORTAL_MESSAGES, **AGENT_MESSAGES}.items():
        schemas[schema_file(message_type)] = _document(message_type, _model_schema(model), model)
    for message_type in AGENT_MESSAGES:
        schemas[schema_file(message_type)]["x-amqp-headers"] = signature_headers()
    return schemas


def pipeline_events() -> tuple[type[Event], ...]:
    """Every event the pipeline publishes: those of ``permis.events``, then the case file."""
    return (*EVENT_TYPES, CaseAssigned)


def _event_envelope(event: type[Event]) -> dict[str, Any]:
    envelope = _model_schema(EventEnvelope)
    data = _model_schema(event)
    definitions = {**envelope.pop("$defs", {}), **data.pop("$defs", {})}
    properties = envelope["properties"]
    properties["type"] = {"type": "string", "const": EVENT_PREFIX + event.name}
    properties["source"] = {"type": "string", "const": EVENT_SOURCE}
    properties["data"] = data
    mandatory = {"specversion", "id", "source", "type", "time", "data"}
    required = set(envelope.get("required", [])) | mandatory
    envelope["required"] = [name for name in properties if name in required]
    if definitions:
        envelope["$defs"] = dict(sorted(definitions.items()))
    return _document(EVENT_PREFIX + event.name, envelope, event)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every message of the contract: file name → its JSON Schema (draft 2020-12).

    With them, the payload of the authorization's seal code (§7), which is no bus message.
    """
    schemas = _external_schemas()
    for event in pipeline_events():
        schemas[schema_file(EVENT_PREFIX + event.name)] = _event_envelope(event)
    schemas[schema_file(SEAL_PAYLOAD)] = _document(
        SEAL_PAYLOAD, _model_schema(SealPayload), SealPayload
    )
    return dict(sorted(schemas.items()))


def _render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    """Every generated file's name and exact text: the schemas and ``asyncapi.json``."""
    files = {name: _render(schema) for name, schema in json_schemas().items()}
    files[ASYNCAPI_FILE] = _render(asyncapi())
    return files


def write_schema(directory: Path) -> list[Path]:
    """Write every generated file into ``directory`` and remove stale ``*.json`` files."""
    files = rendered()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, content in sorted(files.items()):
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def check_schema(directory: Path) -> list[str]:
    """Names of the files in ``directory`` that differ, are missing or are stale."""
    files = rendered()
    present = {path.name: path for path in directory.glob("*.json")}
    names = set(files) | set(present)
    return sorted(name for name in names if _differs(present.get(name), files.get(name)))


def _differs(path: Path | None, expected: str | None) -> bool:
    if path is None or expected is None:
        return True
    return path.read_text(encoding="utf-8") != expected


__all__ = [
    "AGENT_MESSAGES",
    "ASYNCAPI_FILE",
    "PORTAL_MESSAGES",
    "SCHEMA_SUFFIX",
    "asyncapi",
    "check_schema",
    "json_schemas",
    "pipeline_events",
    "rendered",
    "schema_file",
    "write_schema",
]
