"""bench/load.py --json: the one object a machine checks a run's figures by."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "deposits_per_s",
    "grants_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "cpu_ms_per_dossier",
    "cpu_ms_per_grant",
    "cpu_ms_by_stage",
    "floor_deposits_per_s",
    "floor_grants_per_s",
    "ceiling_per_s",
    "rss_mb_max",
    "arguments",
}


def load_bench() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look themselves up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bench"))


RESULT = {
    "deposits_per_s": 120.5,
    "grants_per_s": 3.0,
    "deposit_latency_ms": {"p50": 20.0, "p95": 60.0, "p99": 90.0, "max": 120.0},
    "cpu_ms_per_dossier": {"intake": 2.0, "mail": 3.5, "routing": 1.0, "rabbitmq": 4.0},
    "burst_grants": 300,
    "burst_grants_per_s": 41.0,
    "cpu_ms_per_burst_grant": {"documents": 9.0, "mail": 4.0, "postgresql": 2.0},
    "peak_rss_mib": {"intake": 100.0, "documents": 140.0},
    "ceiling_chains_per_s": 400.0,
    "complete": True,
    "floor": {
        "floor_deposits_per_s": 150.0,
        "floor_burst_grants_per_s": 60.0,
        "cpu_ms_per_burst_grant": 8.0,
        "complete": True,
    },
}


def test_the_flat_object_has_every_figure_and_counts_permis_alone() -> None:
    bench = load_bench()
    args = argparse.Namespace(submissions=3000, rate=200.0, grant_burst=300, out=Path("x.md"))

    flat = bench.flat(RESULT, args)

    assert set(flat) >= REQUIRED
    assert flat["cpu_ms_per_dossier"] == 6.5  # the broker's and the database's apart
    assert flat["cpu_ms_per_grant"] == 13.0
    assert flat["cpu_ms_by_stage"] == {"intake": 2.0, "mail": 3.5, "routing": 1.0}
    assert (flat["grants_per_s"], flat["floor_grants_per_s"]) == (41.0, 60.0)  # the burst's
    assert flat["share_of_floor"] == 0.8
    assert flat["floor_cpu_ms_per_grant"] == 8.0
    assert flat["rss_mb_max"] == 140.0
    assert flat["arguments"] == {
        "submissions": 3000,
        "rate": 200.0,
        "grant_burst": 300,
        "out": "x.md",
    }


def test_without_a_burst_or_a_floor_the_figures_say_so() -> None:
    bench = load_bench()
    plain = {k: v for k, v in RESULT.items() if "burst" not in k and k != "floor"}

    flat = bench.flat(plain, argparse.Namespace())

    assert flat["grants_per_s"] == 3.0
    assert flat["cpu_ms_per_grant"] is None
    assert flat["floor_deposits_per_s"] is None and flat["share_of_floor"] is None
