"""``permis keys generate``: platforms' key pairs and the public keys file (CONTRACTS.md §3.3)."""

from __future__ import annotations

import json
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from messages.agents import SIGNATURE_HEADER, SIGNATURE_KEY_HEADER
from workers.signatures.keys import (
    KEYS_FILE,
    generate_keys,
    load_private_key,
    private_key_for,
    private_key_path,
)
from workers.signatures.verify import KeyFileError, KeyRegistry, parse_keys, sign, verify

PLATFORMS = ("pf-tulle", "pf-avignon")
DAY = date(2026, 12, 1)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generate_writes_a_private_key_per_platform_and_one_keys_file(tmp_path: Path) -> None:
    written = generate_keys(tmp_path, PLATFORMS, today=DAY)
    assert written.keys_file == tmp_path / KEYS_FILE
    assert written.created == frozenset(PLATFORMS)
    for platform in PLATFORMS:
        assert written.private_keys[platform] == tmp_path / f"{platform}.ed25519.pem"
        assert mode(written.private_keys[platform]) == 0o600
        assert re.fullmatch(rf"{platform}-20261201-[0-9a-f]{{4}}", written.key_ids[platform])
    keys = parse_keys(written.keys_file.read_text("utf-8"))
    assert {k: r.platform for k, r in keys.items()} == {written.key_ids[p]: p for p in PLATFORMS}
    assert all(r.revoked_at is None for r in keys.values())


def test_the_keys_file_holds_no_private_key(tmp_path: Path) -> None:
    written = generate_keys(tmp_path, PLATFORMS)
    text = written.keys_file.read_text("utf-8")
    assert "PRIVATE" not in text
    assert mode(written.keys_file) & 0o077 == 0o044  # public: readable, never writable by others


def test_generating_again_keeps_the_keys_and_their_ids(tmp_path: Path) -> None:
    first = generate_keys(tmp_path, PLATFORMS, today=DAY)
    pems = {p: private_key_path(tmp_path, p).read_bytes() for p in PLATFORMS}
    second = generate_keys(tmp_path, PLATFORMS, today=date(2027, 3, 1))
    assert second.key_ids == first.key_ids
    assert second.created == frozenset()
    assert {p: private_key_path(tmp_path, p).read_bytes() for p in PLATFORMS} == pems


def test_adding_a_platform_keeps_the_other_entries(tmp_path: Path) -> None:
    first = generate_keys(tmp_path, ["pf-tulle"], today=DAY)
    second = generate_keys(tmp_path, ["pf-cayenne"], today=DAY)
    keys = parse_keys(second.keys_file.read_text("utf-8"))
    assert set(keys) == {first.key_ids["pf-tulle"], second.key_ids["pf-cayenne"]}


def test_a_revocation_in_the_keys_file_survives_regeneration(tmp_path: Path) -> None:
    written = generate_keys(tmp_path, ["pf-tulle"], today=DAY)
    document = json.loads(written.keys_file.read_text("utf-8"))
    document[written.key_ids["pf-tulle"]]["revoked_at"] = "2027-01-01T00:00:00Z"
    written.keys_file.write_text(json.dumps(document), "utf-8")
    generate_keys(tmp_path, ["pf-tulle"], today=DAY)
    keys = parse_keys(written.keys_file.read_text("utf-8"))
    assert keys[written.key_ids["pf-tulle"]].revoked_at is not None


def test_a_lost_keys_file_is_rebuilt_from_the_private_keys(tmp_path: Path) -> None:
    first = generate_keys(tmp_path, ["pf-tulle"], today=DAY)
    first.keys_file.unlink()
    second = generate_keys(tmp_path, ["pf-tulle"], today=DAY)
    assert second.created == frozenset()
    assert private_key_for(tmp_path, "pf-tulle")[0] == second.key_ids["pf-tulle"]


def test_a_broken_keys_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / KEYS_FILE).write_text("{broken", "utf-8")
    with pytest.raises(KeyFileError):
        generate_keys(tmp_path, PLATFORMS)
    assert (tmp_path / KEYS_FILE).read_text("utf-8") == "{broken"


def test_an_unknown_platform_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pf-paris"):
        generate_keys(tmp_path / "keys", ["pf-tulle", "pf-paris"])
    assert not (tmp_path / "keys").exists()


def test_a_signature_made_with_the_private_key_verifies_against_the_keys_file(
    tmp_path: Path,
) -> None:
    written = generate_keys(tmp_path, PLATFORMS)
    key_id, key = private_key_for(tmp_path, "pf-avignon")
    assert key_id == written.key_ids["pf-avignon"]
    body = b'{"specversion":"1.0"}'
    headers = {SIGNATURE_KEY_HEADER: key_id, SIGNATURE_HEADER: sign(body, key)}
    verdict = verify(body, headers, None, KeyRegistry(written.keys_file))
    assert (verdict.code, verdict.platform) == (None, "pf-avignon")


def test_load_private_key_refuses_a_pem_of_another_algorithm(tmp_path: Path) -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "ec.pem").write_bytes(pem)
    with pytest.raises(KeyFileError, match="not an Ed25519"):
        load_private_key(tmp_path / "ec.pem")
