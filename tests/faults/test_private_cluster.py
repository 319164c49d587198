"""The suite's own cluster and database pair do what the fault scenarios rely on, and
leave the machine's own services alone."""

from __future__ import annotations

import socket

import pika
import pika.exceptions
import psycopg
import pytest

from tests.faults.conftest import Services
from tests.support.processes import wait_until
from workers.core.amqp import connect
from workers.core.errors import TransientError

pytestmark = pytest.mark.timeout(300)

MACHINE_SERVICES = (5672, 5432)


def machine_services_answer() -> bool:
    for port in MACHINE_SERVICES:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    return True


def test_three_nodes_make_one_cluster(services: Services) -> None:
    assert services.rabbit.running() == {0, 1, 2}
    assert machine_services_answer()


def test_a_quorum_queue_keeps_its_message_when_its_leader_is_killed(services: Services) -> None:
    rabbit = services.rabbit
    with rabbit.vhost("smoke") as vhost:
        channel = connect(rabbit.url(vhost, 0)).channel()
        channel.queue_declare("q", durable=True, arguments={"x-queue-type": "quorum"})
        channel.confirm_delivery()
        channel.basic_publish("", "q", b"kept", pika.BasicProperties(delivery_mode=2))
        leader = rabbit.leader_of(vhost, "q")
        rabbit.kill(leader)
        try:
            other = next(i for i in range(3) if i != leader)

            def got() -> bytes | None:
                try:  # "nodedown" until the two nodes left elect a new leader
                    reader = connect(rabbit.url(vhost, other)).channel()
                    _method, _props, body = reader.basic_get("q", auto_ack=True)
                except TransientError:
                    return None
                except pika.exceptions.AMQPError:
                    return None
                return body

            bodies: list[bytes] = []

            def consumed() -> bool:
                body = got()
                if body is not None:
                    bodies.append(body)
                return bool(bodies)

            assert wait_until(consumed, 30)
            assert bodies == [b"kept"]
        finally:
            rabbit.start_node(leader)
        assert rabbit.running() == {0, 1, 2}
    assert machine_services_answer()


def test_a_committed_row_survives_a_failover(services: Services) -> None:
    postgres = services.postgres
    with postgres.database("smoke") as database:
        url = postgres.url(database)  # libpq's own multi-host form
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (n int)")
            conn.execute("INSERT INTO t VALUES (1)")
        before = postgres.primary
        postgres.failover()
        assert postgres.primary != before
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO t VALUES (2)")
            rows = conn.execute("SELECT n FROM t ORDER BY n").fetchall()
            port = conn.execute("SELECT inet_server_port()").fetchone()
        assert rows == [(1,), (2,)]
        assert port == (postgres.servers[postgres.primary].port,)
        postgres.rebuild_standby()
        assert postgres._streaming()
    assert machine_services_answer()
