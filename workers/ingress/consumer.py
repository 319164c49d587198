"""The pika consumer of the external queues: ack only once the message's fate is durable."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pika.exceptions

from workers.core.amqp import connect, declare_topology, mapped_amqp_errors
from workers.core.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

Handler = Callable[[bytes, dict[str, Any] | None, dict[str, Any]], None]
"""Takes a delivery's body, headers and the other AMQP properties its sender set."""

# The basic properties a sender sets (pika's names), headers apart.
SENDER_PROPERTIES = (
    "content_type",
    "content_encoding",
    "delivery_mode",
    "priority",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "timestamp",
    "type",
    "user_id",
    "app_id",
)
RECONNECT_DELAY_S = (0.5, 1, 2, 5, 10)


def consume(
    url: str,
    queue: str,
    handler: Handler,
    stop: threading.Event,
    *,
    prefetch: int = 64,
) -> None:
    """Consume ``queue`` until ``stop`` is set, reconnecting with backoff when the broker goes."""
    failures = 0
    while not stop.is_set():
        try:
            _consume_once(url, queue, handler, stop, prefetch)
            failures = 0
        except TransientError as exc:
            delay = RECONNECT_DELAY_S[min(failures, len(RECONNECT_DELAY_S) - 1)]
            failures += 1
            log.warning("ingress lost the broker, retrying", extra={"error": str(exc)})
            stop.wait(delay)


def _consume_once(
    url: str, queue: str, handler: Handler, stop: threading.Event, prefetch: int
) -> None:
    connection = connect(url)
    try:
        with mapped_amqp_errors("consume"):
            channel = connection.channel()
            declare_topology(channel)
            channel.basic_qos(prefetch_count=prefetch)
            for method, props, body in channel.consume(queue, inactivity_timeout=0.5):
                if stop.is_set():
                    break
                if method is None:
                    continue
                _deliver(channel, method.delivery_tag, handler, body, props)
            channel.cancel()
    finally:
        _close(connection)


def sender_properties(props: Any) -> dict[str, Any]:
    """The properties of a delivery its sender set, as JSON values (headers apart)."""
    found = {name: getattr(props, name, None) for name in SENDER_PROPERTIES}
    return {name: value for name, value in found.items() if value is not None}


def _deliver(channel: Any, tag: int, handler: Handler, body: bytes, props: Any) -> None:
    try:
        handler(body, props.headers, sender_properties(props))
    except TransientError:
        # The stage's queue or the broker is not taking messages: give this one back.
        channel.basic_nack(tag, requeue=True)
        time.sleep(0.2)
        raise
    except PermanentError:
        log.exception("ingress could not hand a message over; it stays in its queue")
        channel.basic_nack(tag, requeue=True)
        raise TransientError("ingress handler failed") from None
    channel.basic_ack(tag)


def _close(connection: Any) -> None:
    try:
        if connection.is_open:
            connection.close()
    except (pika.exceptions.AMQPError, OSError):
        pass
