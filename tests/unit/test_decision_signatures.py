"""Agents' message signatures and the decision keys file (CONTRACTS.md §3.3, §3.4)."""

from __future__ import annotations

import base64
import json
import logging
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from messages.agents import SIGNATURE_HEADER, SIGNATURE_KEY_HEADER
from workers.signatures.verify import (
    KeyFileError,
    KeyRecord,
    KeyRegistry,
    SignatureVerdict,
    message_time,
    parse_instant,
    parse_keys,
    public_key_text,
    sign,
    verify,
)

BODY = b'{"specversion":"1.0","type":"fr.gouv.etrangers.work_authorization.decided"}'
TIME = datetime(2026, 12, 9, 11, 20, 3, tzinfo=timezone(timedelta(hours=1)))
KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()


def record(key_id: str = "k1", platform: str = "pf-tulle", **kw: Any) -> KeyRecord:
    return KeyRecord(key_id, platform, kw.pop("public_key", KEY.public_key()), **kw)


def headers(key_id: Any = "k1", signature: Any = None) -> dict[str, Any]:
    return {
        SIGNATURE_KEY_HEADER: key_id,
        SIGNATURE_HEADER: sign(BODY, KEY) if signature is None else signature,
    }


def entry(key: Ed25519PrivateKey = KEY, platform: str = "pf-tulle", **kw: Any) -> dict[str, Any]:
    return {"platform": platform, "public_key": public_key_text(key.public_key()), **kw}


# --- verify ----------------------------------------------------------------------------------


def test_a_good_signature_names_the_keys_platform() -> None:
    verdict = verify(BODY, headers(), TIME, {"k1": record()})
    assert verdict == SignatureVerdict(None, "k1", "pf-tulle")


def test_bytes_headers_are_read_like_text() -> None:
    raw = {k: v.encode("ascii") for k, v in headers().items()}
    assert verify(BODY, raw, TIME, {"k1": record()}).platform == "pf-tulle"


@pytest.mark.parametrize(
    "hdrs",
    [
        None,
        {},
        {SIGNATURE_HEADER: sign(BODY, KEY)},
        {SIGNATURE_KEY_HEADER: "k1"},
        {SIGNATURE_KEY_HEADER: "", SIGNATURE_HEADER: sign(BODY, KEY)},
        {SIGNATURE_KEY_HEADER: "k1", SIGNATURE_HEADER: b""},
    ],
    ids=["no-headers", "empty", "no-key-id", "no-signature", "empty-key-id", "empty-signature"],
)
def test_an_absent_or_empty_header_is_signature_missing(hdrs: dict[str, Any] | None) -> None:
    assert verify(BODY, hdrs, TIME, {"k1": record()}) == SignatureVerdict("signature_missing")


@pytest.mark.parametrize("key_id", ["k2", b"\xff\xfe", 42])
def test_a_key_id_not_in_the_file_is_key_unknown(key_id: Any) -> None:
    verdict = verify(BODY, headers(key_id), TIME, {"k1": record()})
    assert verdict == SignatureVerdict("key_unknown")  # an untrusted id is never echoed


def test_key_unknown_comes_before_a_bad_signature() -> None:
    assert verify(BODY, headers("k2", "!!"), TIME, {}).code == "key_unknown"


@pytest.mark.parametrize(
    ("time", "code"),
    [
        (TIME, "key_revoked"),  # exactly at revoked_at
        (TIME + timedelta(days=1), "key_revoked"),
        (TIME - timedelta(seconds=1), None),
        (None, "key_revoked"),  # time unknown: a key ever revoked is revoked
    ],
)
def test_a_key_is_revoked_at_and_after_revoked_at(time: datetime | None, code: str | None) -> None:
    keys = {"k1": record(revoked_at=TIME.astimezone(UTC))}
    verdict = verify(BODY, headers(), time, keys)
    assert verdict.code == code
    assert verdict.platform == (None if code else "pf-tulle")


