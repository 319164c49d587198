"""Feeds the sample messages through the pipeline and reports what became of each."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

import pika
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from config.settings import DEFAULT_DATABASE_URL, Settings
from workers.bootstrap import Pipeline, bootstrap
from workers.core.amqp import properties
from workers.core.ports import RecordingPublisher
from workers.core.stages import STAGES
from workers.core.store import tables as t
from workers.core.topology import EVENTS_EXCHANGE, SUBMISSIONS_EXCHANGE
from workers.demo.summary import Fed, event_counts, outcome_lines
from workers.inprocess import serving
from workers.supervisor import prepare

SAMPLES = Path(__file__).resolve().parents[2] / "messages" / "samples"
HOSTILE = (("(hostile) not JSON", b"{not json"), ("(hostile) not UTF-8", b"\xff\xfe{}"))
SETTLE_TIMEOUT_S = 60.0


def samples() -> list[tuple[str, bytes]]:
    folder = SAMPLES / "submissions"
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.json"))]


def demo_settings(settings: Settings, base: Path) -> Settings:
    """Unless told otherwise, keep this run's database and emails in a fresh folder."""
    run_dir = base / datetime.now().strftime("run-%Y%m%d-%H%M%S-%f")
    updates: dict[str, object] = {}
    if (
        "database_url" not in settings.model_fields_set
        and settings.database_url == DEFAULT_DATABASE_URL
    ):
        updates["database_url"] = f"sqlite:///{run_dir / 'permis.db'}"
    if settings.mail_dir is None:
        updates["mail_dir"] = run_dir / "mail"
    run_dir.mkdir(parents=True, exist_ok=True)
    return settings.model_copy(update=updates)


def feed() -> list[tuple[Fed, bytes]]:
    """The samples, the first one again (a redelivery), and two hostile bodies."""
    items = []
    for name, body in samples():
        envelope = json.loads(body)
        items.append((Fed(name, envelope["source"], envelope["id"]), body))
    first_fed, first_body = items[0]
    again = Fed(f"(again) {first_fed.label}", first_fed.source, first_fed.message_id, repeat=True)
    items.append((again, first_body))
    items.extend((Fed(label, None, None), body) for label, body in HOSTILE)
    return items


def run_demo(settings: Settings, out: TextIO, base: Path = Path("permis-demo")) -> int:
    """Run the demo, embedded (no broker URL) or over RabbitMQ; print the summary."""
    settings = demo_settings(settings, base)
    started = time.monotonic()
    items = feed()
    keys = _over_rabbitmq(settings, items) if settings.broker_url else _embedded(settings, items)
    pipeline_summary(settings, items, keys, time.monotonic() - started, out)
    return 0


def _embedded(settings: Settings, items: list[tuple[Fed, bytes]]) -> list[str]:
    publisher = RecordingPublisher()
    with serving(bootstrap(settings, publisher=publisher)) as pipeline:
        for _, body in items:
            pipeline.ingress.take_portal(body, {})
        _drain_stub(pipeline)
    return [p.routing_key for p in publisher.on(EVENTS_EXCHANGE)]


def _drain_stub(pipeline: Pipeline) -> None:
    """Wait until the in-process queues are empty, stage after stage."""
    broker = pipeline.broker
    assert isinstance(broker, StubBroker)
    queues = [stage.queue for stage in STAGES.values()]
    for _ in range(20):
        for queue in queues:
            broker.join(queue, fail_fast=False)
        if all(broker.queues[q].qsize() == 0 for q in queues):
            return


def _over_rabbitmq(settings: Settings, items: list[tuple[Fed, bytes]]) -> list[str]:
    prepare(settings)
    url = settings.broker_url_or_default
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    listener = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(listener, EVENTS_EXCHANGE, routing_key="#")
    channel.confirm_delivery()
    with serving(bootstrap(settings)) as pipeline:
        for _, body in items:
            channel.basic_publish(SUBMISSIONS_EXCHANGE, "", body, properties({}))
        _wait_settled(pipeline, items)
    keys = []
    while (got := channel.basic_get(listener, auto_ack=True))[0] is not None:
        keys.append(got[0].routing_key)
    connection.close()
    return keys


def _wait_settled(pipeline: Pipeline, items: list[tuple[Fed, bytes]]) -> None:
    """Wait until every message is processed and nothing is left to send."""
    expected = {(f.source, f.message_id) for f, _ in items if f.message_id}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        with pipeline.services.store.engine.connect() as conn:
            seen = conn.execute(select(func.count()).select_from(t.processed_messages)).scalar_one()
            pending = conn.execute(
                select(func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
            ).scalar_one()
            unsent = conn.execute(
                select(func.count()).select_from(t.emails).where(t.emails.c.status == "sending")
            ).scalar_one()
            routed = conn.execute(
                select(func.count())
                .select_from(t.dossiers)
                .where(t.dossiers.c.state == "deposited")
            ).scalar_one()
        if seen >= len(expected) and not pending and not unsent and not routed:
            time.sleep(0.5)
            return
        time.sleep(0.1)


def pipeline_summary(
    settings: Settings,
    items: list[tuple[Fed, bytes]],
    keys: list[str],
    elapsed_s: float,
    out: TextIO,
) -> None:
    from workers.core.store import Store

    store = Store.from_url(settings.database_url)
    mode = "RabbitMQ" if settings.broker_url else "embedded (in-process broker)"
    print(
        f"Permis demo — {len(items)} messages through ingress → intake → routing → mail", file=out
    )
    print(f"broker: {mode}; database: {settings.database_url}", file=out)
    print(f"emails written to: {settings.mail_dir}", file=out)
    print("", file=out)
    for line in outcome_lines(store, [f for f, _ in items], settings.mail_dir):
        print(line, file=out)
    print("", file=out)
    print(f"events published on {EVENTS_EXCHANGE}: {event_counts(keys)}", file=out)
    print(f"done in {elapsed_s:.1f} s", file=out)
    store.dispose()
