"""Under a steady load, the failures a deployment meets: after each, every dossier reaches
its state and every email arrives, none twice but under the same Message-ID (CONTRACTS.md
§8), with no one touching anything."""

from __future__ import annotations

import os
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.conftest import Load, Pipeline, assert_nothing_lost_nothing_twice, run_under_load
from tests.support.processes import wait_until
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


NODE_DOWN_S = 10.0


def stage_leader(pipeline: Pipeline) -> tuple[int, str]:
    """The node leading most stage queues, and how many of them it leads."""
    rabbit = pipeline.services.rabbit
    leader = rabbit.node_leading_most(pipeline.vhost, "stage.")
    stage_queues = [q for q in rabbit.queues(pipeline.vhost) if q["name"].startswith("stage.")]
    led = sum(1 for q in stage_queues if q["leader"] == rabbit.nodes[leader].name)
    return leader, f"{led} of {len(stage_queues)}"


@pytest.mark.cluster
def test_the_node_leading_the_stage_queues_killed(pipeline: Pipeline, load: Load) -> None:
    rabbit = pipeline.services.rabbit
    leader, led = stage_leader(pipeline)

    def kill_leader() -> None:
        rabbit.kill(leader)
        time.sleep(NODE_DOWN_S)  # the load goes on over the two nodes left
        rabbit.start_node(leader)

    outcome = run_under_load(pipeline, load, kill_leader)
    assert rabbit.running() == {0, 1, 2}
    name = f"RabbitMQ: node leading {led} stage queues killed (-9), back after 10 s"
    assert_nothing_lost_nothing_twice(name, outcome, pipeline)


@pytest.mark.cluster
def test_the_nodes_restarted_one_after_another(pipeline: Pipeline, load: Load) -> None:
    rabbit = pipeline.services.rabbit

    def rolling_restart() -> None:
        for node in range(3):  # as an upgrade does: each back before the next goes
            rabbit.restart(node)

    outcome = run_under_load(pipeline, load, rolling_restart)
    assert rabbit.running() == {0, 1, 2}
    assert_nothing_lost_nothing_twice("RabbitMQ: rolling restart", outcome, pipeline)


@pytest.mark.cluster
def test_the_leader_node_and_a_stage_worker_killed_together(pipeline: Pipeline, load: Load) -> None:
    rabbit = pipeline.services.rabbit

    leader, led = stage_leader(pipeline)

    def kill_both() -> None:
        (victim,) = pipeline.workers("intake")
        rabbit.kill(leader)
        os.kill(victim, signal.SIGKILL)
        time.sleep(NODE_DOWN_S)
        rabbit.start_node(leader)

    outcome = run_under_load(pipeline, load, kill_both)
    name = f"RabbitMQ: node leading {led} stage queues and the intake worker killed (-9)"
    assert_nothing_lost_nothing_twice(name, outcome, pipeline)


PARTITION_S = 45.0
"""Longer than a client's heartbeat timeout (30 s), so that the clients of the cut node
find it gone and move to the others, as they would in a lasting partition."""


@pytest.mark.cluster
def test_the_node_leading_the_stage_queues_cut_off_then_joined(
    pipeline: Pipeline, load: Load
) -> None:
    if pipeline.services.no_network:
        pytest.skip(f"a partition needs network namespaces: {pipeline.services.no_network}")
    rabbit = pipeline.services.rabbit
    leader, led = stage_leader(pipeline)
    paused: list[bool] = []

    def partition() -> None:
        rabbit.cut(leader)
        # The two others see it gone and go on; pause_minority pauses it on its side.
        paused.append(wait_until(lambda: leader not in rabbit.running(), PARTITION_S))
        time.sleep(PARTITION_S)
        rabbit.join(leader)
        assert wait_until(lambda: rabbit.running() == {0, 1, 2}, 120, every_s=1)

    outcome = run_under_load(pipeline, load, partition)
    assert paused == [True]
    name = f"RabbitMQ: node leading {led} stage queues cut off for 45 s, then joined"
    assert_nothing_lost_nothing_twice(name, outcome, pipeline)


MAJORITY_LOST_S = 20.0


@pytest.mark.cluster
def test_two_nodes_of_three_killed_then_back(pipeline: Pipeline, load: Load) -> None:
    rabbit = pipeline.services.rabbit
    leader, _ = stage_leader(pipeline)
    lost = [leader, (leader + 1) % 3]

    def lose_majority() -> None:
        rabbit.kill(*lost)
        # The one left is a minority: it pauses, and nothing is published or consumed.
        time.sleep(MAJORITY_LOST_S)
        with ThreadPoolExecutor(len(lost)) as pool:
            list(pool.map(rabbit.start_node, lost))

    outcome = run_under_load(pipeline, load, lose_majority)
    assert rabbit.running() == {0, 1, 2}
    name = "RabbitMQ: two nodes of three killed (-9), back after 20 s"
    assert_nothing_lost_nothing_twice(name, outcome, pipeline)


def test_smtp_server_stopped_for_30_seconds(pipeline: Pipeline, load: Load) -> None:
    def outage() -> None:
        pipeline.smtp.stop()
        time.sleep(30)
        pipeline.smtp.start()

    outcome = run_under_load(pipeline, load, outage)
    assert_nothing_lost_nothing_twice("SMTP down 30 s", outcome, pipeline)


@pytest.mark.cluster
def test_postgresql_restarted(pipeline: Pipeline, load: Load) -> None:
    outcome = run_under_load(pipeline, load, pipeline.services.postgres.restart_primary)
    assert_nothing_lost_nothing_twice("PostgreSQL restarted", outcome, pipeline)


@pytest.mark.cluster
def test_the_postgresql_primary_killed_and_the_standby_promoted(
    pipeline: Pipeline, load: Load
) -> None:
    postgres = pipeline.services.postgres
    took: list[float] = []

    def failover() -> None:
        took.append(postgres.failover())  # kill -9 the primary, promote, as an operator
        postgres.rebuild_standby()  # the lost server comes back as the new standby

    outcome = run_under_load(pipeline, load, failover)
    name = f"PostgreSQL: primary killed (-9), standby promoted in {took[0]:.1f} s"
    assert_nothing_lost_nothing_twice(name, outcome, pipeline)
