"""Under a steady load, the failures a deployment meets: after each, every dossier reaches
its state and every email arrives, none twice but under the same Message-ID (CONTRACTS.md
§8), with no one touching anything."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest

from tests.faults.conftest import Load, Pipeline, assert_nothing_lost_nothing_twice, run_under_load
from tests.support.processes import wait_until
from tests.support.rabbit import rabbitmqctl
from workers.core.stages import STAGES
from workers.core.topology import DECISIONS_QUEUE, SUBMISSIONS_QUEUE

pytestmark = pytest.mark.timeout(900)


CONSUMED = {
    "ingress": {SUBMISSIONS_QUEUE, DECISIONS_QUEUE},
    **{name: {stage.queue} for name, stage in STAGES.items()},
}


@pytest.mark.parametrize("stage", ["ingress", "intake", "routing", "documents", "mail"])
def test_a_stage_worker_killed_holding_messages(stage: str, pipeline: Pipeline, load: Load) -> None:
    held: list[int] = []

    def kill() -> None:
        (victim,) = pipeline.workers(stage)
        held.append(frozen_holding(pipeline, victim, CONSUMED[stage]))
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: bool(pipeline.workers(stage) - {victim}), 30)

    outcome = run_under_load(pipeline, load, kill)
    name = f"SIGKILL {stage} worker holding {held[0]} unacknowledged"
    assert_nothing_lost_nothing_twice(name, outcome, pipeline)


def frozen_holding(pipeline: Pipeline, pid: int, queues: set[str]) -> int:
    """Stop ``pid`` at a moment it holds deliveries of ``queues`` it has not acknowledged
    (prefetched, in a handler, or handled and not yet acked); how many. It stays stopped.

    It is stopped, probed and let go again until then; while it is stopped the broker may
    deliver it more, up to its prefetch.
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        os.kill(pid, signal.SIGSTOP)
        held = 0
        try:
            held = pipeline.held(queues)
        finally:
            if not held:
                os.kill(pid, signal.SIGCONT)
        if held:
            return held
        time.sleep(random.uniform(0.01, 0.2))
    raise AssertionError(f"the worker never held a message of {sorted(queues)}")


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
