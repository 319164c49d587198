"""Scaling by simulation: a day of Permis's load against each stage, scaled by KEDA's rule.

    .venv/bin/python bench/scaling.py        (the bench set: matplotlib)

Writes docs/scaling.png and docs/scaling-heavy.png, prints the table of docs/SCALING.md
and appends it to bench/results/scaling.md with the machine. Each stage is a FIFO queue
served by its ready replicas at the per-replica rate measured by bench/load.py (SERVICE);
every 15 s the HPA that KEDA drives sets the replicas from the queue's length and the
chart's own values (ops/helm/permis/values.yaml), with KEDA's and the HPA's rules.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "ops" / "helm" / "permis" / "values.yaml"
DAY_S = 86_400
HPA_SYNC_S = 15  # the HPA's sync period: it evaluates KEDA's metrics this often
HPA_TOLERANCE = 0.1
START_S = 20  # a new replica's scheduling, start and first probe, image cached

# Per message, from bench/results/load.md, run of 2026-12-07T19:16:03 (3000 submissions at
# 200/s, 4 threads as in the chart; one grant per ten dossiers): CPU ms of the process per
# message (its CPU per dossier; times ten for decisions and documents, one message per
# grant; mail's per dossier taken per email, an over-estimate) and the stage's p50
# handling time in ms under that load (ingress's is not measured: its CPU).
SERVICE: dict[str, tuple[float, float]] = {
    "ingress": (0.7, 0.7),
    "intake": (4.32, 48.2),
    "routing": (3.0, 19.9),
    "decisions": (5.4, 20.6),
    "documents": (28.2, 109.2),
    "mail": (5.1, 42.1),
}
# Where a stage's output goes, and how many messages each one it finished becomes there.
FLOWS: dict[str, tuple[tuple[str, float], ...]] = {
    "portal.submissions": (("stage.intake", 1.0),),
    "agents.decisions": (("stage.decisions", 1.0),),
    "stage.intake": (("stage.routing", 1.0),),
    "stage.routing": (("stage.mail", 1.0),),  # the deposit email
    "stage.decisions": (("stage.documents", 1.0),),
    "stage.documents": (("stage.mail", 2.0),),  # to the employer and to the beneficiary
    "stage.mail": (),
}
DEPOSIT_PATH = ("portal.submissions", "stage.intake", "stage.routing", "stage.mail")
GRANT_PATH = ("agents.decisions", "stage.decisions", "stage.documents", "stage.mail")
# Share of a day's submissions per hour (portal use: a morning peak, a smaller afternoon).
HOURLY = (0, 0, 0, 0, 0, 1, 2, 5, 10, 13, 12, 9, 6, 7, 9, 8, 6, 4, 3, 2, 1, 1, 1, 0)
AGENT_HOURS = range(9, 17)  # agents decide in office hours


@dataclass(frozen=True)
class Bounds:
    """A ScaledObject's rule: replica bounds, QueueLength target, and its timings."""

    min: int
    max: int
    target: float
    cooldown_s: float = 300
    stabilization_s: float = 300


@dataclass(frozen=True)
class Day:
    """A day's load: submissions, a 10x burst of them, decisions, and a batch of grants."""

    dossiers: int = 1000
    burst_at_s: int = 9 * 3600 + 30 * 60
    burst_s: int = 600
    burst_factor: float = 10.0
    batch: int = 1000
    batch_at_s: int = 14 * 3600


def hpa_desired(current: int, metric: float, target: float) -> int:
    """The HPA's replicas for one AverageValue metric: ceil(metric / target), unchanged
    within the 10 % tolerance of the current replicas' ratio."""
    if current > 0 and abs(metric / (target * current) - 1) <= HPA_TOLERANCE:
        return current
    return math.ceil(metric / target)


def keda_desired(current: int, metrics: Sequence[float], bounds: Bounds) -> int:
    """KEDA's rule for a ScaledObject's triggers: the highest of each trigger's desired
    replicas, within [min, max] (at least one while any queue holds messages)."""
    wanted = max(hpa_desired(current, metric, bounds.target) for metric in metrics)
    if any(metric > 0 for metric in metrics):
        wanted = max(wanted, 1)
    return max(bounds.min, min(bounds.max, wanted))


