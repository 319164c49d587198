"""What ingress checks before a message may enter the pipeline: size, encoding, envelope.

Plain functions over the body's bytes; the pika consumer and the embedded demo both
call them. Everything past the envelope (type, schema, rules) is the stages' work.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from messages.common import Error
from messages.envelope import MAX_BODY_BYTES
from workers.intake.texts import malformed_texts

ENVELOPE_STRINGS = ("specversion", "id", "source", "type")
MAX_DEPTH = 64
"""The contract's deepest field is six levels down; anything far deeper is not a message."""
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
    digest: str

    def error(self) -> Error:
        texts = malformed_texts(self.reason)
        return Error(code="malformed", detail=self.reason, message_fr=texts.fr, message_en=texts.en)


def admit(body: bytes) -> Admitted | Refused:
    """Admit a body that is at most 512 KiB of UTF-8 JSON holding a CloudEvent 1.0 object."""
    digest = hashlib.sha256(body).hexdigest()
    if len(body) > MAX_BODY_BYTES:
        return Refused("too_large", None, None, digest)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refused("not_utf8", None, None, digest)
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return Refused("not_json", None, None, digest)
    shape_problem = _shape_problem(parsed)
    if shape_problem is not None:
        return Refused(shape_problem, _string(parsed, "id"), _string(parsed, "type"), digest)
    if not _is_cloudevent(parsed):
        return Refused("not_cloudevent", _string(parsed, "id"), _string(parsed, "type"), digest)
    return Admitted(text, parsed)


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
