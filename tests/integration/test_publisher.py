"""The AMQP publisher on the real broker: confirmed publications, and connections that are
closed, not dropped, whichever thread opened them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.support.processes import wait_until
from tests.support.rabbit import rabbitmqctl
from workers.core.amqp import AmqpPublisher
from workers.core.errors import TransientError
from workers.core.topology import EVENTS_EXCHANGE

pytestmark = [pytest.mark.timeout(120), pytest.mark.rabbitmq]


def connections(url: str) -> int:
    """How many connections RabbitMQ holds open on the URL's vhost."""
    vhost = urlsplit(url).path.lstrip("/")
    listed = rabbitmqctl("list_connections", "vhost", "--no-table-headers")
    return sum(1 for line in listed.splitlines() if line.strip() == vhost)


def test_close_closes_the_connection_of_every_thread_that_published(vhost: str) -> None:
    publisher = AmqpPublisher(vhost)
    publisher.declare()
    with ThreadPoolExecutor(3) as pool:  # three threads, each with its own connection
        published = [
            pool.submit(publisher.publish, EVENTS_EXCHANGE, f"test.{n}", b"{}", {})
            for n in range(3)
        ]
        for future in published:
            future.result(timeout=30)
    assert wait_until(lambda: connections(vhost) == 4)  # declare's, then one per thread
    publisher.close()
    assert wait_until(lambda: connections(vhost) == 0)


def test_a_channel_the_broker_closed_is_replaced_and_its_connection_closed(vhost: str) -> None:
    publisher = AmqpPublisher(vhost)
    publisher.declare()
    with pytest.raises(TransientError):
        publisher.publish("no-such-exchange", "", b"{}", {})  # 404: the broker closes the channel
    publisher.publish(EVENTS_EXCHANGE, "test.after", b"{}", {})
    assert wait_until(lambda: connections(vhost) == 1)
    publisher.close()
    assert wait_until(lambda: connections(vhost) == 0)
