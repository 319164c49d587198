"""Every queue Permis declares is a quorum queue; a classic one left by an earlier
version stops the start with why, and a message that keeps killing its worker ends in
its dead-letter queue (the quorum queue's delivery limit)."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path

import dramatiq
import pika
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from tests.conftest import POSTGRES_URL, RABBITMQ_HOST
from tests.support.processes import clean_env, permis
from tests.support.rabbit import rabbitmqctl
from workers.core.amqp import connect
from workers.core.broker import DELIVERY_LIMIT, declare_stage_queues
from workers.core.deadletters import DeadLetters, dead_letter_queue
from workers.core.stages import STAGES
from workers.core.store import Store
from workers.seal.keys import generate_seal

pytestmark = [pytest.mark.rabbitmq, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
INTAKE = STAGES["intake"].queue
DEAD_NODE = "amqp://guest:guest@127.0.0.1:1/"  # nothing listens on port 1


def queue_types(url: str) -> dict[str, str]:
    vhost = urllib.parse.unquote(url.rsplit("/", 1)[1])
    listed = rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "type")
    return dict(line.split() for line in listed.splitlines() if len(line.split()) == 2)


def env_for(url: str, tmp_path: Path) -> dict[str, str]:
    seal = generate_seal(tmp_path / "keys")
    return clean_env(
        PERMIS_BROKER_URL=url,
        PERMIS_DATABASE_URL=f"sqlite:///{tmp_path / 'permis.db'}",
        PERMIS_SEAL_KEY=str(seal.key_file),
        PERMIS_SEAL_CERT=str(seal.cert_file),
        PERMIS_METRICS_PORT="0",
    )


def test_prepare_declares_only_quorum_queues(vhost: str, tmp_path: Path) -> None:
    done = subprocess.run(
        permis("prepare"), cwd=ROOT, env=env_for(vhost, tmp_path), capture_output=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    types = queue_types(vhost)
    for stage in STAGES.values():
        for name in (stage.queue, f"{stage.queue}.DQ", f"{stage.queue}.XQ"):
            assert types.get(name) == "quorum", (name, types)
    assert set(types.values()) == {"quorum"}, types


def leave_a_classic_queue(url: str) -> None:
    """What an earlier Permis, on plain dramatiq, left on the broker."""
    broker = RabbitmqBroker(url=url)
    broker.declare_queue(INTAKE, ensure=True)
    broker.close()


@pytest.mark.parametrize("command", [("run",), ("prepare",), ("worker", "intake")])
def test_a_classic_stage_queue_stops_the_start_with_how_to_move(
    command: tuple[str, ...], vhost: str, tmp_path: Path
) -> None:
    leave_a_classic_queue(vhost)
    done = subprocess.run(
        permis(*command), cwd=ROOT, env=env_for(vhost, tmp_path), capture_output=True, timeout=90
    )
    said = done.stderr.decode()
    assert done.returncode == 1, said
    assert "Traceback" not in said
    (line,) = [line for line in said.splitlines() if line.startswith("permis ")]
    assert f"queue '{INTAKE}' exists on the broker as a classic queue" in line
    assert "docs/CLUSTER.md" in line
    assert queue_types(vhost)[INTAKE] == "classic"  # left as it was, for ops to move


def test_a_message_that_keeps_killing_its_worker_is_dead_lettered(vhost: str) -> None:
    declare_stage_queues(vhost, [INTAKE])
    message: dramatiq.Message[object] = dramatiq.Message(
        queue_name=INTAKE, actor_name="validate_submission", args=({},), kwargs={}, options={}
    )
    channel = connect(vhost).channel()
    channel.basic_publish("", INTAKE, message.encode(), pika.BasicProperties(delivery_mode=2))
    deliveries = 0
    for _ in range(DELIVERY_LIMIT + 5):
        connection = connect(vhost)  # a worker that takes the message, then dies
        method, _props, _body = connection.channel().basic_get(INTAKE, auto_ack=False)
        connection.close()
        if method is None:
            break
        deliveries += 1
    assert deliveries == DELIVERY_LIMIT + 1
    (letter,) = DeadLetters(vhost).peek(dead_letter_queue("intake"), 10)
    assert letter.message_id == message.message_id
    assert letter.reason.startswith(f"delivery limit: handed out more than {DELIVERY_LIMIT}")
    assert json.loads(letter.body)["actor_name"] == "validate_submission"


def test_a_connection_goes_to_a_node_that_answers(vhost: str) -> None:
    vhost_path = vhost.rsplit("/", 1)[1]
    nodes = f"{DEAD_NODE}{vhost_path},amqp://guest:guest@{RABBITMQ_HOST}/{vhost_path}"
    for _ in range(2):  # whichever node this process starts from
        connection = connect(nodes)
        assert connection.is_open
        connection.close()
    declare_stage_queues(nodes, [INTAKE])
    assert queue_types(vhost)[INTAKE] == "quorum"


@pytest.mark.postgres
def test_the_store_reaches_the_host_that_answers_among_several() -> None:
    target = POSTGRES_URL.replace("127.0.0.1:5432", "127.0.0.1:1,127.0.0.1:5432")
    store = Store.from_url(target)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT inet_server_port()").scalar() == 5432
            assert conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is False
    finally:
        store.dispose()
