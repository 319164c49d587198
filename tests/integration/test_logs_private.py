"""A whole pipeline run's logs, as ops would collect them: JSON lines with the message and
dossier handled, and not one name, email address or passport number of the inputs."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.integration.test_decision_path import decision, deposit, signed
from tests.support.world import World
from workers.core.logs import JsonFormatter, Redact

pytestmark = [pytest.mark.timeout(180), pytest.mark.rabbitmq]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact())
    # The test's SMTP server (aiosmtpd) logs what it receives: it is the relay, not Permis.
    handler.addFilter(lambda record: record.name != "mail.log")
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # what `permis run` logs
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def personal_data() -> set[str]:
    """Every person's name, email address and passport number in the sample submissions."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and len(value) > 3 and key in PERSONAL_KEYS:
            found.add(value)

    for path in (SAMPLES / "submissions").glob("*.json"):
        try:
            walk(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return found


PERSONAL_KEYS = {"last_name", "first_names", "first_name", "email", "number", "birth_place"}


def quiet(world: World, seconds: float = 2.0, timeout_s: float = 90.0) -> None:
    """Wait until no email arrived for ``seconds``."""
    deadline, seen, since = time.monotonic() + timeout_s, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(world.smtp.handler.messages)
        if count != seen:
            seen, since = count, time.monotonic()
        elif time.monotonic() - since > seconds:
            return
        time.sleep(0.1)


def test_a_pipeline_runs_logs_say_what_happened_and_nothing_personal(
    world: World, keys_dir: Path, logs: io.StringIO
) -> None:
    number = deposit(world, "01-employee-cdi-introduction-paris.json")
    body = decision("granted.json", number)
    world.publish_decision(body, signed(body, keys_dir, "pf-nanterre"))
    world.publish_decision(body, {"signature-key-id": "nope", "signature": "AAAA"})
    for path in sorted((SAMPLES / "submissions").glob("*.json")):
        world.publish(path.read_bytes())
    world.publish(b'{"specversion": "1.0", "data": {"employee": {"last_name": "Zyxwvuts"}}}')
    quiet(world)

    text = logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines, "the run logged nothing"
    assert any(line.get("dossier") == number and line.get("message_id") for line in lines)
    secrets = personal_data() | {"Zyxwvuts"}
    assert len(secrets) > 20
    leaked = sorted(s for s in secrets if s in text)
    where = [line for line in text.splitlines() if any(s in line for s in leaked)][:3]
    assert not leaked, (leaked, where)
