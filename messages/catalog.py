"""The contract's catalogue: the model of each external message type, and its schema file.

Shared by the JSON Schema (``messages.schema``) and AsyncAPI (``messages.asyncapi``) builders.
"""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import BaseModel

from messages.agents import (
    DECIDED,
    SIGNATURE_HEADER,
    SIGNATURE_KEY_HEADER,
    TRANSFERRED,
    Decided,
    Transferred,
)
from messages.portal import (
    DOCUMENTS_SUPPLIED,
    SUBMITTED,
    WITHDRAWN,
    DocumentsSupplied,
    Submitted,
    Withdrawn,
)

SCHEMA_SUFFIX = ".schema.json"

PORTAL_MESSAGES: dict[str, type[BaseModel]] = {
    SUBMITTED: Submitted,
    DOCUMENTS_SUPPLIED: DocumentsSupplied,
    WITHDRAWN: Withdrawn,
}
AGENT_MESSAGES: dict[str, type[BaseModel]] = {DECIDED: Decided, TRANSFERRED: Transferred}


def schema_file(message_type: str) -> str:
    """The file name of the JSON Schema of a CloudEvent ``type``."""
    return message_type + SCHEMA_SUFFIX


def describe(model: type[BaseModel]) -> str:
    """A model's docstring, dedented: the description of its message."""
    return inspect.cleandoc(model.__doc__ or "")


def signature_headers() -> dict[str, Any]:
    """The JSON Schema of the AMQP headers that sign every agents' message."""
    return {
        "type": "object",
        "description": "AMQP headers of every message on permis.decisions (CONTRACTS.md §3.3).",
        "required": [SIGNATURE_KEY_HEADER, SIGNATURE_HEADER],
        "properties": {
            SIGNATURE_KEY_HEADER: {
                "type": "string",
                "description": "Id of the signing key in PERMIS_DECISION_KEYS; "
                "its platform must be data.platform.",
            },
            SIGNATURE_HEADER: {
                "type": "string",
                "contentEncoding": "base64",
                "description": "Base64 of the Ed25519 signature of the exact body bytes.",
            },
        },
    }
