"""Who signed an agents' message, and may they (CONTRACTS.md §3.3).

The pipeline holds public keys only, in the JSON file named by ``PERMIS_DECISION_KEYS``:
``{"<key id>": {"platform": …, "public_key": "<base64 of 32 raw bytes>", "revoked_at"?: …}}``.
``KeyRegistry`` re-reads that file when it changes; ``verify`` gives the first
refusal code of §3.4 that a message's signature earns, or none.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, get_args

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from messages.agents import SIGNATURE_HEADER, SIGNATURE_KEY_HEADER
from messages.common import PlatformId

log = logging.getLogger(__name__)

PLATFORMS = frozenset(get_args(PlatformId))
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


class KeyFileError(ValueError):
    """The decision keys file is not JSON or one of its keys is unusable (its id says which)."""


@dataclass(frozen=True)
class KeyRecord:
    """A platform's public key for decisions, and when it stopped being trusted."""

    key_id: str
    platform: str
    public_key: Ed25519PublicKey
    revoked_at: datetime | None = None

    def revoked_for(self, message_time: datetime | None) -> bool:
        """Tell whether the key is revoked for a message of that time (unknown: if ever revoked)."""
        if self.revoked_at is None:
            return False
        return message_time is None or message_time >= self.revoked_at


@dataclass(frozen=True)
class SignatureVerdict:
    """A signature refusal code (None when fine), the known key id, and the verified platform."""

    code: str | None
    key_id: str | None = None
    platform: str | None = None


class KeyLookup(Protocol):
    """Finds a key by its id: a ``KeyRegistry``, or a plain dict in tests."""

    def get(self, key_id: str, /) -> KeyRecord | None:
        """The key named ``key_id``, or None."""
        ...


# --- the keys file ------------------------------------------------------------------------


def parse_keys(text: str) -> dict[str, KeyRecord]:
    """The keys of a §3.3 keys file; raises ``KeyFileError`` naming the first bad key."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise KeyFileError(f"the keys file is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise KeyFileError("the keys file is not a JSON object")
    return {key_id: _record(key_id, entry) for key_id, entry in document.items()}


def _record(key_id: str, entry: Any) -> KeyRecord:
    if not key_id:
        raise KeyFileError("a key has an empty id")
    if not isinstance(entry, dict):
        raise KeyFileError(f"key {key_id!r}: not an object")
    platform = entry.get("platform")
    if not isinstance(platform, str) or platform not in PLATFORMS:
        raise KeyFileError(f"key {key_id!r}: platform is not one of the platform ids of §5")
    return KeyRecord(
        key_id=key_id,
        platform=platform,
        public_key=_public_key(key_id, entry.get("public_key")),
        revoked_at=_revoked_at(key_id, entry.get("revoked_at")),
    )


def _public_key(key_id: str, value: Any) -> Ed25519PublicKey:
    raw = _b64decode(value) if isinstance(value, str) else None
    if raw is None or len(raw) != PUBLIC_KEY_BYTES:
        raise KeyFileError(f"key {key_id!r}: public_key is not base64 of exactly 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def _revoked_at(key_id: str, value: Any) -> datetime | None:
    if value is None:
        return None
    instant = parse_instant(value) if isinstance(value, str) else None
    if instant is None:
        raise KeyFileError(f"key {key_id!r}: revoked_at is not an RFC 3339 instant with offset")
    return instant


def parse_instant(text: str) -> datetime | None:
    """An RFC 3339 instant with its offset, or None when ``text`` is not one."""
    if not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError:  # e.g. month 13
        return None


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def public_key_text(key: Ed25519PublicKey) -> str:
    """The base64 of a public key's 32 raw bytes, as the keys file holds it."""
    return base64.b64encode(key.public_bytes_raw()).decode("ascii")


# --- the registry -------------------------------------------------------------------------


class KeyRegistry:
    """The trusted keys of a keys file, re-read when the file changes (at most every recheck_s)."""

    def __init__(
        self,
        path: Path,
        clock: Callable[[], float] = time.monotonic,
        recheck_s: float = 2.0,
    ) -> None:
        self._path = Path(path)
        self._clock = clock
        self._recheck_s = recheck_s
        self._lock = threading.Lock()
        self._keys: dict[str, KeyRecord] = {}
        self._stamp: tuple[int, ...] | None = None
        self._checked_at = clock()
        self._reload()

    def get(self, key_id: str, /) -> KeyRecord | None:
        """The key named ``key_id`` as the file says now (within recheck_s), or None."""
        return self.keys().get(key_id)

    def keys(self) -> Mapping[str, KeyRecord]:
        """Every trusted key, after re-reading the file if it changed."""
        with self._lock:
            now = self._clock()
            if now - self._checked_at >= self._recheck_s:
                self._checked_at = now
                self._reload()
            return MappingProxyType(self._keys)

    def _reload(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        if stamp is None:
            log.warning(
                "decision keys file %s is missing; keeping %d keys", self._path, len(self._keys)
            )
            return
        try:
            self._keys = parse_keys(self._path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, KeyFileError) as exc:
            # KeyFileError names key ids and problems only, never the key material.
            log.warning(
                "decision keys file %s unusable (%s); keeping %d keys",
                self._path,
                exc,
                len(self._keys),
            )
            return
        log.info("decision keys file %s loaded: %d keys", self._path, len(self._keys))

    def _file_stamp(self) -> tuple[int, ...] | None:
        try:
            st = os.stat(self._path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


# --- verifying and signing -----------------------------------------------------------------


def verify(
    body: bytes,
    headers: Mapping[str, Any] | None,
    message_time: datetime | None,
    registry: KeyLookup,
) -> SignatureVerdict:
    """The first of §3.4's signature codes that applies to the message, or a verified platform."""
    key_id = _header(headers, SIGNATURE_KEY_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not key_id or not signature:
        return SignatureVerdict("signature_missing")
    key = registry.get(key_id)
    if key is None:
        return SignatureVerdict("key_unknown")  # the id is untrusted text: not echoed
    if key.revoked_for(message_time):
        return SignatureVerdict("key_revoked", key_id)
    if not _verifies(key.public_key, body, signature):
        return SignatureVerdict("signature_invalid", key_id)
    return SignatureVerdict(None, key_id, key.platform)


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A header's text; bytes that are not UTF-8 or values of other types give ``"\\0"``."""
    value = (headers or {}).get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return "\0"  # present but unreadable: names no key, verifies nothing
    return "\0"


def _verifies(key: Ed25519PublicKey, body: bytes, signature: str) -> bool:
    raw = _b64decode(signature)
    if raw is None or len(raw) != SIGNATURE_BYTES:
        return False
    try:
        key.verify(raw, body)
    except InvalidSignature:
        return False
    return True


def sign(body: bytes, private_key: Ed25519PrivateKey) -> str:
    """The ``signature`` header of ``body``: base64 of its Ed25519 signature."""
    return base64.b64encode(private_key.sign(body)).decode("ascii")


def message_time(envelope: Mapping[str, Any]) -> datetime | None:
    """The message's ``time`` when it is an RFC 3339 instant with offset, else None."""
    value = envelope.get("time")
    return parse_instant(value) if isinstance(value, str) else None
