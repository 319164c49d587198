"""One answer per malformed delivery, over RabbitMQ: two messages get two event ids, one
message delivered twice keeps its one id (CONTRACTS.md §1: consumers dedupe by id)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from tests.support.amqp import Party, Received
from workers.bootstrap import Pipeline, bootstrap
from workers.core.errors import TransientError
from workers.core.topology import (
    DECISIONS_EXCHANGE,
    DECISIONS_QUEUE,
    DECISIONS_REJECTED_QUEUE,
    EVENTS_EXCHANGE,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_QUEUE,
    SUBMISSIONS_REJECTED_QUEUE,
)
from workers.ingress.consumer import Handler, consume
from workers.supervisor import prepare

CHANNELS = {
    "portal": (SUBMISSIONS_EXCHANGE, SUBMISSIONS_QUEUE, SUBMISSIONS_REJECTED_QUEUE, "dossier"),
    "agents": (DECISIONS_EXCHANGE, DECISIONS_QUEUE, DECISIONS_REJECTED_QUEUE, "decision"),
}


@pytest.fixture
def pipeline(vhost: str, tmp_path: Path) -> Iterator[Pipeline]:
    settings = Settings(broker_url=vhost, database_url=f"sqlite:///{tmp_path / 'permis.db'}")
    prepare(settings)
    built = bootstrap(settings)
    try:
        yield built
    finally:
        built.close()


@contextmanager
def consuming(vhost: str, queue: str, handler: Handler) -> Iterator[tuple[Party, str]]:
    """The real consumer on one external queue, its handler wrapped by the test; yields a
    party to publish with and the queue where it hears the events."""
    party = Party(vhost)
    events = party.listen(EVENTS_EXCHANGE)
    stop = threading.Event()
    consumer = threading.Thread(target=consume, args=(vhost, queue, handler, stop))
    consumer.start()
    try:
        yield party, events
    finally:
        stop.set()
        consumer.join(timeout=30)
        party.close()


def handler_of(pipeline: Pipeline, channel: str) -> Handler:
    ingress = pipeline.ingress
    return ingress.take_portal if channel == "portal" else ingress.take_decision


def answers(party: Party, queue: str, kind: str, count: int) -> list[dict[str, Any]]:
    got = [r.json for r in party.collect(queue, until=count)]
    party.connection.sleep(0.5)  # a further answer would show now
    got += [r.json for r in party.drain(queue)]
    return [event for event in got if event["type"] == f"fr.permis.{kind}.rejected"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.timeout(60)
def test_two_unreadable_messages_get_two_answers_each_naming_its_delivery(
    pipeline: Pipeline, vhost: str, channel: str
) -> None:
    exchange, queue, _, kind = CHANNELS[channel]
    with consuming(vhost, queue, handler_of(pipeline, channel)) as (party, events):
        # Two portal instances: empty bodies, told apart by their message-ids, and two more
        # with no message-id, told apart by their timestamps.
        party.publish(exchange, b"", message_id="instance-a-1")
        party.publish(exchange, b"", message_id="instance-b-1")
        party.publish(exchange, b"", timestamp=1_780_000_000)
        party.publish(exchange, b"", timestamp=1_780_000_001)
        got = answers(party, events, kind, count=4)
    assert len(got) == 4
    assert len({event["id"] for event in got}) == 4
    named = sorted(str(event["data"]["amqp_message_id"]) for event in got)
    assert named == ["None", "None", "instance-a-1", "instance-b-1"]
    assert {event["data"]["errors"][0]["detail"] for event in got} == {"not_json"}


def crashing_once(handler: Handler, seen: list[dict[str, Any]]) -> Handler:
    """The handler, then a crash before the ack the first time: the broker delivers again."""

    def handle(body: bytes, headers: dict[str, Any] | None, properties: dict[str, Any]) -> None:
        seen.append(dict(headers or {}))
        handler(body, headers, properties)
        if len(seen) == 1:
            raise TransientError("crashed after the answer, before the ack")

    return handle


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.timeout(60)
def test_an_unreadable_message_delivered_twice_keeps_one_answer_id(
    pipeline: Pipeline, vhost: str, channel: str
) -> None:
    exchange, queue, rejected, kind = CHANNELS[channel]
    seen: list[dict[str, Any]] = []
    handler = crashing_once(handler_of(pipeline, channel), seen)
    with consuming(vhost, queue, handler) as (party, events):
        party.publish(exchange, b"\xff not utf-8", {"portal-instance": "a"})
        got = answers(party, events, kind, count=2)
        kept: list[Received] = party.collect(rejected, until=2)
    assert len(seen) == 2 and "x-delivery-count" in seen[1]  # redelivered, as the broker does
    assert len(got) == 2 and got[0]["id"] == got[1]["id"]
    assert {k.body for k in kept} == {b"\xff not utf-8"}
