"""A message's fingerprint, to tell a redelivery (same content) from a conflict (same id)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785


def canonical_digest(envelope: dict[str, Any]) -> str:
    """SHA-256 of the message's canonical JSON (RFC 8785)."""
    try:
        canonical = rfc8785.dumps(envelope)
    except rfc8785.CanonicalizationError:
        # Numbers RFC 8785 cannot represent (huge integers): a stable fallback still compares.
        canonical = json.dumps(envelope, sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()
