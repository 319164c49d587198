"""bench/scaling.py: KEDA's and the HPA's rule, the queue model, and the chart's values."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_scaling() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scaling", ROOT / "bench" / "scaling.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


S = load_scaling()
ONE_STAGE = {"documents": ("stage.documents",)}


@pytest.mark.parametrize(
    ("metric", "target", "current", "desired"),
    [
        (0, 100, 1, 0),
        (1, 100, 1, 1),
        (111, 100, 1, 2),
        (101, 100, 1, 1),
        (1000, 150, 1, 7),
        (105, 100, 1, 1),  # within the 10 % tolerance of one replica's target
        (209, 100, 2, 2),
        (250, 100, 2, 3),
        (450, 100, 5, 5),
        (400, 100, 5, 4),
    ],
)
def test_the_hpa_asks_for_ceil_metric_over_target_outside_its_tolerance(
    metric: float, target: float, current: int, desired: int
) -> None:
    assert S.hpa_desired(current, metric, target) == desired


def test_keda_takes_the_highest_trigger_within_the_bounds() -> None:
    bounds = S.Bounds(min=1, max=4, target=100)
    assert S.keda_desired(1, [50, 250], bounds) == 3
    assert S.keda_desired(1, [0, 0], bounds) == 1
    assert S.keda_desired(1, [10_000, 0], bounds) == 4


def test_keda_keeps_one_replica_while_any_queue_holds_a_message() -> None:
    assert S.keda_desired(0, [1, 0], S.Bounds(min=0, max=4, target=100)) == 1


def test_scaling_up_at_most_doubles_or_adds_four_per_evaluation() -> None:
    scaler = S.Autoscaler(S.Bounds(min=1, max=20, target=10), replicas=1)
    assert scaler.step(0, [200]) == 5
    assert scaler.step(15, [200]) == 10
    assert scaler.step(30, [200]) == 20


def test_scaling_down_waits_for_the_stabilization_window() -> None:
    scaler = S.Autoscaler(S.Bounds(min=1, max=8, target=10, stabilization_s=300), replicas=1)
    scaler.step(0, [80])
    scaler.step(15, [80])
    assert scaler.replicas == 8
    assert [scaler.step(t, [0]) for t in (30, 285)] == [8, 8]
    assert scaler.step(300, [0]) == 8  # the 8 recommended at 15 s is still in the window
    assert scaler.step(315, [0]) == 1


def test_scaling_to_zero_waits_for_the_cooldown_without_messages() -> None:
    scaler = S.Autoscaler(S.Bounds(min=0, max=4, target=10, cooldown_s=300, stabilization_s=0), 1)
    assert scaler.step(0, [5]) == 1
    assert scaler.step(150, [0]) == 1
    assert scaler.step(300, [0]) == 0


def test_one_process_serves_its_queues_in_proportion_to_their_backlog() -> None:
    assert S.shares([10, 30], 100) == [10, 30]
    assert S.shares([10, 30], 20) == [5, 15]


def test_a_fifo_message_leaves_when_the_departures_reach_its_arrival() -> None:
    arrived = [10, 10, 10, 20]
    departed = [4, 8, 10, 12]
    assert S.exit_times(arrived, departed) == [2, 2, 2, -1]


def test_the_weighted_percentile_counts_each_value_by_its_weight() -> None:
    assert S.weighted_percentile([1, 5, 9], [1, 0, 3], 0.5) == 9
    assert S.weighted_percentile([1, 5, 9], [3, 0, 1], 0.5) == 1
    assert S.weighted_percentile([], [], 0.5) == 0.0


def burst(seconds: int, at: int, count: float) -> dict[str, list[float]]:
    decisions = [0.0] * seconds
    decisions[at] = count
    return {"agents.decisions": decisions}


def test_a_queue_conserves_its_messages_and_drains_at_the_replicas_rate() -> None:
    bounds = {"documents": S.Bounds(min=1, max=1, target=150)}
    load = {"stage.documents": [0.0] * 120}
    load["stage.documents"][0] = 355.0
    run = S.simulate(load, bounds, ONE_STAGE)
    rate = S.capacity_per_replica("documents")
    assert run.arrived["stage.documents"][-1] == pytest.approx(355)
    assert run.backlog["stage.documents"][0] == pytest.approx(355 - rate)
    drained = next(t for t, b in enumerate(run.backlog["stage.documents"]) if b < 1e-9)
    assert drained == pytest.approx(355 / rate, abs=1)


def test_keda_adds_replicas_that_drain_a_burst_sooner_once_started() -> None:
    load = {"stage.documents": [0.0] * 400}
    load["stage.documents"][1] = 3000.0
    still = S.simulate(load, {"documents": S.Bounds(1, 1, 150)}, ONE_STAGE)
    scaled = S.simulate(load, {"documents": S.Bounds(1, 8, 150)}, ONE_STAGE)
    assert still.replicas["documents"][-1] == 1
    assert scaled.replicas["documents"][S.START_S + 14] == 1  # evaluated at 15 s, not yet up
    assert max(scaled.replicas["documents"]) == 8
    assert max(S.stage_latency_s(scaled, "stage.documents", "documents")) < max(
        S.stage_latency_s(still, "stage.documents", "documents")
    )


def test_a_decision_becomes_a_document_and_two_emails_along_its_path() -> None:
    bounds, queues = S.load_bounds()
    run = S.simulate(burst(60, 0, 10.0), bounds, queues)
    assert run.arrived["stage.documents"][-1] == pytest.approx(10)
    assert run.arrived["stage.mail"][-1] == pytest.approx(20)
    assert S.end_to_end(run, queues)["decision"]["max_s"] > 0


def test_the_simulation_scales_the_processes_and_queues_of_the_chart() -> None:
    bounds, queues = S.load_bounds()
    assert set(bounds) == set(S.SERVICE) and "deadlines" not in bounds
    assert {q for qs in queues.values() for q in qs} == set(S.FLOWS)
    assert all(b.min >= 1 and b.max >= b.min and b.target > 0 for b in bounds.values())
