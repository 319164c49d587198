"""Load: submissions at a steady rate through `permis run`, a share of them granted.

    .venv/bin/python bench/load.py [--submissions N] [--rate R] [--grants SHARE]
                                   [--grant-burst N] [--database postgres|sqlite]
                                   [--threads T] [--processes P] [--out FILE]

Everything real on this machine: a fresh RabbitMQ vhost and PostgreSQL schema (or SQLite
file), an SMTP server in this process recording when each email arrives, development
keys, and `permis run` as ops start it. It publishes N submissions at R per second (with
publisher confirms, as the portal would), grants a share of the deposited dossiers with
signed decisions, and measures:

- submissions → deposit email received: throughput, and p50/p95/p99 end to end;
- grant published → both authorization emails received: throughput and percentiles,
  under the load (as offered) and, with --grant-burst, for N grants published at once
  after it (the documents stage's capacity);
- per stage, p50/p95/p99 of the handling time (dramatiq's histograms, from /metrics);
- peak resident memory of each worker process, and CPU ms per dossier of each process,
  of RabbitMQ and of PostgreSQL (all their processes on this host);
- the ceiling, in the same run: five no-op dramatiq actors in a chain (bench/ceiling.py)
  on the same broker, and Permis's deposit throughput as a share of it.

Results go to ``--out`` (Markdown, with the machine) and a JSON line to standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pika
import sqlalchemy
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import profiles  # noqa: E402
from machine import describe  # noqa: E402

from tests.support.load import PLATFORM, Publisher, grant, submission  # noqa: E402
from tests.support.processes import children, clean_env, permis, stop, wait_until  # noqa: E402
from tests.support.rabbit import fresh_vhost  # noqa: E402
from tests.support.smtp import free_port  # noqa: E402
from workers.core.store.database import engine_url  # noqa: E402
from workers.core.topology import (  # noqa: E402
    DECISIONS_EXCHANGE,
    EVENTS_EXCHANGE,
    SUBMISSIONS_EXCHANGE,
)
from workers.seal.keys import generate_seal  # noqa: E402
from workers.signatures.keys import KEYS_FILE, generate_keys  # noqa: E402

BROKER = "amqp://guest:guest@127.0.0.1:5672"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")
HEADERS = BytesHeaderParser()


@dataclass
class Arrivals:
    """What the SMTP server received: (time, kind, dossier) per distinct email, at its first
    arrival; a resend (same kind, dossier and recipient) is only counted in ``resent``."""

    emails: list[tuple[float, str, str]] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    resent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = HEADERS.parsebytes(envelope.content)  # the body is not needed: cheaper
        kind, dossier = str(parsed["X-Permis-Kind"]), str(parsed["X-Permis-Dossier"])
        key = (kind, dossier, str(parsed["To"]))
        with self.lock:
            if key in self.seen:
                self.resent += 1
            else:
                self.seen.add(key)
                self.emails.append((time.time(), kind, dossier))
        return "250 OK"

    def count(self, kind: str) -> int:
        with self.lock:
            return sum(1 for _, k, _ in self.emails if k == kind)

    def forget(self) -> None:
        """Count from now on (a resend of an earlier email still counts as one)."""
        with self.lock:
            self.emails.clear()


def database(kind: str, folder: Path, tag: str) -> tuple[str, Any]:
    """A fresh database URL, and how to drop it afterwards."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'permis.db'}", lambda: None
    engine = sqlalchemy.create_engine(engine_url(POSTGRES))
    schema = f"bench_{tag}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()

    return f"{POSTGRES}?options=-csearch_path%3D{schema}", drop


