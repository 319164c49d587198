"""The ports stages publish through; adapters implement them for RabbitMQ or in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol


class Publisher(Protocol):
    """Publishes one AMQP message and returns once the broker holds it."""

    def publish(
        self, exchange: str, routing_key: str, body: bytes, headers: dict[str, Any]
    ) -> None: ...

    def close(self) -> None:
        """Release what publishing holds (connections), once nothing publishes any more."""


class TaskQueue(Protocol):
    """Hands a command to a stage's dramatiq actor and returns once the broker holds it."""

    def send(self, actor_name: str, queue_name: str, payload: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Published:
    """One publication seen by a RecordingPublisher."""

    exchange: str
    routing_key: str
    body: bytes
    headers: dict[str, Any]


@dataclass
class RecordingPublisher:
    """A Publisher that keeps what it is given, for the embedded demo and for tests."""

    published: list[Published] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def publish(
        self, exchange: str, routing_key: str, body: bytes, headers: dict[str, Any]
    ) -> None:
        with self._lock:
            self.published.append(Published(exchange, routing_key, body, dict(headers)))

    def close(self) -> None:
        """Nothing to release: what was published stays readable."""

    def on(self, exchange: str) -> list[Published]:
        with self._lock:
            return [p for p in self.published if p.exchange == exchange]
