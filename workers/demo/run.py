"""``permis demo``: the sample messages through the whole pipeline, and what became of each."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from config.settings import DEFAULT_DATABASE_URL, Settings
from workers.bootstrap import Pipeline, bootstrap
from workers.core.amqp import connect, properties
from workers.core.ports import RecordingPublisher
from workers.core.store import Store
from workers.core.store import tables as t
from workers.core.topology import DECISIONS_EXCHANGE, EVENTS_EXCHANGE, SUBMISSIONS_EXCHANGE
from workers.demo import records, summary
from workers.demo.feed import Delivery, answers, decisions, submissions
from workers.demo.page import write_index
from workers.inprocess import drain, serving
from workers.seal.keys import generate_seal
from workers.signatures.keys import KEYS_FILE, generate_keys
from workers.supervisor import prepare

SETTLE_TIMEOUT_S = 60.0


def run_demo(settings: Settings, out: TextIO, run_dir: Path) -> int:
    """Run the demo, embedded (no broker URL) or over RabbitMQ, then print what happened."""
    settings = demo_settings(settings, run_dir)
    started = time.monotonic()
    feeder = RabbitFeeder(settings) if settings.broker_url else EmbeddedFeeder()
    with serving(bootstrap(settings, publisher=feeder.publisher)) as pipeline:
        first = submissions()
        feeder.deliver(pipeline, first)
        numbers = summary.dossier_numbers(pipeline.services.store, first)
        second = decisions(numbers, run_dir / "keys")
        feeder.deliver(pipeline, second)
        third = answers(numbers)
        feeder.deliver(pipeline, third)
        store = pipeline.services.store
        report = _report(settings, store, feeder.events(), run_dir, first, second + third)
        summary.write(report, store, out, time.monotonic() - started)
    feeder.close()
    return 0


def _report(
    settings: Settings,
    store: Store,
    events: list[bytes],
    run_dir: Path,
    submitted: list[Delivery],
    follow_ups: list[Delivery],
) -> summary.Report:
    """What the run left: its documents exported, every dossier's story, and the page."""
    documents = summary.export_documents(store, run_dir / "documents")
    told = records.account(store, settings.mail_dir, events)
    title, labels = f"Permis demo, {run_dir.name}", summary.submission_labels(submitted)
    index = write_index(run_dir, told, run_dir / "documents", title, labels)
    return summary.Report(settings, submitted, follow_ups, events, documents, run_dir, told, index)


def demo_settings(settings: Settings, run_dir: Path) -> Settings:
    """This run's database, emails and development keys in a fresh folder, unless set."""
    run_dir.mkdir(parents=True, exist_ok=True)
    generate_keys(run_dir / "keys", ("pf-nanterre", "pf-tulle", "pf-avignon"))
    seal = generate_seal(run_dir / "keys")
    updates: dict[str, object] = {"decision_keys": run_dir / "keys" / KEYS_FILE}
    if settings.seal_key is None or settings.seal_cert is None:
        updates |= {"seal_key": seal.key_file, "seal_cert": seal.cert_file}
    if settings.database_url == DEFAULT_DATABASE_URL:
        updates["database_url"] = f"sqlite:///{run_dir / 'permis.db'}"
    if settings.mail_dir is None:
        updates["mail_dir"] = run_dir / "mail"
    return settings.model_copy(update=updates)


class EmbeddedFeeder:
    """Hands the messages to ingress directly and runs the in-process broker dry."""

    def __init__(self) -> None:
        self.publisher = RecordingPublisher()

    def deliver(self, pipeline: Pipeline, deliveries: list[Delivery]) -> None:
        for item in deliveries:
            take = pipeline.ingress.take_portal
            if item.channel == "agents":
                take = pipeline.ingress.take_decision
            take(item.body, item.headers)
        drain(pipeline.broker)

    def events(self) -> list[bytes]:
        return [p.body for p in self.publisher.on(EVENTS_EXCHANGE)]

    def close(self) -> None:
        """Nothing to release."""


class RabbitFeeder:
    """Publishes on the contract's exchanges, as the portal and the platforms' tools do."""

    publisher = None

    def __init__(self, settings: Settings) -> None:
        prepare(settings)
        self.connection = connect(settings.broker_url_or_default)
        self.channel = self.connection.channel()
        self.listener = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.listener, EVENTS_EXCHANGE, routing_key="#")
        self.channel.confirm_delivery()
        self.received: list[bytes] = []

    def deliver(self, pipeline: Pipeline, deliveries: list[Delivery]) -> None:
        for item in deliveries:
            exchange = DECISIONS_EXCHANGE if item.channel == "agents" else SUBMISSIONS_EXCHANGE
            self.channel.basic_publish(exchange, "", item.body, properties(item.headers))
        wait_settled(pipeline)

    def events(self) -> list[bytes]:
        while (got := self.channel.basic_get(self.listener, auto_ack=True))[0] is not None:
            self.received.append(got[2])
        return self.received

    def close(self) -> None:
        self.connection.close()


def wait_settled(pipeline: Pipeline) -> None:
    """Wait until nothing is left to publish, route or send, and it stays so for a moment."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    quiet_since = None
    while time.monotonic() < deadline:
        busy = _busy(pipeline)
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.1)


def _busy(pipeline: Pipeline) -> int:
    with pipeline.services.store.engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
        ).scalar_one()
        sending = conn.execute(
            select(func.count()).select_from(t.emails).where(t.emails.c.status == "sending")
        ).scalar_one()
        waiting = conn.execute(
            select(func.count()).select_from(t.dossiers).where(t.dossiers.c.state == "deposited")
        ).scalar_one()
    return int(pending + sending + waiting)