class Events(threading.Thread):
    """Reads permis.events: which dossier each submission became; grants a share once routed."""

    def __init__(self, url: str, keys: Path, every: int) -> None:
        super().__init__(daemon=True)
        self.url, self.keys, self.every = url, keys, every
        self.dossier_of: dict[str, str] = {}
        self.routed: list[str] = []
        self.granted_at: dict[str, float] = {}
        self.stop = threading.Event()
        self.ready = threading.Event()

    def forget(self) -> None:
        """Start anew: no dossier seen, routed or granted yet (a grant stays every n-th)."""
        self.dossier_of.clear()
        self.routed.clear()
        self.granted_at.clear()

    def run(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        channel = connection.channel()
        platform = Publisher(self.url, self.stop)
        queue = channel.queue_declare("", exclusive=True).method.queue
        for key in ("dossier.deposited.#", "dossier.routed.#"):
            channel.queue_bind(queue, EVENTS_EXCHANGE, routing_key=key)
        self.ready.set()
        for method, _props, body in channel.consume(queue, auto_ack=True, inactivity_timeout=0.2):
            if self.stop.is_set():
                break
            if method is None:
                continue
            event = json.loads(body)
            data, number = event["data"], event["data"]["dossier_number"]
            if event["type"].endswith(".deposited"):
                self.dossier_of[data["submission_id"]] = number
                continue
            self.routed.append(number)  # a decision is for a routed dossier: grant every n-th
            if self.every and len(self.routed) % self.every == 0:
                raw, headers = grant(number, self.keys)
                self.granted_at[number] = time.time()
                platform.publish(DECISIONS_EXCHANGE, raw, headers)
        platform.close()
        connection.close()


def warm_up(
    url: str, count: int, rate: float, events: Events, arrivals: Arrivals, timeout_s: float
) -> bool:
    """Put ``count`` submissions through first (a tenth granted, as the load), wait for all
    their emails, then forget them: the figures are those of processes already warm."""
    if count <= 0:
        return True
    publish(url, count, rate, f"warm-{uuid.uuid4().hex[:8]}")
    grants = count // events.every if events.every else 0
    through = wait_until(
        lambda: (
            arrivals.count("deposit_confirmation") >= count
            and arrivals.count("authorization_granted") >= 2 * grants
        ),
        timeout_s,
    )
    time.sleep(1.0)  # the last marks and events after the last email
    events.forget()
    arrivals.forget()
    return through


def publish(url: str, count: int, rate: float, tag: str) -> dict[str, float]:
    """Publish ``count`` submissions at ``rate`` per second, confirmed; when each left."""
    portal = Publisher(url, threading.Event())
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(count):
        wait = started + n / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        body = submission(f"bench-{tag}-{n}")
        sent[f"bench-{tag}-{n}"] = time.time()
        portal.publish(SUBMISSIONS_EXCHANGE, body)
    portal.close()
    return sent


def grant_burst(url: str, keys: Path, events: Events, count: int) -> dict[str, float]:
    """Once the load is through, grant ``count`` routed dossiers at once; when each left."""
    numbers = [n for n in events.routed if n not in events.granted_at][:count]
    platform = Publisher(url, threading.Event())
    sent: dict[str, float] = {}
    for number in numbers:
        raw, headers = grant(number, keys)
        sent[number] = time.time()
        platform.publish(DECISIONS_EXCHANGE, raw, headers)
    platform.close()
    return sent


def summarise_burst(
    burst: dict[str, float], arrivals: Arrivals, cpu: dict[str, float] | None = None
) -> dict[str, Any]:
    """Grants published at once: how fast both authorization emails came for each, and
    what CPU each took (``cpu``: seconds per process over the burst)."""
    if not burst:
        return {}
    received: dict[str, list[float]] = defaultdict(list)
    for t, kind, number in arrivals.emails:
        if kind == "authorization_granted" and number in burst:
            received[number].append(t)
    complete = {n: max(times) for n, times in received.items() if len(times) == 2}
    latencies = [(t - burst[n]) * 1000 for n, t in complete.items()]
    elapsed = max(complete.values(), default=0.0) - min(burst.values())
    per_grant = {
        name: round(seconds / max(1, len(complete)) * 1000, 2)
        for name, seconds in sorted((cpu or {}).items())
    }
    return {
        "burst_grants": len(complete),
        "burst_grants_per_s": round(len(complete) / elapsed, 1) if complete else 0.0,
        "burst_grant_latency_ms": {k: round(v, 1) for k, v in percentiles(latencies).items()},
        **({"cpu_ms_per_burst_grant": per_grant} if per_grant else {}),
    }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def stage_percentiles(port: int) -> dict[str, dict[str, float]]:
    """p50/p95/p99 of each stage's handling time, from dramatiq's histogram buckets."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    buckets: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "dramatiq_message_duration_milliseconds_bucket":
                buckets[sample.labels["queue_name"]].append(
                    (float(sample.labels["le"]), sample.value)
                )
    result = {}
    for queue, points in sorted(buckets.items()):
        points.sort()
        total = points[-1][1]
        if total:
            result[queue] = {
                f"p{int(q * 100)}": _bucket_quantile(points, q * total) for q in (0.5, 0.95, 0.99)
            }
    return result


def _bucket_quantile(points: list[tuple[float, float]], rank: float) -> float:
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in points:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 0
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, count
    return lower_bound


def processes(parent: int) -> dict[int, str]:
    names = {}
    for pid in children(parent, "."):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            names[pid] = cmdline[-2].decode() if len(cmdline) > 1 else str(pid)
        except OSError:
            continue
    return names


def memory_and_cpu(
    pids: dict[int, str], supervisor: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Per stage (supervisor included): the largest peak resident MiB of its processes, and
    the CPU seconds they used together (several with ``--processes``)."""
    peaks: dict[str, float] = {}
    cpu: dict[str, float] = defaultdict(float)
    for pid, name in {**pids, supervisor: "supervisor"}.items():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        peaks[name] = max(peaks.get(name, 0.0), int(hwm.split()[1]) / 1024)
        cpu[name] += cpu_seconds(pid)
    return peaks, dict(cpu)


def cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(stat[11]) + int(stat[12])) / TICKS  # utime, stime


