"""A library's warning is a log record, never a raw line: the desk, `permis run` with every
stage, and the demo, each started with warnings forced at import time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import clean_env, permis, stop, wait_until
from tests.support.smtp import HOST, Relay, free_port
from workers.core.stages import PROCESS_NAMES
from workers.seal.keys import generate_seal

ROOT = Path(__file__).resolve().parents[2]

# Imported at start as Python imports sitecustomize: warns, as a library would, on the
# first import of pydantic (before a process has set up its logs) and of pyhanko (after).
NOISE = """
import sys
import warnings


class Noise:
    modules = {"pydantic": "before the logs", "pyhanko": "after the logs"}

    def find_spec(self, name, path=None, target=None):
        when = self.modules.pop(name, None)
        if when:
            warnings.warn(f"forced on importing {name}, {when}", UserWarning, stacklevel=2)
        return None


sys.meta_path.insert(0, Noise())
"""
FORCED = {
    "forced on importing pydantic, before the logs",
    "forced on importing pyhanko, after the logs",
}


@pytest.fixture
def noisy(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python processes warn at start."""
    site = tmp_path / "noise"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NOISE)
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return clean_env(PYTHONPATH=path)


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line parsed as JSON: a raw line fails the test with the line shown."""
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line!r}")
    return lines


def warnings_of(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("logger") == "py.warnings"]


def test_the_forcing_works_on_a_plain_python(noisy: dict[str, str]) -> None:
    # Without Permis's logs the same imports print the raw lines the others must not.
    done = subprocess.run(
        [sys.executable, "-c", "import pydantic, pyhanko"],
        env=noisy,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert all(f"UserWarning: {text}" in done.stderr for text in FORCED), done.stderr


@pytest.mark.timeout(90)
def test_the_desk_logs_warnings_as_json(noisy: dict[str, str], tmp_path: Path) -> None:
    seal = generate_seal(tmp_path / "keys")
    port = free_port()
    process = subprocess.Popen(
        permis("desk", "--port", str(port)),
        cwd=tmp_path,
        env={**noisy, "PERMIS_SEAL_CERT": str(seal.cert_file)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout_s=45)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    logged = warnings_of(json_lines(err))
    assert {line["message"] for line in logged} >= FORCED
    assert all(line["category"].endswith("Warning") for line in logged)
    assert all(line["level"] == "WARNING" and line["source"] for line in logged)


@pytest.mark.timeout(150)
def test_permis_run_and_every_stage_log_warnings_as_json(
    noisy: dict[str, str], vhost: str, tmp_path: Path, smtp: Relay
) -> None:
    seal = generate_seal(tmp_path / "keys")
    env = {
        **noisy,
        "PERMIS_SEAL_KEY": str(seal.key_file),
        "PERMIS_SEAL_CERT": str(seal.cert_file),
        "PERMIS_BROKER_URL": vhost,
        "PERMIS_DATABASE_URL": f"sqlite:///{tmp_path / 'permis.db'}",
        "PERMIS_SMTP_HOST": HOST,
        "PERMIS_SMTP_PORT": str(smtp.port),
        "PERMIS_METRICS_PORT": str(free_port()),
    }
    log = tmp_path / "stderr.log"
    with log.open("w") as err:
        process = subprocess.Popen(
            permis("run"), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            # The supervisor and one process per stage, ingress and the sweeper.
            assert wait_until(lambda: len(_warned(log)) > len(PROCESS_NAMES), timeout_s=90)
        finally:
            stop(process)
    lines = json_lines(log.read_text())
    by_process: dict[int, set[str]] = {}
    for line in warnings_of(lines):
        by_process.setdefault(line["process"], set()).add(line["message"])
    assert len(by_process) == len(PROCESS_NAMES) + 1
    assert all(
        "forced on importing pydantic, before the logs" in seen for seen in by_process.values()
    )


@pytest.mark.timeout(150)
def test_the_demo_keeps_warnings_in_its_log_and_its_output_clean(
    noisy: dict[str, str], tmp_path: Path
) -> None:
    done = subprocess.run(
        permis("demo"), cwd=tmp_path, env=noisy, capture_output=True, text=True, timeout=140
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "warn" not in done.stdout.lower()
    (run,) = (tmp_path / "permis-demo").glob("run-*")
    assert f"Log (JSON lines): {Path('permis-demo') / run.name / 'permis.log'}" in done.stdout
    logged = warnings_of(json_lines((run / "permis.log").read_text()))
    assert {line["message"] for line in logged} >= FORCED


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        time.sleep(0.2)
        return False


def _warned(log: Path) -> set[int]:
    """The processes whose first forced warning is in the log already."""
    found = set()
    for line in log.read_text().splitlines():
        if "forced on importing pydantic" in line:
            try:
                found.add(json.loads(line)["process"])
            except ValueError:
                found.add(-1)
    return found
