"""`permis run` under a steady load, and the faults a deployment meets, injected for real.

The broker and the database are the suite's own: a RabbitMQ cluster of three nodes and a
PostgreSQL primary with a synchronous standby, started for the session
(tests/support/cluster.py) and removed after it. The nodes run in network namespaces of
their own when this machine allows it, so that one can be cut off; on loopback ports
otherwise, and the partition scenario is skipped. The machine's own services are never
touched. Each scenario has its own vhost, database and SMTP server.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.cluster import Namespaces, PostgresPair, RabbitCluster
from tests.support.load import DATABASE_GONE, Outcome, Platform, Portal
from tests.support.processes import children, clean_env, permis, stop, wait_until
from tests.support.smtp import HOST, Relay
from workers.core.deadletters import DeadLetters
from workers.seal.keys import generate_seal
from workers.signatures.keys import generate_keys

ROOT = Path(__file__).resolve().parents[2]
REPORT: list[tuple[str, dict[str, int], float, float | None]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REPORT:
        return
    terminalreporter.section("faults: what each scenario's load became")
    for name, summary, settled_s, recovered_s in REPORT:
        figures = ", ".join(f"{k} {v}" for k, v in summary.items())
        terminalreporter.write_line(
            f"{name}: {figures}; first dossier completed {_seconds(recovered_s)} after the"
            f" fault; settled {settled_s:.0f} s after the load"
        )
    path = terminalreporter.config.getoption("fault_report")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for name, summary, settled_s, recovered_s in REPORT:
                cells = " | ".join(str(v) for v in summary.values())
                out.write(f"| {name} | {cells} | {_seconds(recovered_s)} | {settled_s:.0f} s |\n")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


@dataclass
class Services:
    """The suite's own broker cluster and database pair; ``no_network`` says why the nodes
    are not in namespaces of their own, when they are not."""

    rabbit: RabbitCluster
    postgres: PostgresPair
    no_network: str | None


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    no_network = Namespaces.available()
    network = None if no_network else Namespaces(3)
    rabbit = RabbitCluster(tmp_path_factory.mktemp("rabbit"), network=network)
    postgres = PostgresPair()
    try:
        rabbit.start()
        postgres.start()
        yield Services(rabbit, postgres, no_network)
    finally:
        rabbit.close()
        postgres.close()


@dataclass
class Pipeline:
    """`permis run` as ops start it, on this test's vhost, schema and SMTP server."""

    process: subprocess.Popen[bytes]
    env: dict[str, str]
    services: Services
    vhost: str
    broker_url: str
    database_url: str
    keys: Path
    smtp: Relay
    log: Path

    def workers(self, stage: str) -> set[int]:
        return children(self.process.pid, f"worker {stage}")

    def healthy(self) -> bool:
        health = permis("health")
        return subprocess.run(health, cwd=ROOT, env=self.env, capture_output=True).returncode == 0

    def dead_letters(self) -> dict[str, int]:
        """Messages kept for ops, failed in a stage or refused at ingress: none expected."""
        return {queue: n for queue, n in DeadLetters(self.broker_url).counts().items() if n}

    def in_flight(self) -> int:
        """Messages in the stages' queues, ready, delayed or held by a worker."""
        return sum(
            n
            for name, n in self._queues("messages").items()
            if name.startswith("stage.") and not name.endswith(".XQ")
        )

    def held(self, queues: Collection[str]) -> int:
        """Messages of ``queues`` delivered to a consumer and not yet acknowledged."""
        return sum(
            n for name, n in self._queues("messages_unacknowledged").items() if name in queues
        )

    def _queues(self, column: str) -> dict[str, int]:
        # A queue that cannot say (no leader yet) counts as not empty.
        return {
            q["name"]: int(q[column]) if q[column].isdigit() else 1
            for q in self.services.rabbit.queues(self.vhost)
        }

    def queue_types(self) -> set[str]:
        return {q["type"] for q in self.services.rabbit.queues(self.vhost)}

    def recoveries(self) -> dict[str, int]:
        """What the pipeline's log says it did to recover: stage messages it retried (a
        transaction or a publish that failed in the fault) and outbox rows it published
        late, after the attempt that wrote them could not."""
        retried = late = 0
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            message = entry.get("message", "")
            if message.startswith("Retrying message"):
                retried += 1
            elif message in LATE_PUBLICATIONS:
                late += int(entry.get("count", 0))
        return {"stage messages retried": retried, "outbox rows published late": late}


LATE_PUBLICATIONS = {
    "outbox sweep published leftovers",
    "published what an earlier attempt left pending",
}


@pytest.fixture
def pipeline(services: Services, smtp: Relay, tmp_path: Path) -> Iterator[Pipeline]:
    rabbit, postgres = services.rabbit, services.postgres
    with rabbit.vhost("permis-faults") as vhost, postgres.database("faults") as database:
        broker_url, database_url = rabbit.urls(vhost), postgres.url(database)
        yield from _run_pipeline(services, vhost, broker_url, database_url, smtp, tmp_path)


