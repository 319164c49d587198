"""dramatiq's broker, built from settings, with the middleware every stage relies on."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
import dramatiq.errors
import pika
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import xq_name
from dramatiq.middleware import (
    CurrentMessage,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from dramatiq.middleware.prometheus import Prometheus

from workers.core.amqp import PERSISTENT
from workers.core.errors import PermanentError, PermisError, TransientError
from workers.core.logs import LogContext
from workers.core.metrics import STAGE_FAILURES
from workers.core.multiprocess import metrics_are_shared

log = logging.getLogger(__name__)

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


FAILURE_OPTION = "failure"
"""The option a dead-lettered message carries: the error that failed it for good."""


class DeadLetterWithReason(Middleware):
    """Dead-letters a message that failed for good together with why.

    dramatiq rejects the message as it was received, so its ``.XQ`` copy would not say
    what went wrong (nothing at all for a permanent error, which is never retried). This
    publishes the message with its reason to ``.XQ`` itself, confirmed, then lets the
    original be acknowledged; if that publication fails, the plain rejection still keeps it.
    """

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not message.failed or not isinstance(broker, RabbitmqBroker):
            return
        reason = failure_reason(exception)
        copy = message.copy(
            queue_name=xq_name(message.queue_name),
            options={**message.options, FAILURE_OPTION: reason},
        )
        try:
            broker.channel.basic_publish(
                exchange="",
                routing_key=copy.queue_name,
                body=copy.encode(),
                properties=pika.BasicProperties(delivery_mode=PERSISTENT),
                mandatory=True,
            )
        except Exception:  # the broker rejects the original instead: nothing is lost
            log.warning("could not dead-letter with its reason", exc_info=True)
            return
        message.failed = False


def failure_reason(exception: BaseException) -> str:
    """What a dead letter keeps of its failure: our errors' texts, which name no person;
    of a library's, only the class (a validation error quotes the message's values)."""
    if isinstance(exception, PermisError):
        return f"{type(exception).__name__}: {exception}"[:500]
    return type(exception).__name__


class CountFailures(Middleware):
    """Counts each stage message that raised, by queue and error class (bounded labels)."""

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is not None:
            STAGE_FAILURES.labels(message.queue_name, type(exception).__name__).inc()


def middleware() -> list[Middleware]:
    stack: list[Middleware] = [
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        DeadLetterWithReason(),  # "after" hooks run in reverse: this one sees Retries' verdict
        Retries(max_retries=RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
        CountFailures(),
        LogContext(),
        CurrentMessage(),
    ]
    if metrics_are_shared():  # dramatiq's own metrics live in the shared files only
        stack.append(Prometheus())
    return stack


def make_broker(url: str | None) -> dramatiq.Broker:
    """RabbitMQ with publisher confirms when ``url`` is given, else an in-process broker."""
    broker: dramatiq.Broker
    if url is None:
        broker = StubBroker(middleware=middleware())
    else:
        broker = RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware())
    # What dramatiq's own CLI does in each worker process: without it the time limits
    # are never enforced and dramatiq's metrics never set up.
    broker.emit_after("process_boot")
    return broker


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
