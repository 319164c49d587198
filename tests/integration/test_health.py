"""`permis health` against the real services: all well with the pipeline running, and
each failure named when a part is missing."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from config.settings import Settings
from tests.conftest import UNREACHABLE_DATABASE
from tests.support.processes import clean_env, permis
from tests.support.world import World
from workers.health import health

pytestmark = [pytest.mark.timeout(120), pytest.mark.rabbitmq]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


def verdicts(settings: Settings) -> dict[str, bool]:
    return {check.name: check.ok for check in health(settings)}


def consuming(settings: Settings, timeout_s: float = 30.0) -> bool:
    """Workers subscribe to their queues just after they start: wait until all have."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if verdicts(settings)["pipeline"]:
            return True
        time.sleep(0.2)
    return False


def test_a_running_pipeline_is_healthy(world: World) -> None:
    assert consuming(world.settings)
    assert verdicts(world.settings) == {
        "broker": True,
        "database": True,
        "mail": True,
        "pipeline": True,
    }


def test_a_stopped_relay_and_a_missing_database_are_named(world: World) -> None:
    assert consuming(world.settings)
    world.smtp.stop()
    broken = world.settings.model_copy(update={"database_url": UNREACHABLE_DATABASE})
    assert verdicts(broken) == {"broker": True, "database": False, "mail": False, "pipeline": True}


def test_queues_nobody_consumes_make_the_pipeline_unhealthy(vhost: str, sqlite_url: str) -> None:
    env = {"PERMIS_BROKER_URL": vhost, "PERMIS_DATABASE_URL": sqlite_url, "PERMIS_SMTP_PORT": "1"}
    result = subprocess.run(
        permis("health", "--json"), env=clean_env(**env), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    answer = json.loads(result.stdout)
    checks = {c["name"]: c for c in answer["checks"]}
    assert not answer["healthy"]
    assert checks["broker"]["ok"] and checks["database"]["ok"]
    assert not checks["mail"]["ok"]
    assert "stage.mail" in checks["pipeline"]["detail"] and not checks["pipeline"]["ok"]
