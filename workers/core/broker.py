"""dramatiq's broker, built from settings, with the middleware every stage relies on."""

from __future__ import annotations

from typing import Any

import dramatiq
import dramatiq.errors
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    CurrentMessage,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from workers.core.errors import PermanentError, TransientError

RETRIES = 10
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 60_000
TIME_LIMIT_MS = 60_000

ACTOR_DEFAULTS: dict[str, Any] = {
    "max_retries": RETRIES,
    "min_backoff": MIN_BACKOFF_MS,
    "max_backoff": MAX_BACKOFF_MS,
    "time_limit": TIME_LIMIT_MS,
    "throws": (PermanentError,),
}
"""Every actor's options: a permanent error never retries; a transient one backs off up to
a minute, ten times, well inside RabbitMQ's 30-minute consumer timeout."""


def middleware() -> list[Middleware]:
    return [
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Retries(max_retries=RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
        CurrentMessage(),
    ]


def make_broker(url: str | None) -> dramatiq.Broker:
    """RabbitMQ with publisher confirms when ``url`` is given, else an in-process broker."""
    if url is None:
        return StubBroker(middleware=middleware())
    return RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware())


class DramatiqTasks:
    """The TaskQueue port over a dramatiq broker (confirmed when the broker is RabbitMQ)."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def send(self, actor_name: str, queue_name: str, payload: dict[str, Any]) -> None:
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=queue_name, actor_name=actor_name, args=(payload,), kwargs={}, options={}
        )
        try:
            self.broker.enqueue(message)
        except dramatiq.errors.ConnectionError as exc:
            raise TransientError(f"enqueue: {type(exc).__name__}") from exc
