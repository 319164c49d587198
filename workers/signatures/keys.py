"""Platforms' decision keys for development and demos: ``permis keys generate`` (§3.3, §9).

Per platform a private key ``<platform>.ed25519.pem`` (mode 0600), and one public
``decision-keys.json`` in the §3.3 format for ``PERMIS_DECISION_KEYS``. An existing
private key is never overwritten: it is reused under the key id the JSON already gives it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from workers.core.keyfiles import write_private_key
from workers.signatures.verify import PLATFORMS, KeyFileError, parse_keys, public_key_text

KEYS_FILE = "decision-keys.json"
PRIVATE_KEY_SUFFIX = ".ed25519.pem"


@dataclass(frozen=True)
class KeysWritten:
    """What ``generate_keys`` left in the directory: the keys file, each private key, each id."""

    keys_file: Path
    private_keys: Mapping[str, Path]
    key_ids: Mapping[str, str]
    created: frozenset[str]


def private_key_path(directory: Path, platform: str) -> Path:
    """Where a platform's private key lives in ``directory``."""
    return Path(directory) / f"{platform}{PRIVATE_KEY_SUFFIX}"


def generate_keys(
    directory: Path, platforms: Iterable[str], *, today: date | None = None
) -> KeysWritten:
    """Make (or reuse) each platform's key pair and write the public keys file."""
    wanted = list(dict.fromkeys(platforms))
    unknown = [p for p in wanted if p not in PLATFORMS]
    if unknown:
        raise ValueError(f"unknown platform ids: {', '.join(sorted(unknown))}")
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    entries = _read_entries(directory / KEYS_FILE)
    before = json.dumps(entries, sort_keys=True)
    day = today or datetime.now(UTC).date()
    key_ids: dict[str, str] = {}
    created: set[str] = set()
    for platform in wanted:
        path = private_key_path(directory, platform)
        if not path.exists():
            write_private_key(path, Ed25519PrivateKey.generate())
            created.add(platform)
        key_ids[platform] = _entry_for(entries, platform, load_private_key(path), day)
    if json.dumps(entries, sort_keys=True) != before or not (directory / KEYS_FILE).exists():
        _write_json(directory / KEYS_FILE, entries)  # unchanged: leave it, no needless reload
    paths = {p: private_key_path(directory, p) for p in wanted}
    return KeysWritten(directory / KEYS_FILE, paths, key_ids, frozenset(created))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of an unencrypted PEM file."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{Path(path).name}: not an Ed25519 private key")
    return key


def private_key_for(directory: Path, platform: str) -> tuple[str, Ed25519PrivateKey]:
    """A platform's key id and private key, as ``generate_keys`` left them in ``directory``."""
    key = load_private_key(private_key_path(directory, platform))
    public = public_key_text(key.public_key())
    keys = parse_keys((Path(directory) / KEYS_FILE).read_text(encoding="utf-8"))
    for record in keys.values():
        if record.platform == platform and public_key_text(record.public_key) == public:
            return record.key_id, key
    raise KeyFileError(f"{platform}: its private key has no entry in {KEYS_FILE}")


def _read_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The keys file's entries as JSON; an invalid file is an error, never overwritten."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    parse_keys(text)  # raises KeyFileError rather than let us clobber a broken file
    entries: dict[str, dict[str, Any]] = json.loads(text)
    return entries


def _entry_for(
    entries: dict[str, dict[str, Any]], platform: str, key: Ed25519PrivateKey, day: date
) -> str:
    """The key id of ``key`` in ``entries``, adding a new unrevoked entry when it has none."""
    public = public_key_text(key.public_key())
    for key_id, entry in entries.items():
        if entry.get("platform") == platform and entry.get("public_key") == public:
            return key_id
    key_id = _new_key_id(platform, day, entries)
    entries[key_id] = {"platform": platform, "public_key": public}
    return key_id


def _new_key_id(platform: str, day: date, taken: Mapping[str, Any]) -> str:
    while True:
        key_id = f"{platform}-{day:%Y%m%d}-{secrets.token_hex(2)}"
        if key_id not in taken:
            return key_id


def _write_json(path: Path, entries: Mapping[str, Any]) -> None:
    """Replace the keys file atomically, so a registry never reads half of it."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