@dataclass
class Autoscaler:
    """The HPA KEDA creates: scale up at once (at most double, or four more, per sync),
    scale down to the highest recommendation of the stabilization window, and to zero
    (when min is 0) only after KEDA's cooldown without messages."""

    bounds: Bounds
    replicas: int
    history: list[tuple[float, int]] = field(default_factory=list)
    last_active_s: float = 0.0

    def step(self, now_s: float, metrics: Sequence[float]) -> int:
        """The replicas after an evaluation at ``now_s`` of the queues' ``metrics``."""
        if any(metric > 0 for metric in metrics):
            self.last_active_s = now_s
        wanted = keda_desired(self.replicas, metrics, self.bounds)
        if wanted == 0 and now_s - self.last_active_s < self.bounds.cooldown_s:
            wanted = 1
        self.history = [(t, r) for t, r in self.history if now_s - t < self.bounds.stabilization_s]
        self.history.append((now_s, wanted))
        if wanted > self.replicas:
            self.replicas = min(wanted, max(2 * self.replicas, self.replicas + 4))
        else:
            self.replicas = min(self.replicas, max(r for _, r in self.history))
        return self.replicas


def shares(backlogs: Sequence[float], capacity: float) -> list[float]:
    """What ``capacity`` serves of queues consumed by one process, shared by backlog."""
    total = sum(backlogs)
    if total <= capacity:
        return list(backlogs)
    return [capacity * backlog / total for backlog in backlogs]


def exit_times(arrived: Sequence[float], departed: Sequence[float]) -> list[int]:
    """For each second, when the last message that arrived then left the FIFO queue,
    from the cumulative arrivals and departures per second (-1: not by the day's end)."""
    exits, s = [], 0
    for t, count in enumerate(arrived):
        s = max(s, t)
        while s < len(departed) and departed[s] < count - 1e-6:
            s += 1
        exits.append(s if s < len(departed) else -1)
    return exits


