"""dramatiq's broker, built from settings, with the middleware every stage relies on."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import dramatiq
import dramatiq.errors
import pika
import pika.exceptions
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name, xq_name
from dramatiq.middleware import (
    CurrentMessage,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from dramatiq.middleware.prometheus import Prometheus

from config.settings import broker_nodes
from workers.core.amqp import PERSISTENT, PRECONDITION_FAILED, node_parameters
from workers.core.errors import PermanentError, PermisError, TransientError
from workers.core.logs import LogContext
from workers.core.metrics import STAGE_FAILURES
from workers.core.multiprocess import metrics_are_shared
from workers.core.topology import QUORUM

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


DELIVERY_LIMIT = RETRIES
"""How often a quorum queue hands out a message that comes back unsettled (its worker
died, or its connection dropped, with the message in hand) before dead-lettering it.

It never counts an exception: dramatiq settles those itself, and each retry is a new
message whose count starts at zero. So ``Retries`` decides for a message that raises,
this limit for one that kills its worker (a poison message), with as many chances."""


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


class QueueMismatch(PermanentError):
    """A queue Permis declares exists on the broker with other arguments (a classic queue
    where Permis wants a quorum one): it cannot be changed in place, only moved."""


def stage_queue_arguments(queue_name: str) -> dict[str, Any]:
    """A stage's queue and its delay queue: quorum, failed messages to its ``.XQ``.

    Dead-lettering is at-least-once (quorum queues otherwise drop a dead letter whose
    target does not confirm it), which RabbitMQ allows only with ``reject-publish``;
    no length limit is set, so a publish is never refused for it. No priorities: quorum
    queues have none.
    """
    return {
        **QUORUM,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": xq_name(queue_name),
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-delivery-limit": DELIVERY_LIMIT,
    }


def dead_letter_queue_arguments() -> dict[str, Any]:
    """A stage's ``.XQ``: quorum, its letters kept as long as dramatiq keeps them."""
    return {**QUORUM, "x-message-ttl": DEAD_MESSAGE_TTL}


class QuorumRabbitmqBroker(RabbitmqBroker):
    """dramatiq's RabbitMQ broker over a cluster's nodes, declaring quorum queues.

    A stage's queue, its delay queue and its dead-letter queue are replicated on the
    cluster's nodes, so losing one node loses none of their messages. A connection goes
    to the next node when its node is down (``node_parameters``); publishes are confirmed.
    """

    def __init__(self, url: str, *, middleware: list[Middleware]) -> None:
        super().__init__(url=broker_nodes(url), confirm_delivery=True, middleware=middleware)
        self.parameters = node_parameters(url)

    def _build_queue_arguments(self, queue_name: str) -> dict[str, Any]:
        return stage_queue_arguments(queue_name)

    def _declare_queue(self, queue_name: str) -> Any:
        return self._declare(queue_name, stage_queue_arguments(queue_name))

    def _declare_dq_queue(self, queue_name: str) -> Any:
        return self._declare(dq_name(queue_name), stage_queue_arguments(queue_name))

    def _declare_xq_queue(self, queue_name: str) -> Any:
        return self._declare(xq_name(queue_name), dead_letter_queue_arguments())

    def _declare(self, name: str, arguments: dict[str, Any]) -> Any:
        try:
            return self.channel.queue_declare(queue=name, durable=True, arguments=arguments)
        except pika.exceptions.ChannelClosedByBroker as exc:
            del self.channel
            if exc.reply_code != PRECONDITION_FAILED:
                raise
            classic = self._is_as_dramatiq_declares(name, arguments)
            raise QueueMismatch(mismatch_text(name, classic, exc.reply_text)) from exc

    def _is_as_dramatiq_declares(self, name: str, arguments: dict[str, Any]) -> bool:
        """Whether ``name`` is the classic queue plain dramatiq declares (redeclaring a
        queue as it is changes nothing)."""
        plain = {k: v for k, v in arguments.items() if k in DRAMATIQ_CLASSIC_ARGUMENTS}
        try:
            self.channel.queue_declare(queue=name, durable=True, arguments=plain)
        except pika.exceptions.AMQPError:
            del self.channel
            return False
        return True


DRAMATIQ_CLASSIC_ARGUMENTS = (
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-message-ttl",
)


def mismatch_text(queue: str, classic: bool, said: str) -> str:
    """What an operator reads when ``queue`` exists unlike Permis declares it."""
    kind = "as a classic queue" if classic else "with other arguments"
    return (
        f"queue {queue!r} exists on the broker {kind}; Permis declares it as a quorum"
        " queue, and RabbitMQ cannot change a queue in place: move it as docs/CLUSTER.md"
        f' says ("Moving from classic queues"), then start again. RabbitMQ said: {said}'
    )


def declare_stage_queues(url: str, queues: Collection[str]) -> None:
    """Declare ``queues`` (with their delay and dead-letter queues) on the broker of
    ``url``; QueueMismatch when one exists otherwise, TransientError when unreachable."""
    broker = QuorumRabbitmqBroker(url, middleware=[])
    try:
        for queue in queues:
            broker.declare_queue(queue, ensure=True)
    except dramatiq.errors.ConnectionError as exc:
        raise TransientError(f"declare: {type(exc).__name__}") from exc
    finally:
        broker.close()


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
    """RabbitMQ (quorum queues, confirms, every node of ``url``) when ``url`` is given,
    else an in-process broker."""
    broker: dramatiq.Broker
    if url is None:
        broker = StubBroker(middleware=middleware())
    else:
        broker = QuorumRabbitmqBroker(url, middleware=middleware())
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
