"""What ingress checks before a message may enter the pipeline: size, encoding, envelope.

Plain functions over the body's bytes; the pika consumer and the embedded demo both
call them. Everything past the envelope (type, schema, rules) is the stages' work.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from messages.common import Error
from messages.envelope import MAX_BODY_BYTES
from workers.law.errors import malformed_error

ENVELOPE_STRINGS = ("specversion", "id", "source", "type")
MAX_DEPTH = 64
"""The contract's deepest field is six levels down; anything far deeper is not a message."""
# What RabbitMQ adds to a message it delivers again (quorum queues), dead-letters or
# receives through a shovel or federation: not the sender's.
BROKER_HEADERS = frozenset({"x-delivery-count", "x-death", "x-received-from"})
BROKER_HEADER_PREFIXES = ("x-first-death-", "x-last-death-")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Admitted:
    """A body that is a CloudEvent in structured JSON mode, as text and parsed."""

    text: str
    envelope: dict[str, Any]

    @property
    def source(self) -> str:
        return str(self.envelope["source"])

    @property
    def id(self) -> str:
        return str(self.envelope["id"])


@dataclass(frozen=True)
class Refused:
    """A body refused as ``malformed``, with what could still be read of it."""

    reason: str
    message_id: str | None
    type: str | None

    def error(self) -> Error:
        return malformed_error(self.reason)


def admit(body: bytes) -> Admitted | Refused:
    """Admit a body that is at most 512 KiB of UTF-8 JSON holding a CloudEvent 1.0 object."""
    if len(body) > MAX_BODY_BYTES:
        return Refused("too_large", None, None)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refused("not_utf8", None, None)
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return Refused("not_json", None, None)
    shape_problem = _shape_problem(parsed)
    if shape_problem is not None:
        return Refused(shape_problem, _string(parsed, "id"), _string(parsed, "type"))
    if not _is_cloudevent(parsed):
        return Refused("not_cloudevent", _string(parsed, "id"), _string(parsed, "type"))
    return Admitted(text, parsed)


def delivery_identity(
    body: bytes, headers: Mapping[str, Any], properties: Mapping[str, Any]
) -> str:
    """What tells one delivery from another, the same across its redeliveries.

    The sender's AMQP ``message_id`` when it set one; else a digest of all it sent: the
    body, its other properties (timestamp, app id…) and its headers, less those the broker
    adds when it delivers again or dead-letters. Two messages alike in every byte and
    property cannot be told apart; CONTRACTS.md §1 asks senders for a message-id.
    """
    message_id = sender_message_id(properties)
    if message_id is not None:
        return f"message-id:{message_id}"
    sent = {
        "properties": {k: v for k, v in properties.items() if v not in (None, "")},
        "headers": {k: v for k, v in headers.items() if not _added_by_broker(k)},
    }
    digest = hashlib.sha256(body)
    digest.update(json.dumps(sent, sort_keys=True, default=str).encode())
    return f"sent:{digest.hexdigest()}"


def sender_message_id(properties: Mapping[str, Any]) -> str | None:
    """The AMQP ``message_id`` the sender set, if it set a non-empty one."""
    message_id = properties.get("message_id")
    return message_id if isinstance(message_id, str) and message_id else None


def _added_by_broker(header: str) -> bool:
    return header in BROKER_HEADERS or header.startswith(BROKER_HEADER_PREFIXES)


def _shape_problem(parsed: Any) -> str | None:
    """``too_deep`` past MAX_DEPTH levels, ``invalid_unicode`` for a lone surrogate (I-JSON)."""
    stack: list[tuple[Any, int]] = [(parsed, 0)]
    while stack:  # iterative: the check must not itself exhaust the call stack
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "too_deep"
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return "invalid_unicode"
        elif isinstance(node, dict):
            stack.extend((key, depth + 1) for key in node)
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
    return None


def _is_cloudevent(parsed: Any) -> bool:
    if not isinstance(parsed, dict) or parsed.get("specversion") != "1.0":
        return False
    return all(isinstance(parsed.get(k), str) and parsed[k] for k in ENVELOPE_STRINGS)


def _string(parsed: Any, key: str) -> str | None:
    value = parsed.get(key) if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
