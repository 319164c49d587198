"""The suite's own cluster and database pair do what the fault scenarios rely on, and
leave the machine's own services alone."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pika
import pika.exceptions
import psycopg
import pytest

from tests.support.cluster import PostgresPair, RabbitCluster

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(400)]

MACHINE_SERVICES = (5672, 5432)
TIMINGS: dict[str, float] = {}


def machine_services_answer() -> bool:
    for port in MACHINE_SERVICES:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    return True


@pytest.fixture(scope="module")
def rabbit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitCluster]:
    assert machine_services_answer()
    cluster = RabbitCluster(tmp_path_factory.mktemp("rabbit"))
    try:
        TIMINGS["rabbit start"] = cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresPair]:
    pair = PostgresPair()  # in a directory of its own the postgres user can reach
    try:
        TIMINGS["postgres start"] = pair.start()
        yield pair
    finally:
        pair.close()


def test_three_nodes_make_one_cluster(rabbit: RabbitCluster) -> None:
    assert rabbit.running() == {0, 1, 2}
    assert machine_services_answer()


def publish_persistent(url: str, queue: str, body: bytes) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.confirm_delivery()
        channel.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2))
    finally:
        connection.close()


def get_one(url: str, queue: str) -> bytes | None:
    """One message of ``queue``, or None while the queue has no leader yet."""
    try:
        connection = pika.BlockingConnection(pika.URLParameters(url))
    except pika.exceptions.AMQPError:
        return None
    try:
        _method, _props, body = connection.channel().basic_get(queue, auto_ack=True)
        return body
    except pika.exceptions.AMQPError:
        return None
    finally:
        if connection.is_open:
            connection.close()


def test_a_quorum_queue_keeps_its_message_when_its_leader_is_killed(
    rabbit: RabbitCluster,
) -> None:
    with rabbit.vhost("smoke") as vhost:
        publish_persistent(rabbit.url(vhost, 0), "q", b"kept")
        leader = rabbit.leader_of(vhost, "q")
        began = time.monotonic()
        rabbit.kill(leader)
        try:
            other = next(i for i in range(3) if i != leader)
            body, deadline = None, time.monotonic() + 60
            while body is None and time.monotonic() < deadline:
                body = get_one(rabbit.url(vhost, other), "q")
                if body is None:
                    time.sleep(0.5)
            assert body == b"kept"
            TIMINGS["rabbit message back after kill"] = time.monotonic() - began
        finally:
            rabbit.start_node(leader)
        TIMINGS["rabbit kill + start_node"] = time.monotonic() - began
        assert rabbit.running() == {0, 1, 2}
        assert rabbit.leader_of(vhost, "q") in {0, 1, 2}
    assert machine_services_answer()


def test_a_committed_row_survives_a_failover(postgres: PostgresPair) -> None:
    with postgres.database("smoke") as database:
        url = postgres.url(database)
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE TABLE t (n int)")
            conn.execute("INSERT INTO t VALUES (1)")
        before = postgres.primary
        TIMINGS["postgres failover"] = postgres.failover()
        assert postgres.primary != before
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("INSERT INTO t VALUES (2)")
            rows = conn.execute("SELECT n FROM t ORDER BY n").fetchall()
            port = conn.execute("SELECT inet_server_port()").fetchone()
        assert rows == [(1,), (2,)]
        assert port == (postgres.servers[postgres.primary].port,)
        TIMINGS["postgres rebuild_standby"] = postgres.rebuild_standby()
        (row,) = postgres.replication()
        assert row[1] == "streaming" and row[2] in ("sync", "quorum")
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("INSERT INTO t VALUES (3)")  # waits for the rebuilt standby
    assert machine_services_answer()


def mentioned(pattern: str) -> str:
    return subprocess.run(["pgrep", "-af", pattern], capture_output=True, text=True).stdout


def test_close_leaves_nothing_behind(rabbit: RabbitCluster, postgres: PostgresPair) -> None:
    print(", ".join(f"{what} {seconds:.1f} s" for what, seconds in TIMINGS.items()))
    traces = [node.name.split("@")[0] for node in rabbit.nodes]
    traces += [str(rabbit.root), str(postgres.root)]
    rabbit.close()
    postgres.close()
    rabbit.close()
    postgres.close()
    for trace in traces:
        assert mentioned(trace) == ""
    assert not _listening(rabbit.epmd_port)
    assert not rabbit.root.exists() and not postgres.root.exists()
    assert machine_services_answer()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