def weighted_percentile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` each counted ``weights`` times."""
    pairs = sorted((v, w) for v, w in zip(values, weights, strict=True) if w > 0)
    if not pairs:
        return 0.0
    goal, seen = q * sum(w for _, w in pairs), 0.0
    for value, weight in pairs:
        seen += weight
        if seen >= goal:
            return value
    return pairs[-1][0]


def load_bounds(path: Path = VALUES) -> tuple[dict[str, Bounds], dict[str, tuple[str, ...]]]:
    """Each scaled process's Bounds and queues, from the chart's values."""
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    keda = values["keda"]
    bounds, queues = {}, {}
    for name, process in values["processes"].items():
        if process["queues"]:
            bounds[name] = Bounds(
                process["minReplicas"],
                process["maxReplicas"],
                float(process["queueLength"]),
                float(keda["cooldownPeriod"]),
                float(keda["scaleDownStabilizationSeconds"]),
            )
            queues[name] = tuple(process["queues"])
    return bounds, queues


@cache
def chart_threads(path: Path = VALUES) -> int:
    """The threads of each worker the chart deploys (PERMIS_WORKER_THREADS)."""
    values = yaml.safe_load(path.read_text(encoding="utf-8"))
    return int(values["settings"]["PERMIS_WORKER_THREADS"])


def capacity_per_replica(process: str) -> float:
    """Messages per second one replica finishes: its threads over the handling time, and
    no more than one core of CPU (one process runs Python on one core at a time)."""
    cpu_ms, handling_ms = SERVICE[process]
    return min(chart_threads() * 1000 / handling_ms, 1000 / cpu_ms)


def offered(day: Day) -> dict[str, list[float]]:
    """Messages arriving on the external queues in each second of ``day``."""
    per_hour = [day.dossiers * weight / sum(HOURLY) / 3600 for weight in HOURLY]
    submissions = [per_hour[t // 3600] for t in range(DAY_S)]
    for t in range(day.burst_at_s, day.burst_at_s + day.burst_s):
        submissions[t] *= day.burst_factor
    decisions_per_s = day.dossiers / (len(AGENT_HOURS) * 3600)
    decisions = [decisions_per_s if t // 3600 in AGENT_HOURS else 0.0 for t in range(DAY_S)]
    for t in range(day.batch_at_s, day.batch_at_s + 10):  # a platform's batch, in 10 s
        decisions[t] += day.batch / 10
    return {"portal.submissions": submissions, "agents.decisions": decisions}


@dataclass
class Run:
    """Per second: each queue's cumulative arrivals and departures and its backlog, and
    each process's ready replicas."""

    arrived: dict[str, list[float]]
    departed: dict[str, list[float]]
    backlog: dict[str, list[float]]
    replicas: dict[str, list[int]]


def simulate(
    load: dict[str, list[float]], bounds: dict[str, Bounds], queues: dict[str, tuple[str, ...]]
) -> Run:
    """Replay ``load`` (messages per second on the external queues) second by second
    through the stages, each process scaled within its ``bounds``."""
    length = len(next(iter(load.values())))
    names = [q for qs in queues.values() for q in qs]
    run = Run({q: [] for q in names}, {q: [] for q in names}, {q: [] for q in names}, {})
    scalers = {p: Autoscaler(b, b.min or 1) for p, b in bounds.items()}
    starting: dict[str, list[float]] = {p: [] for p in bounds}
    ready = {p: scaler.replicas for p, scaler in scalers.items()}
    backlog = dict.fromkeys(names, 0.0)
    totals = {q: [0.0, 0.0] for q in names}
    external = [(q, load[q]) for q in names if q in load]
    for t in range(length):
        incoming = dict.fromkeys(names, 0.0)
        for queue, counts in external:
            incoming[queue] = counts[t]
        for process in queues:  # in the flow's order: downstream gets the same second's work
            served = serve(queues[process], backlog, incoming, ready[process], process)
            for queue, count in served.items():
                for target, fan_out in FLOWS[queue]:
                    if target in incoming:  # a stage left out of ``queues`` drops it
                        incoming[target] += count * fan_out
        _record(run, t, names, backlog, incoming, totals)
        if t % HPA_SYNC_S == 0:
            _rescale(t, scalers, starting, ready, queues, backlog)
        _start_ready(t, starting, ready)
        for process, count in ready.items():
            run.replicas.setdefault(process, []).append(count)
    return run


def serve(
    own: tuple[str, ...],
    backlog: dict[str, float],
    incoming: dict[str, float],
    replicas: int,
    process: str,
) -> dict[str, float]:
    """One second of a process's replicas on its queues: what each queue sent on."""
    for queue in own:
        backlog[queue] += incoming[queue]
    done = shares([backlog[q] for q in own], replicas * capacity_per_replica(process))
    for queue, count in zip(own, done, strict=True):
        backlog[queue] -= count
    return dict(zip(own, done, strict=True))


def _record(run: Run, t: int, names: list[str], backlog: Any, incoming: Any, totals: Any) -> None:
    for queue in names:
        totals[queue][0] += incoming[queue]
        totals[queue][1] = totals[queue][0] - backlog[queue]
        run.arrived[queue].append(totals[queue][0])
        run.departed[queue].append(totals[queue][1])
        run.backlog[queue].append(backlog[queue])


def _rescale(t: int, scalers: Any, starting: Any, ready: Any, queues: Any, backlog: Any) -> None:
    for process, scaler in scalers.items():
        wanted = scaler.step(t, [backlog[q] for q in queues[process]])
        pending = starting[process]
        while ready[process] + len(pending) > wanted and pending:
            pending.pop()
        if ready[process] > wanted:
            ready[process] = wanted  # a replica stopping finishes its messages in hand
        pending.extend([t + START_S] * (wanted - ready[process] - len(pending)))


def _start_ready(t: int, starting: dict[str, list[float]], ready: dict[str, int]) -> None:
    for process, pending in starting.items():
        ready[process] += sum(1 for at in pending if at <= t)
        starting[process] = [at for at in pending if at > t]


def stage_latency_s(run: Run, queue: str, process: str) -> list[float]:
    """Per second, the wait of its last arrival at ``queue`` plus the handling time."""
    handling_s = SERVICE[process][1] / 1000
    exits = exit_times(run.arrived[queue], run.departed[queue])
    end = len(exits)
    return [(s - t if s >= 0 else end - t) + handling_s for t, s in enumerate(exits)]


def path_latency_s(run: Run, path: Sequence[str], owner: dict[str, str]) -> list[float]:
    """Per second, how long a message arriving then took along ``path`` to its last stage."""
    exits = {q: exit_times(run.arrived[q], run.departed[q]) for q in path}
    handling = sum(SERVICE[owner[q]][1] for q in path) / 1000
    latencies, end = [], len(run.arrived[path[0]])
    for t in range(end):
        s = t
        for queue in path:
            s = exits[queue][s] if s >= 0 else -1
        latencies.append((s - t if s >= 0 else end - t) + handling)
    return latencies


def per_second(cumulative: Sequence[float]) -> list[float]:
    """Counts per second from cumulative counts."""
    return [b - a for a, b in zip([0.0, *cumulative[:-1]], cumulative, strict=True)]


def summarise(run: Run, queues: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Per queue: deepest backlog, most replicas, replica-hours, p50/p95/max latency."""
    rows = []
    for process, own in queues.items():
        for queue in own:
            latency = stage_latency_s(run, queue, process)
            weights = per_second(run.arrived[queue])
            busy = [v for v, w in zip(latency, weights, strict=True) if w > 0]
            rows.append(
                {
                    "queue": queue,
                    "process": process,
                    "messages": round(run.arrived[queue][-1]),
                    "deepest": round(max(run.backlog[queue])),
                    "replicas": max(run.replicas[process]),
                    "replica_hours": round(sum(run.replicas[process]) / 3600, 1),
                    "p50_s": weighted_percentile(latency, weights, 0.5),
                    "p95_s": weighted_percentile(latency, weights, 0.95),
                    "max_s": max(busy, default=0.0),
                }
            )
    return rows


def end_to_end(run: Run, queues: dict[str, tuple[str, ...]]) -> dict[str, dict[str, float]]:
    """p50/p95/max of a deposit (submission → deposit email) and a decision (→ its emails)."""
    owner = {q: p for p, qs in queues.items() for q in qs}
    result = {}
    for name, path in (("deposit", DEPOSIT_PATH), ("decision", GRANT_PATH)):
        latency = path_latency_s(run, path, owner)
        weights = per_second(run.arrived[path[0]])
        result[name] = {
            f"{k}_s": weighted_percentile(latency, weights, q)
            for k, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
        }
    return result


def fixed(bounds: dict[str, Bounds]) -> dict[str, Bounds]:
    """The same processes held at their minimum: no autoscaling, to compare."""
    return {p: Bounds(b.min, b.min, b.target) for p, b in bounds.items()}


def table(name: str, day: Day, scaled: Run, still: Run, queues: Any) -> str:
    """The Markdown table of one day, with KEDA and without."""
    lines = [
        f"### {name}: {day.dossiers} dossiers, a {day.burst_factor:g}x burst for "
        f"{day.burst_s // 60} min at 09:30, a batch of {day.batch} grants at 14:00",
        "",
        "| queue | messages | deepest | replicas max | replica-hours "
        "| latency p50 / p95 / max s | without KEDA: deepest, max s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row, base in zip(summarise(scaled, queues), summarise(still, queues), strict=True):
        lines.append(
            f"| {row['queue']} | {row['messages']} | {row['deepest']} | {row['replicas']} "
            f"| {row['replica_hours']} | {row['p50_s']:.2f} / {row['p95_s']:.2f} / "
            f"{row['max_s']:.2f} | {base['deepest']}, {base['max_s']:.2f} |"
        )
    lines += ["", "| end to end | with KEDA: p50 / p95 / max s | without KEDA |", "|---|---:|---:|"]
    with_keda, without = end_to_end(scaled, queues), end_to_end(still, queues)
    for path in with_keda:
        lines.append(f"| {path} | {_figures(with_keda[path])} | {_figures(without[path])} |")
    return "\n".join(lines) + "\n"


def _figures(latency: dict[str, float]) -> str:
    return " / ".join(f"{latency[k]:.2f}" for k in ("p50_s", "p95_s", "max_s"))


def plot(run: Run, queues: dict[str, tuple[str, ...]], title: str, day: Day, out: Path) -> None:
    """Queue depth, ready replicas and stage latency: the whole day (max per minute) and,
    beside it, second by second around the batch of grants."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, figsize=(13, 10), sharex="col", width_ratios=(3, 2))
    zoom = range(day.batch_at_s - 60, day.batch_at_s + 600)
    for process, own in queues.items():
        series: list[tuple[int, Sequence[float], str]] = [(0, run.replicas[process], process)]
        series += [(1, run.backlog[q], q) for q in own]
        series += [(2, stage_latency_s(run, q, process), q) for q in own]
        for row, values, label in series:
            axes[row][0].plot(_per_minute_h(values), _per_minute(values), label=label)
            axes[row][1].plot([t / 60 for t in zoom], [values[t] for t in zoom], label=label)
    for column, when in ((0, "hour of the day"), (1, "minute of the day")):
        axes[0][column].set(ylabel="ready replicas")
        axes[1][column].set(ylabel="messages in queue", yscale="symlog")
        axes[2][column].set(ylabel="stage latency, s", yscale="log", xlabel=when)
    axes[0][0].set_title(f"{title}: the day, max per minute")
    axes[0][1].set_title("around the batch of grants, per second")
    for axis in (axis for row in axes for axis in row):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, ncol=3, loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def _per_minute(values: Sequence[float]) -> list[float]:
    return [max(values[m * 60 : m * 60 + 60]) for m in range(len(values) // 60)]


def _per_minute_h(values: Sequence[float]) -> list[float]:
    return [m / 60 for m in range(len(values) // 60)]


DAYS = {
    "A realistic day": (Day(), ROOT / "docs" / "scaling.png"),
    "A heavy day (20x)": (Day(dossiers=20_000, batch=5_000), ROOT / "docs" / "scaling-heavy.png"),
}


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scaling.md")
    parser.add_argument("--no-plot", action="store_true", help="the tables only")
    args = parser.parse_args(list(argv) if argv is not None else None)
    bounds, queues = load_bounds()
    sections = [inputs(bounds)]
    for name, (day, png) in DAYS.items():
        load = offered(day)
        scaled, still = simulate(load, bounds, queues), simulate(load, fixed(bounds), queues)
        sections.append(table(name, day, scaled, still, queues))
        if not args.no_plot:
            plot(scaled, queues, f"{name}: {day.dossiers} dossiers", day, png)
    report = "\n".join(sections)
    print(report)
    record(args.out, report)


def inputs(bounds: dict[str, Bounds]) -> str:
    """What the run assumed: each process's rate per replica and its chart values."""
    lines = [
        "Service times: bench/results/load.md, run of 2026-12-07T19:16:03 (SERVICE in "
        f"bench/scaling.py); {chart_threads()} threads (the chart's); a new replica ready "
        f"{START_S} s after it is asked for; the HPA evaluates every {HPA_SYNC_S} s.",
        "",
        "| process | messages/s per replica | min | max | queueLength | s of one replica's work |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, rule in bounds.items():
        rate = capacity_per_replica(name)
        lines.append(
            f"| {name} | {rate:.0f} | {rule.min} | {rule.max} | {rule.target:g} "
            f"| {rule.target / rate:.1f} |"
        )
    return "\n".join(lines) + "\n"


def record(out: Path, report: str) -> None:
    """Append the run to ``out`` with the machine and the date."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from machine import describe

    header = "# Scaling simulations\n\nEach section is one run of `bench/scaling.py`, appended.\n"
    existing = out.read_text(encoding="utf-8") if out.exists() else header
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    section = f"\n## Run of {stamp}\n\n- Machine: {describe()}\n- Command: "
    section += "`.venv/bin/python bench/scaling.py`\n\n" + report
    out.write_text(existing + section, encoding="utf-8")


if __name__ == "__main__":
    main()