def services_cpu() -> dict[str, float]:
    """CPU seconds used so far by the broker's and the database's processes on this host."""
    used = {"rabbitmq": 0.0, "postgresql": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith(("beam", "erl_child", "epmd", "inet_gethost")):
            used["rabbitmq"] += cpu_seconds(int(entry.name))
        elif comm.startswith("postgres"):
            used["postgresql"] += cpu_seconds(int(entry.name))
    return used


def run(args: argparse.Namespace) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    with ExitStack() as cleanup:  # undone in reverse, whatever fails on the way
        url = f"{BROKER}/{cleanup.enter_context(fresh_vhost('permis-bench'))}"
        folder = Path(tempfile.mkdtemp(prefix="permis-bench-"))
        db_url, drop_db = database(args.database, folder, tag)
        cleanup.callback(drop_db)
        keys = folder / "keys"
        generate_keys(keys, [PLATFORM])
        seal = generate_seal(keys)
        arrivals = Arrivals()
        relay = Controller(arrivals, hostname="127.0.0.1", port=free_port())
        relay.start()
        cleanup.callback(relay.stop)
        metrics_port = free_port()
        env = clean_env(
            PERMIS_BROKER_URL=url,
            PERMIS_DATABASE_URL=db_url,
            PERMIS_SMTP_HOST="127.0.0.1",
            PERMIS_SMTP_PORT=str(relay.port),
            PERMIS_DECISION_KEYS=str(keys / KEYS_FILE),
            PERMIS_SEAL_KEY=str(seal.key_file),
            PERMIS_SEAL_CERT=str(seal.cert_file),
            PERMIS_METRICS_PORT=str(metrics_port),
            PERMIS_WORKER_THREADS=str(args.threads),
            PERMIS_WORKER_PROCESSES=str(args.processes),
        )
        log = cleanup.enter_context((folder / "permis.log").open("wb"))
        supervisor = subprocess.Popen(permis("run"), cwd=ROOT, env=env, stdout=log, stderr=log)
        cleanup.callback(stop, supervisor)
        every = round(1 / args.grants) if args.grants > 0 else 0
        events = Events(url, keys, every)
        cleanup.callback(events.stop.set)
        health = permis("health")
        up = wait_until(
            lambda: subprocess.run(health, cwd=ROOT, env=env, capture_output=True).returncode == 0,
            120,
        )
        if not up:
            raise SystemExit(f"permis run did not become healthy: see {folder / 'permis.log'}")
        events.start()
        events.ready.wait(30)
        if not warm_up(url, args.warmup, args.rate, events, arrivals, args.timeout):
            raise SystemExit(f"the warm-up did not go through: see {folder / 'permis.log'}")
        services_before = services_cpu()
        workers_before = memory_and_cpu(processes(supervisor.pid), supervisor.pid)[1]
        recordings = start_profiles(args, processes(supervisor.pid))
        sent = publish(url, args.submissions, args.rate, tag)
        grants = args.submissions // every if every else 0
        done = wait_until(
            lambda: (
                arrivals.count("deposit_confirmation") >= args.submissions
                and arrivals.count("authorization_granted") >= 2 * grants
            ),
            args.timeout,
        )
        services_loaded = services_cpu()
        workers_loaded = memory_and_cpu(processes(supervisor.pid), supervisor.pid)[1]
        profiles.finish(recordings, args.profile_seconds + 30)
        burst = grant_burst(url, keys, events, args.grant_burst) if args.grant_burst else {}
        if burst:
            done = done and wait_until(
                lambda: arrivals.count("authorization_granted") >= 2 * (grants + len(burst)),
                args.timeout,
            )
        services_after = services_cpu()
        peaks, workers_after = memory_and_cpu(processes(supervisor.pid), supervisor.pid)
        cpu = spent(workers_before, workers_loaded) | spent(services_before, services_loaded)
        burst_cpu = spent(workers_loaded, workers_after) | spent(services_loaded, services_after)
        stages = stage_percentiles(metrics_port)
    floor = run_floor(args, every) if args.floor else {}
    ceiling = run_ceiling(args.ceiling_chains)
    result = summarise(args, sent, events, arrivals, done, peaks, cpu, stages, ceiling)
    return {
        **result,
        **summarise_burst(burst, arrivals, burst_cpu),
        **({"floor": floor} if floor else {}),
    }


def start_profiles(args: argparse.Namespace, pids: dict[int, str]) -> list[profiles.Recording]:
    """With --profile, py-spy on every stage process for the first --profile-seconds."""
    if args.profile is None:
        return []
    tool = profiles.py_spy(args.py_spy)
    return profiles.record(pids, args.profile_seconds, args.profile, tool)


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds each process used between two readings."""
    return {name: seconds - before.get(name, 0.0) for name, seconds in after.items()}


def run_floor(args: argparse.Namespace, every: int) -> dict[str, Any]:
    """bench/floor.py with this run's load, on a vhost and schema of its own."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "floor.py"),
        f"--submissions={args.submissions}",
        f"--rate={args.rate}",
        f"--grant-every={every}",
        f"--grant-burst={args.grant_burst}",
        f"--warmup={args.warmup}",
        f"--threads={args.threads}",
        f"--timeout={args.timeout}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=3 * args.timeout)
    if out.returncode != 0:
        raise SystemExit(f"bench/floor.py failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_ceiling(chains: int) -> dict[str, Any]:
    with fresh_vhost("permis-ceiling") as vhost:
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "ceiling.py"),
                "--url",
                f"{BROKER}/{vhost}",
                "--chains",
                str(chains),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def summarise(
    args: argparse.Namespace,
    sent: dict[str, float],
    events: Events,
    arrivals: Arrivals,
    done: bool,
    peaks: dict[str, float],
    cpu: dict[str, float],
    stages: dict[str, dict[str, float]],
    ceiling: dict[str, Any],
) -> dict[str, Any]:
    deposit_at = {d: t for t, k, d in arrivals.emails if k == "deposit_confirmation"}
    latencies = [
        (deposit_at[number] - sent[sid]) * 1000
        for sid, number in events.dossier_of.items()
        if number in deposit_at and sid in sent
    ]
    authorized: dict[str, list[float]] = defaultdict(list)
    for t, k, d in arrivals.emails:
        if k == "authorization_granted":
            authorized[d].append(t)
    grant_latencies = [
        (max(times) - events.granted_at[d]) * 1000
        for d, times in authorized.items()
        if len(times) == 2 and d in events.granted_at
    ]
    first = min(sent.values())
    deposits_per_s = len(deposit_at) / (max(deposit_at.values()) - first) if deposit_at else 0.0
    grant_start = min(events.granted_at.values()) if events.granted_at else 0.0
    last_auth = max((max(t) for t in authorized.values()), default=0.0)
    grants_per_s = len(grant_latencies) / (last_auth - grant_start) if grant_latencies else 0.0
    return {
        "database": args.database,
        "submissions": args.submissions,
        "rate": args.rate,
        "threads": args.threads,
        "processes": args.processes,
        "warmup": getattr(args, "warmup", 0),
        "complete": done,
        "deposits": len(deposit_at),
        "deposits_per_s": round(deposits_per_s, 1),
        "deposit_latency_ms": {k: round(v, 1) for k, v in percentiles(latencies).items()},
        "grants": len(grant_latencies),
        "grants_per_s": round(grants_per_s, 1),
        "grant_latency_ms": {k: round(v, 1) for k, v in percentiles(grant_latencies).items()},
        "emails_resent": arrivals.resent,
        "stage_ms": {q: {k: round(v, 1) for k, v in p.items()} for q, p in stages.items()},
        "peak_rss_mib": {k: round(v, 1) for k, v in sorted(peaks.items())},
        "cpu_ms_per_dossier": {
            name: round(seconds / max(1, len(deposit_at)) * 1000, 2)
            for name, seconds in sorted(cpu.items())
        },
        "ceiling_chains_per_s": ceiling.get("chains_per_s"),
        "share_of_ceiling": round(deposits_per_s / ceiling["chains_per_s"], 2)
        if ceiling.get("chains_per_s")
        else None,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"## {result['submissions']} submissions at {result['rate']}/s, {result['database']}",
        "",
        f"- Machine: {describe()}",
        f"- Date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- Command: `{shlex.join(sys.orig_argv)}`",
        f"- Workers: {result['processes']} process(es) per stage, {result['threads']} threads"
        + (f", warmed up with {result['warmup']} submissions" if result.get("warmup") else ""),
        f"- Complete: {result['complete']} ({result['deposits']} deposit emails, "
        f"{result['grants']} grants with both emails, {result['emails_resent']} emails resent)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| submissions → deposit email | {result['deposits_per_s']}/s |",
        f"| … latency p50 / p95 / p99 / max | {_quantiles(result['deposit_latency_ms'])} ms |",
        f"| grant → both authorization emails | {result['grants_per_s']}/s |",
        f"| … latency p50 / p95 / p99 / max | {_quantiles(result['grant_latency_ms'])} ms |",
        *(
            [
                f"| {result['burst_grants']} grants published at once → both emails "
                f"| {result['burst_grants_per_s']}/s |",
                f"| … latency p50 / p95 / p99 / max "
                f"| {_quantiles(result['burst_grant_latency_ms'])} ms |",
            ]
            if "burst_grants" in result
            else []
        ),
        *(_floor_rows(result["floor"]) if "floor" in result else []),
        f"| ceiling: 5 no-op actors chained, confirms on | {result['ceiling_chains_per_s']}/s |",
        f"| Permis deposits as a share of the ceiling | {result['share_of_ceiling']} |",
        f"| CPU per dossier, Permis processes | {_permis_cpu(result)} ms |",
        *(
            [
                f"| CPU per burst grant, Permis processes "
                f"| {_permis_cpu(result, 'cpu_ms_per_burst_grant')} ms |"
            ]
            if "cpu_ms_per_burst_grant" in result
            else []
        ),
        "",
        "| stage | p50 | p95 | p99 (ms, handling time) |",
        "|---|---:|---:|---:|",
        *(
            f"| {q} | {p.get('p50')} | {p.get('p95')} | {p.get('p99')} |"
            for q, p in result["stage_ms"].items()
        ),
        "",
        "| process | peak resident MiB | CPU ms per dossier |",
        "|---|---:|---:|",
        *(
            f"| {name} | {result['peak_rss_mib'].get(name, '—')} | {ms} |"
            for name, ms in result["cpu_ms_per_dossier"].items()
        ),
        "",
    ]
    return "\n".join(lines)


OUTSIDE = ("rabbitmq", "postgresql")


def _floor_rows(floor: dict[str, Any]) -> list[str]:
    grants = floor.get("floor_burst_grants_per_s", floor.get("floor_grants_per_s"))
    return [
        f"| floor: the same hops, infrastructure only (bench/floor.py) "
        f"| {floor.get('floor_deposits_per_s')} deposits/s, {grants} grants/s |",
        f"| … its latency p50 / p95 / p99 / max "
        f"| {_quantiles(floor.get('deposit_latency_ms', {}))} ms |",
        f"| … its CPU per dossier, floor processes | {floor.get('cpu_ms_per_dossier')} ms |",
        *(
            [f"| … its CPU per burst grant | {floor['cpu_ms_per_burst_grant']} ms |"]
            if "cpu_ms_per_burst_grant" in floor
            else []
        ),
    ]


def _permis_cpu(result: dict[str, Any], key: str = "cpu_ms_per_dossier") -> float:
    return round(sum(ms for name, ms in result.get(key, {}).items() if name not in OUTSIDE), 2)


def flat(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The run's figures as one flat object, for a machine to check: Permis, the floor
    and the ceiling of the same run, and the arguments that made it."""
    floor = result.get("floor", {})
    burst = "burst_grants" in result
    latency = result["deposit_latency_ms"]
    return {
        "deposits_per_s": result["deposits_per_s"],
        "grants_per_s": result["burst_grants_per_s"] if burst else result["grants_per_s"],
        "p50_ms": latency.get("p50"),
        "p95_ms": latency.get("p95"),
        "p99_ms": latency.get("p99"),
        "cpu_ms_per_dossier": _permis_cpu(result),
        "cpu_ms_per_grant": _permis_cpu(result, "cpu_ms_per_burst_grant") if burst else None,
        "cpu_ms_by_stage": {
            name: ms for name, ms in result["cpu_ms_per_dossier"].items() if name not in OUTSIDE
        },
        "cpu_ms_services": {
            name: ms for name, ms in result["cpu_ms_per_dossier"].items() if name in OUTSIDE
        },
        "floor_deposits_per_s": floor.get("floor_deposits_per_s"),
        "floor_grants_per_s": floor.get(
            "floor_burst_grants_per_s" if burst else "floor_grants_per_s"
        ),
        "floor_p50_ms": floor.get("deposit_latency_ms", {}).get("p50"),
        "floor_p99_ms": floor.get("deposit_latency_ms", {}).get("p99"),
        "floor_cpu_ms_per_dossier": floor.get("cpu_ms_per_dossier"),
        "floor_cpu_ms_per_grant": floor.get("cpu_ms_per_burst_grant"),
        "share_of_floor": round(result["deposits_per_s"] / floor["floor_deposits_per_s"], 2)
        if floor.get("floor_deposits_per_s")
        else None,
        "ceiling_per_s": result["ceiling_chains_per_s"],
        "rss_mb_max": max(result["peak_rss_mib"].values(), default=None),
        "complete": result["complete"] and floor.get("complete", True),
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }


def _quantiles(values: dict[str, float]) -> str:
    return " / ".join(str(values.get(k, "—")) for k in ("p50", "p95", "p99", "max"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--grants", type=float, default=0.1, help="share of dossiers granted")
    parser.add_argument(
        "--grant-burst",
        type=int,
        default=0,
        help="then grant this many routed dossiers at once (grant capacity)",
    )
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--threads", type=int, default=4, help="PERMIS_WORKER_THREADS")
    parser.add_argument("--processes", type=int, default=1, help="PERMIS_WORKER_PROCESSES")
    parser.add_argument(
        "--warmup", type=int, default=0, help="first put N submissions through, not counted"
    )
    parser.add_argument("--ceiling-chains", type=int, default=2000)
    parser.add_argument(
        "--no-floor", dest="floor", action="store_false", help="skip bench/floor.py"
    )
    parser.add_argument(
        "--json", action="store_true", help="last line: one flat JSON object (see flat())"
    )
    parser.add_argument(
        "--profile", type=Path, help="py-spy every stage into this folder (bench/profiles.py)"
    )
    parser.add_argument("--profile-seconds", type=int, default=20)
    parser.add_argument("--py-spy", help="the py-spy to run, if not beside python or on PATH")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.md")
    args = parser.parse_args()
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as out:
        out.write(markdown(result) + "\n")
    print(json.dumps(flat(result, args) if args.json else result))


if __name__ == "__main__":
    main()