def test_an_unrevoked_key_verifies_when_the_time_is_unknown() -> None:
    assert verify(BODY, headers(), None, {"k1": record()}).code is None


def test_key_revoked_comes_before_a_bad_signature() -> None:
    verdict = verify(BODY, headers(signature="!!"), TIME, {"k1": record(revoked_at=TIME)})
    assert verdict == SignatureVerdict("key_revoked", "k1")


def test_a_body_changed_by_one_byte_is_signature_invalid() -> None:
    changed = BODY[:-2] + b"!" + BODY[-1:]
    assert verify(changed, headers(), TIME, {"k1": record()}) == SignatureVerdict(
        "signature_invalid", "k1"
    )


@pytest.mark.parametrize(
    "signature",
    [
        "not base64!",
        base64.b64encode(b"short").decode(),
        sign(BODY, OTHER_KEY),
        sign(BODY, KEY)[:-2],  # padding lost
        b"\xff" * 88,
        12345,
    ],
    ids=["not-base64", "too-short", "other-key", "truncated", "bytes-not-utf8", "not-text"],
)
def test_a_signature_that_does_not_verify_is_signature_invalid(signature: Any) -> None:
    verdict = verify(BODY, headers(signature=signature), TIME, {"k1": record()})
    assert verdict == SignatureVerdict("signature_invalid", "k1")


def test_sign_gives_base64_of_64_bytes() -> None:
    assert len(base64.b64decode(sign(BODY, KEY), validate=True)) == 64


@pytest.mark.parametrize(
    ("envelope", "expected"),
    [
        ({"time": "2026-12-09T11:20:03+01:00"}, TIME),
        ({"time": "2026-12-09T10:20:03Z"}, TIME),
        ({"time": "2026-12-09T10:20:03"}, None),
        ({"time": "2026-12-09"}, None),
        ({"time": 1765275603}, None),
        ({}, None),
    ],
)
def test_message_time_reads_an_instant_with_offset(
    envelope: dict[str, Any], expected: datetime | None
) -> None:
    assert message_time(envelope) == expected


# --- the keys file -----------------------------------------------------------------------


def test_parse_keys_reads_platform_key_and_revocation() -> None:
    text = json.dumps(
        {"a": entry(), "b": entry(OTHER_KEY, "pf-cayenne", revoked_at="2027-01-01T00:00:00Z")}
    )
    keys = parse_keys(text)
    assert keys["a"].platform == "pf-tulle" and keys["a"].revoked_at is None
    assert keys["b"].revoked_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert public_key_text(keys["b"].public_key) == public_key_text(OTHER_KEY.public_key())


def test_parse_keys_tolerates_unknown_fields_and_null_revocation() -> None:
    keys = parse_keys(json.dumps({"a": entry(comment="x", revoked_at=None)}))
    assert keys["a"].revoked_at is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "not a JSON object"),
        ({"k": "pf-tulle"}, "'k': not an object"),
        ({"k": {**entry(), "platform": "pf-paris"}}, "'k': platform"),
        ({"k": {"public_key": entry()["public_key"]}}, "'k': platform"),
        ({"k": {**entry(), "public_key": "!!"}}, "'k': public_key"),
        ({"k": {**entry(), "public_key": base64.b64encode(b"x" * 31).decode()}}, "'k': public_key"),
        ({"k": {**entry(), "public_key": 7}}, "'k': public_key"),
        ({"k": entry(revoked_at="2027-01-01T00:00:00")}, "'k': revoked_at"),
        ({"k": entry(revoked_at="2027-01-01")}, "'k': revoked_at"),
        ({"k": entry(revoked_at="2027-13-01T00:00:00Z")}, "'k': revoked_at"),
        ({"k": entry(revoked_at=1798761600)}, "'k': revoked_at"),
        ({"": entry()}, "empty id"),
    ],
)
def test_parse_keys_names_the_key_and_its_problem(document: Any, message: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(KeyFileError, match=message):
        parse_keys(text)


def test_key_file_errors_never_show_key_material() -> None:
    bad = {**entry(), "public_key": "c2VjcmV0LWlzaC12YWx1ZQ=="}
    with pytest.raises(KeyFileError) as raised:
        parse_keys(json.dumps({"k": bad}))
    assert "c2VjcmV0" not in str(raised.value)


@pytest.mark.parametrize(
    "text", ["2027-01-01T00:00:00+02:00", "2027-01-01t00:00:00.5z", "2027-01-01 00:00:00-05:30"]
)
def test_rfc3339_instants_with_offsets_parse(text: str) -> None:
    assert parse_instant(text) is not None


# --- the registry ----------------------------------------------------------------------------


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, document: Any, mtime: int) -> None:
    path.write_text(document if isinstance(document, str) else json.dumps(document), "utf-8")
    os.utime(path, (mtime, mtime))  # a different mtime even within one clock tick


