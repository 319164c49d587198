"""`permis verify`, `permis keys generate` and the seal settings, as a user runs them (§9)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import UNREACHABLE_DATABASE
from tests.support.desk import database_with_replacement
from tests.support.documents import context_for, submission
from tests.support.processes import clean_env, permis
from workers.documents.issuing import sealed_document
from workers.seal.keys import generate_seal, load_seal_key
from workers.seal.sealer import Sealer

pytestmark = pytest.mark.timeout(120)
FIRST = "AT26-0000042-2-A1"


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        permis(*args), cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def issued(tmp_path: Path) -> tuple[Path, str, Path]:
    """A sealed authorization's file, its code, and the certificate to trust."""
    written = generate_seal(tmp_path / "seal")
    sealer = Sealer(load_seal_key(written.key_file, written.cert_file))
    context = context_for("authorization", submission("01"))
    code, pdf = sealed_document(sealer, "authorization", context)
    assert code is not None
    path = tmp_path / "authorization.pdf"
    path.write_bytes(pdf)
    return path, code, written.cert_file


def test_a_genuine_pdf_and_its_code_verify(issued: tuple[Path, str, Path], tmp_path: Path) -> None:
    pdf, code, cert = issued
    result = run("verify", str(pdf), cwd=tmp_path, PERMIS_SEAL_CERT=str(cert))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("GENUINE") and FIRST in result.stdout
    surname = submission("01")["employee"]["last_name"]
    assert surname in result.stdout

    result = run("verify", "--code", code, "--cert", str(cert), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "genuine" and answer["document"]["doc"] == FIRST


def test_a_tampered_pdf_or_code_is_not_genuine_and_says_why(
    issued: tuple[Path, str, Path], tmp_path: Path
) -> None:
    pdf, code, cert = issued
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(pdf.read_bytes() + b"\n% appended\n")
    result = run("verify", str(tampered), "--cert", str(cert), cwd=tmp_path)
    assert result.returncode == 1
    assert "NOT GENUINE (modified_after_signing)" in result.stdout

    other = generate_seal(tmp_path / "other").cert_file
    result = run("verify", str(pdf), "--cert", str(other), "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["reason"] == "unknown_signer"

    result = run("verify", "--code", code[:-4] + "AAAA", "--cert", str(cert), cwd=tmp_path)
    assert result.returncode == 1 and "code_signature_broken" in result.stdout


def test_a_superseded_document_is_reported_when_a_database_is_configured(
    issued: tuple[Path, str, Path], tmp_path: Path
) -> None:
    pdf, _, cert = issued
    url = f"sqlite:///{tmp_path / 'permis.db'}"
    database_with_replacement(url, FIRST, "AT26-0000042-2-A2")

    result = run(
        "verify", str(pdf), cwd=tmp_path, PERMIS_SEAL_CERT=str(cert), PERMIS_DATABASE_URL=url
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("SUPERSEDED by AT26-0000042-2-A2")
    # Without a database, the seal alone speaks.
    assert run("verify", str(pdf), cwd=tmp_path, PERMIS_SEAL_CERT=str(cert)).returncode == 0


def test_an_unreachable_database_is_said_and_the_seal_still_answers(
    issued: tuple[Path, str, Path], tmp_path: Path
) -> None:
    pdf, _, cert = issued
    url = UNREACHABLE_DATABASE
    result = run(
        "verify", str(pdf), cwd=tmp_path, PERMIS_SEAL_CERT=str(cert), PERMIS_DATABASE_URL=url
    )
    assert result.returncode == 0
    assert "could not tell if superseded" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("verify",), ("verify", "a.pdf", "--code", "x.y.z"), ("verify", "missing.pdf")],
    ids=["nothing", "both", "missing-file"],
)
def test_usage_errors_exit_2(
    args: tuple[str, ...], issued: tuple[Path, str, Path], tmp_path: Path
) -> None:
    result = run(*args, cwd=tmp_path, PERMIS_SEAL_CERT=str(issued[2]))
    assert result.returncode == 2 and result.stderr


def test_verify_without_a_certificate_is_a_usage_error(
    issued: tuple[Path, str, Path], tmp_path: Path
) -> None:
    result = run("verify", str(issued[0]), cwd=tmp_path)
    assert result.returncode == 2 and "PERMIS_SEAL_CERT" in result.stderr
    result = run("verify", str(issued[0]), "--cert", str(issued[0]), cwd=tmp_path)
    assert result.returncode == 2 and "certificate" in result.stderr


def test_keys_generate_writes_a_development_seal_and_says_how_to_use_it(tmp_path: Path) -> None:
    result = run("keys", "generate", "--dir", "keys", "--platform", "pf-tulle", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "keys" / "seal.key.pem").exists()
    assert f"export PERMIS_SEAL_CERT={tmp_path / 'keys' / 'seal.cert.pem'}" in result.stdout


def test_the_documents_stage_does_not_start_without_a_usable_seal(tmp_path: Path) -> None:
    result = run("worker", "documents", cwd=tmp_path)
    assert result.returncode == 2 and "PERMIS_SEAL_KEY" in result.stderr
    a, b = generate_seal(tmp_path / "a"), generate_seal(tmp_path / "b")
    result = run(
        "run", cwd=tmp_path, PERMIS_SEAL_KEY=str(a.key_file), PERMIS_SEAL_CERT=str(b.cert_file)
    )
    assert result.returncode == 2 and "does not match" in result.stderr
