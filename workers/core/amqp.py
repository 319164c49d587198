"""RabbitMQ through pika: the contract's topology and confirmed publishing.

The only module besides ingress that talks pika; its failures leave as TransientError.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from config.settings import broker_nodes
from messages.envelope import CONTENT_TYPE
from workers.core.errors import PermanentError, TransientError
from workers.core.topology import EXCHANGES, QUEUES, QUORUM

PERSISTENT = pika.DeliveryMode.Persistent
PRECONDITION_FAILED = 406


@contextmanager
def mapped_amqp_errors(what: str) -> Iterator[None]:
    """Turn pika's exceptions into our transient/permanent pair."""
    try:
        yield
    except pika.exceptions.UnroutableError as exc:
        raise TransientError(f"{what}: unroutable") from exc
    except pika.exceptions.ProbableAuthenticationError as exc:
        raise PermanentError(f"{what}: authentication refused") from exc
    except pika.exceptions.ProbableAccessDeniedError as exc:
        raise PermanentError(f"{what}: access refused") from exc
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == PRECONDITION_FAILED:  # e.g. a queue declared otherwise before
            raise PermanentError(f"{what}: {exc.reply_text}") from exc
        raise TransientError(f"{what}: {type(exc).__name__}") from exc
    except (pika.exceptions.AMQPError, OSError) as exc:
        raise TransientError(f"{what}: {type(exc).__name__}") from exc


CONNECTION_DEFAULTS = {
    "heartbeat": 30,
    "blocked_connection_timeout": 60,
    "connection_attempts": 1,
    "socket_timeout": 5,
}
"""pika's options Permis sets unless a node's URL gives its own (``?heartbeat=10``)."""


def node_parameters(url: str) -> list[pika.URLParameters]:
    """pika's parameters for each node of ``url``, starting from a node chosen by this
    process's id, so that a cluster's clients spread over its nodes; pika tries them in
    turn, so a connection goes to the next node when one is down."""
    nodes = broker_nodes(url)
    start = os.getpid() % len(nodes)
    ordered = nodes[start:] + nodes[:start]
    parameters = []
    for node in ordered:
        params = pika.URLParameters(node)
        given = urllib.parse.parse_qs(urllib.parse.urlsplit(node).query)
        for option, value in CONNECTION_DEFAULTS.items():
            if option not in given:
                setattr(params, option, value)
        parameters.append(params)
    return parameters


def connect(url: str) -> pika.BlockingConnection:
    """A blocking connection to a node of the broker of ``url`` (the vhost is the URL's)."""
    with mapped_amqp_errors("connect"):
        return pika.BlockingConnection(node_parameters(url))


def declare_topology(channel: BlockingChannel) -> None:
    """Declare the exchanges, quorum queues and bindings of CONTRACTS.md §1, idempotently."""
    for exchange in EXCHANGES:
        channel.exchange_declare(
            exchange.name, exchange_type=exchange.type, durable=True, auto_delete=False
        )
    for queue in QUEUES:
        channel.queue_declare(queue.name, durable=True, arguments=dict(QUORUM))
        if queue.exchange:
            channel.queue_bind(queue.name, queue.exchange, routing_key="")


def queue_state(connection: pika.BlockingConnection, name: str) -> tuple[int, int] | None:
    """A queue's (messages ready, consumers), or None when it was never declared."""
    channel = connection.channel()
    try:
        declared = channel.queue_declare(name, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return None
        raise
    channel.close()
    return int(declared.method.message_count), int(declared.method.consumer_count)


def properties(headers: dict[str, Any], message_id: str | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type=CONTENT_TYPE,
        delivery_mode=PERSISTENT,
        headers=headers or None,
        message_id=message_id,
    )


class AmqpPublisher:
    """Publishes with publisher confirms, one connection per thread, reconnecting on failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        # Every thread's connection, so that close() can say goodbye to the broker for
        # threads that are gone (as dramatiq's RabbitmqBroker keeps its own).
        self._opened: set[pika.BlockingConnection] = set()
        self._lock = threading.Lock()

    def _channel(self) -> BlockingChannel:
        channel = getattr(self._local, "channel", None)
        if channel is None or channel.is_closed:
            self._drop()
            connection = connect(self.url)
            with self._lock:
                self._opened.add(connection)
            self._local.connection = connection
            channel = connection.channel()
            channel.confirm_delivery()
            self._local.channel = channel
        return channel

    def publish(
        self, exchange: str, routing_key: str, body: bytes, headers: dict[str, Any]
    ) -> None:
        """Publish and wait for the broker's confirm; TransientError if it does not come."""
        try:
            with mapped_amqp_errors("publish"):
                self._channel().basic_publish(
                    exchange, routing_key, body, properties(headers), mandatory=not exchange
                )
        except TransientError:
            self._drop()
            raise

    def declare(self) -> None:
        with mapped_amqp_errors("declare"):
            declare_topology(self._channel())

    def close(self) -> None:
        """Close every thread's connection; for when the threads no longer publish."""
        with self._lock:
            opened, self._opened = self._opened, set()
        for connection in opened:
            _close_quietly(connection)

    def _drop(self) -> None:
        """Close this thread's connection, if any, for the next publish to open another."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = self._local.channel = None
        if connection is not None:
            with self._lock:
                self._opened.discard(connection)
            _close_quietly(connection)


def _close_quietly(connection: pika.BlockingConnection) -> None:
    if connection.is_open:
        with suppress(pika.exceptions.AMQPError, OSError):
            connection.close()