def test_registry_reads_the_file_at_start(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write(path, {"k1": entry()}, 1_000)
    registry = KeyRegistry(path)
    assert registry.get("k1") is not None and registry.get("k2") is None
    assert verify(BODY, headers(), TIME, registry).platform == "pf-tulle"


def test_registry_rereads_a_changed_file_after_recheck_s(tmp_path: Path) -> None:
    path, ticks = tmp_path / "keys.json", Ticks()
    write(path, {"k1": entry()}, 1_000)
    registry = KeyRegistry(path, clock=ticks, recheck_s=2.0)
    write(path, {"k1": entry(revoked_at="2020-01-01T00:00:00Z"), "k2": entry(OTHER_KEY)}, 2_000)
    ticks.now = 1.9
    assert registry.get("k2") is None  # not yet looked at again
    ticks.now = 2.0
    assert registry.get("k2") is not None
    assert verify(BODY, headers(), TIME, registry).code == "key_revoked"


def test_registry_keeps_the_last_good_keys_when_the_file_breaks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, ticks = tmp_path / "keys.json", Ticks()
    write(path, {"k1": entry()}, 1_000)
    registry = KeyRegistry(path, clock=ticks)
    write(path, {"k1": {**entry(), "public_key": "AAAA"}}, 2_000)
    ticks.now = 10
    with caplog.at_level(logging.WARNING):
        assert registry.get("k1") is not None
    assert "'k1': public_key" in caplog.text
    assert entry()["public_key"] not in caplog.text
    write(path, {"k2": entry()}, 3_000)  # fixed again: read again
    ticks.now = 20
    assert registry.get("k1") is None and registry.get("k2") is not None


def test_registry_without_a_file_has_no_keys_until_it_appears(tmp_path: Path) -> None:
    path, ticks = tmp_path / "keys.json", Ticks()
    registry = KeyRegistry(path, clock=ticks)
    assert registry.keys() == {}
    write(path, {"k1": entry()}, 1_000)
    ticks.now = 5
    assert registry.get("k1") is not None


def test_registry_keeps_its_keys_when_the_file_disappears(tmp_path: Path) -> None:
    path, ticks = tmp_path / "keys.json", Ticks()
    write(path, {"k1": entry()}, 1_000)
    registry = KeyRegistry(path, clock=ticks)
    path.unlink()
    ticks.now = 5
    assert registry.get("k1") is not None


def test_registry_sees_a_replaced_file_with_the_same_mtime_and_size(tmp_path: Path) -> None:
    path, ticks = tmp_path / "keys.json", Ticks()
    write(path, {"k1": entry()}, 1_000)
    registry = KeyRegistry(path, clock=ticks)
    replacement = tmp_path / "new.json"
    write(replacement, {"k9": entry()}, 1_000)  # same length, same mtime, new inode
    os.replace(replacement, path)
    ticks.now = 5
    assert registry.get("k9") is not None
