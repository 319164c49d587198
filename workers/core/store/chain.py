"""The dossier history's hash chain: each row seals its content and the row before it.

A row holds ids, codes and dates only, so erasing a dossier's personal data leaves the
chain whole; editing, inserting or deleting a row breaks it from that row on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

GENESIS_HASH = "0" * 64
SEALED = ("dossier_number", "seq", "at", "actor", "from_state", "to_state", "reason", "message_id")


def utc_iso(at: datetime) -> str:
    """An instant as UTC ISO 8601, naive values (SQLite hands them back so) taken as UTC."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def sealed(row: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a history row the hash covers, in its canonical form."""
    entry = {key: row[key] for key in SEALED}
    if isinstance(entry["at"], datetime):
        entry["at"] = utc_iso(entry["at"])
    return entry


def history_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """The chain link: SHA-256 over the previous hash and the entry's canonical JSON."""
    payload = json.dumps(entry, sort_keys=True, separators=(",", ":"), default=_iso)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def verify_chain(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """What is wrong with a dossier's history, row by row; empty when the chain holds."""
    problems = []
    previous = GENESIS_HASH
    for expected_seq, row in enumerate(rows, start=1):
        if row["seq"] != expected_seq:
            problems.append(f"row {row['seq']}: expected row {expected_seq} (a row is missing)")
        if row["prev_hash"] != previous:
            problems.append(f"row {row['seq']}: does not follow the row before it")
        if row["hash"] != history_hash(row["prev_hash"], sealed(row)):
            problems.append(f"row {row['seq']}: its content was changed after it was written")
        previous = row["hash"]
    return problems


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
