"""Publishing to and listening on a test vhost, as the portal and the platforms would."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions

from messages.envelope import CONTENT_TYPE


@dataclass(frozen=True)
class Received:
    """One message taken off a listening queue."""

    routing_key: str
    body: bytes
    headers: dict[str, Any]

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class Party:
    """A client of the broker: publishes to exchanges and reads its own bound queues."""

    def __init__(self, url: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def listen(self, exchange: str, binding: str = "#") -> str:
        queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(queue, exchange, routing_key=binding)
        return str(queue)

    def publish(
        self,
        exchange: str,
        body: bytes,
        headers: dict[str, Any] | None = None,
        **properties: Any,
    ) -> None:
        """Publish with confirms; ``properties`` are more AMQP properties (message_id…)."""
        props = pika.BasicProperties(
            content_type=CONTENT_TYPE, delivery_mode=2, headers=headers or None, **properties
        )
        self.channel.basic_publish(exchange, "", body, props, mandatory=True)

    def publish_when_routed(self, exchange: str, body: bytes, timeout_s: float = 30.0) -> None:
        """Publish, retrying while the exchange or its queue is not declared yet."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.publish(exchange, body)
                return
            except (pika.exceptions.UnroutableError, pika.exceptions.ChannelClosedByBroker):
                if time.monotonic() > deadline:
                    raise
                if self.channel.is_closed:
                    self.channel = self.connection.channel()
                    self.channel.confirm_delivery()
                self.connection.sleep(0.2)

    def drain(self, queue: str) -> list[Received]:
        received: list[Received] = []
        while True:
            method, props, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                return received
            received.append(Received(method.routing_key, body, dict(props.headers or {})))

    def collect(self, queue: str, until: int, timeout_s: float = 30.0) -> list[Received]:
        """Read ``queue`` until ``until`` messages came, or the timeout; returns them all."""
        got: list[Received] = []
        deadline = time.monotonic() + timeout_s
        while len(got) < until and time.monotonic() < deadline:
            got.extend(self.drain(queue))
            self.connection.sleep(0.05)
        return got

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()
