"""Under a steady load, the failures a deployment meets: after each, every dossier reaches
its state and every email arrives, none twice but under the same Message-ID (CONTRACTS.md
§8), with no one touching anything."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.faults.conftest import Load, Pipeline, assert_nothing_lost_nothing_twice, run_under_load
from tests.support.processes import wait_until
from tests.support.rabbit import rabbitmqctl

pytestmark = pytest.mark.timeout(900)


@pytest.mark.parametrize("stage", ["ingress", "intake", "routing", "documents", "mail"])
def test_a_stage_worker_killed_mid_message(stage: str, pipeline: Pipeline, load: Load) -> None:
    def kill() -> None:
        (victim,) = pipeline.workers(stage)
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: bool(pipeline.workers(stage) - {victim}), 30)

    outcome = run_under_load(pipeline, load, kill)
    assert_nothing_lost_nothing_twice(f"SIGKILL {stage} worker", outcome, pipeline)


def test_rabbitmq_restarted(pipeline: Pipeline, load: Load) -> None:
    def restart() -> None:
        rabbitmqctl("stop_app")
        time.sleep(3)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    outcome = run_under_load(pipeline, load, restart)
    assert_nothing_lost_nothing_twice("RabbitMQ restarted", outcome, pipeline)


def test_smtp_server_stopped_for_30_seconds(pipeline: Pipeline, load: Load) -> None:
    def outage() -> None:
        pipeline.smtp.stop()
        time.sleep(30)
        pipeline.smtp.start()

    outcome = run_under_load(pipeline, load, outage)
    assert_nothing_lost_nothing_twice("SMTP down 30 s", outcome, pipeline)


def test_postgresql_restarted(pipeline: Pipeline, load: Load) -> None:
    def restart() -> None:
        (version,) = os.listdir("/etc/postgresql")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            capture_output=True,
            timeout=120,
        )

    outcome = run_under_load(pipeline, load, restart)
    assert_nothing_lost_nothing_twice("PostgreSQL restarted", outcome, pipeline)