def _run_pipeline(
    services: Services,
    vhost: str,
    broker_url: str,
    database_url: str,
    smtp: Relay,
    tmp_path: Path,
) -> Iterator[Pipeline]:
    keys = tmp_path / "keys"
    generate_keys(keys, ["pf-nanterre"])
    seal = generate_seal(keys)
    env = clean_env(
        PERMIS_BROKER_URL=broker_url,
        PERMIS_DATABASE_URL=database_url,
        PERMIS_SMTP_HOST=HOST,
        PERMIS_SMTP_PORT=str(smtp.port),
        PERMIS_SMTP_TIMEOUT_S="5",
        PERMIS_DECISION_KEYS=str(keys / "decision-keys.json"),
        PERMIS_SEAL_KEY=str(seal.key_file),
        PERMIS_SEAL_CERT=str(seal.cert_file),
        PERMIS_METRICS_PORT="0",
        PERMIS_OUTBOX_RELAY_INTERVAL_S="2",
    )
    log = tmp_path / "permis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(permis("run"), cwd=ROOT, env=env, stdout=out, stderr=out)
    running = Pipeline(process, env, services, vhost, broker_url, database_url, keys, smtp, log)
    try:
        assert wait_until(running.healthy, 90, every_s=1), log.read_text()[-3000:]
        yield running
    finally:
        stop(process)


@dataclass(frozen=True)
class Load:
    """How much load a scenario runs under: the short form by default, longer by option."""

    rate: float
    seconds: float
    grant_every: int = 10

    @property
    def count(self) -> int:
        return int(self.rate * self.seconds)


@pytest.fixture
def load(request: pytest.FixtureRequest) -> Load:
    return Load(
        rate=float(request.config.getoption("fault_rate")),
        seconds=float(request.config.getoption("fault_seconds")),
    )


def run_under_load(
    pipeline: Pipeline,
    load: Load,
    fault: Callable[[], None],
    *,
    settle_s: float = 300.0,
) -> Outcome:
    """Publish the load, inject ``fault`` a third of the way in, wait for it all to settle."""
    portal = Portal(pipeline.broker_url, load.rate, load.count)
    platform = Platform(pipeline.broker_url, pipeline.database_url, pipeline.keys, load.grant_every)
    portal.start()
    platform.start()
    try:
        time.sleep(load.seconds / 3)
        fault_at = time.monotonic()
        fault()
        portal.join(timeout=load.seconds * 4 + 120)
        assert not portal.is_alive(), "the portal could not publish its load"
        assert portal.error is None and len(portal.sent) == load.count
        fault_over = time.monotonic()

        def all_routed() -> bool:
            outcome = read(pipeline, portal, platform)
            numbers = set(outcome.number_of.values())
            granted = len(platform.granted) == len(numbers) // load.grant_every
            return len(numbers) == len(portal.sent) and numbers <= platform.seen and granted

        wait_until(all_routed, settle_s, every_s=1)
    finally:
        platform.stop.set()
        platform.join(timeout=30)
        portal.stop.set()
    assert platform.error is None and len(platform.granted) == load.count // load.grant_every

    def settled() -> bool:
        return read(pipeline, portal, platform).complete()

    wait_until(settled, settle_s, every_s=1)
    settled_s = time.monotonic() - fault_over
    # A resend would come from a message still retrying: wait for the stages to drain.
    drained = wait_until(lambda: pipeline.in_flight() == 0, settle_s, every_s=1)
    assert drained, "the stages' queues did not drain: messages still retrying"
    outcome = read(pipeline, portal, platform)
    outcome.settled_s = settled_s
    outcome.recovered_s = first_completed_after(pipeline, portal, outcome, fault_at)
    return outcome


def first_completed_after(
    pipeline: Pipeline, portal: Portal, outcome: Outcome, fault_at: float
) -> float | None:
    """Seconds from the fault to the first deposit email of a dossier submitted after it:
    how long the pipeline took to complete new work again."""
    submitted_after = {
        outcome.number_of[s]
        for s, at in portal.published_at.items()
        if at >= fault_at and s in outcome.number_of
    }
    handler = pipeline.smtp.handler
    arrivals = [
        arrived
        for mail, arrived in zip(list(handler.messages), list(handler.arrived), strict=False)
        if mail["X-Permis-Kind"] == "deposit_confirmation"
        and str(mail["X-Permis-Dossier"]) in submitted_after
    ]
    return min(arrivals) - fault_at if arrivals else None


def read(pipeline: Pipeline, portal: Portal, platform: Platform) -> Outcome:
    mails = list(pipeline.smtp.handler.messages)
    try:
        return Outcome.read(portal, platform, pipeline.database_url, mails)
    except DATABASE_GONE:  # restarting: nothing to read yet
        return Outcome(list(portal.sent), list(platform.granted))


def assert_nothing_lost_nothing_twice(name: str, outcome: Outcome, pipeline: Pipeline) -> None:
    tail = pipeline.log.read_text(errors="replace")[-4000:]
    assert outcome.lost_dossiers() == [], tail
    assert outcome.wrong_states() == {}, tail
    assert outcome.missing_emails() == [], tail
    assert outcome.distinct_ids_per_email() == {}
    assert outcome.unexpected_emails() == []
    assert len(outcome.number_of) == len(outcome.sent)
    assert outcome.pending_outbox == 0
    assert pipeline.dead_letters() == {}, tail
    assert pipeline.queue_types() == {"quorum"}
    summary = outcome.summary() | pipeline.recoveries()
    REPORT.append((name, summary, outcome.settled_s, outcome.recovered_s))
