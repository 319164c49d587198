"""The RabbitMQ definitions ops ship, loaded into the real broker: each party can do its
job and nothing more (CONTRACTS.md §1)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pika
import pika.exceptions
import pytest

from tests.conftest import RABBITMQ_HOST
from tests.support.rabbit import rabbitmqctl
from workers.core.amqp import declare_topology
from workers.core.definitions import definitions, development_passwords, user_names
from workers.core.topology import (
    CASES_EXCHANGE,
    DECISIONS_EXCHANGE,
    EVENTS_EXCHANGE,
    SUBMISSIONS_EXCHANGE,
    SUBMISSIONS_QUEUE,
)

pytestmark = [pytest.mark.timeout(120), pytest.mark.rabbitmq]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def broker() -> Iterator[Callable[[str], str]]:
    """The definitions imported under a fresh vhost and user prefix; role → AMQP URL."""
    tag = uuid.uuid4().hex[:8]
    prefix, vhost = f"t{tag}-", f"permis-defs-{tag}"
    passwords = development_passwords(prefix)
    # The broker runs as another user: the file must be readable by it.
    folder = Path(tempfile.mkdtemp(prefix="permis-definitions-"))
    folder.chmod(0o755)
    path = folder / "definitions.json"
    shipped = definitions(vhost, passwords, prefix=prefix)
    path.write_text(json.dumps(shipped))
    path.chmod(0o644)
    rabbitmqctl("import_definitions", str(path))
    users = user_names(prefix)

    def url(role: str) -> str:
        return f"amqp://{users[role]}:{passwords[role]}@{RABBITMQ_HOST}/{vhost}"

    wait_until_imported(url(list(users)[-1]), vhost, len(shipped["topic_permissions"]))
    try:
        yield url
    finally:
        rabbitmqctl("delete_vhost", vhost)
        for name in users.values():
            rabbitmqctl("delete_user", name)
        shutil.rmtree(folder, ignore_errors=True)


def wait_until_imported(
    url: str, vhost: str, topic_permissions: int, timeout_s: float = 20
) -> None:
    """Wait until the last user may open the vhost and every topic permission is in place
    (they come after the users' permissions)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pika.BlockingConnection(pika.URLParameters(url)).close()
            break
        except pika.exceptions.AMQPConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    while (
        len(rabbitmqctl("list_topic_permissions", "-p", vhost, "--no-table-headers").splitlines())
        < topic_permissions
    ):
        assert time.monotonic() < deadline, "the topic permissions were not imported"
        time.sleep(0.2)


def attempt(url: str, action: Callable[[Any], object]) -> int:
    """Run ``action`` on a confirmed channel as that user: 0 if allowed, else the reply code."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        action(channel)
        return 0
    except pika.exceptions.ChannelClosedByBroker as exc:
        return int(exc.reply_code)
    finally:
        if connection.is_open:
            connection.close()


def publish(exchange: str, key: str = "") -> Callable[[Any], object]:
    return lambda ch: ch.basic_publish(exchange, key, b"{}", pika.BasicProperties(delivery_mode=2))


def own_queue_bound(user: str, exchange: str, key: str) -> Callable[[Any], object]:
    def action(channel: Any) -> None:
        queue = f"party.{user}.{uuid.uuid4().hex[:6]}"
        channel.queue_declare(queue, durable=True)
        channel.queue_bind(queue, exchange, routing_key=key)

    return action


def test_the_committed_file_is_what_the_code_generates() -> None:
    committed = json.loads((ROOT / "ops" / "rabbitmq" / "definitions.json").read_text())
    assert committed == definitions("permis", development_passwords())


def test_the_workers_declare_the_contract_and_run_their_stages(
    broker: Callable[[str], str],
) -> None:
    url = broker("workers")
    assert attempt(url, declare_topology) == 0  # same arguments as the definitions
    assert attempt(url, publish(EVENTS_EXCHANGE, "dossier.routed.pf-tulle")) == 0
    assert attempt(url, publish(CASES_EXCHANGE, "pf-tulle")) == 0
    assert attempt(url, lambda ch: ch.queue_declare("stage.mail", durable=True)) == 0
    assert attempt(url, publish("", "stage.mail")) == 0
    assert attempt(url, lambda ch: ch.basic_get(SUBMISSIONS_QUEUE, auto_ack=False)) == 0
    assert attempt(url, lambda ch: ch.queue_declare("somewhere.else")) == 403


def test_the_portal_publishes_submissions_and_reads_events_only(
    broker: Callable[[str], str],
) -> None:
    url, user = broker("portal"), user_names_of(broker, "portal")
    assert attempt(url, publish(SUBMISSIONS_EXCHANGE)) == 0
    assert attempt(url, own_queue_bound(user, EVENTS_EXCHANGE, "#")) == 0
    assert attempt(url, publish(DECISIONS_EXCHANGE)) == 403  # cannot forge a decision
    assert attempt(url, publish(EVENTS_EXCHANGE, "dossier.granted.pf-tulle")) == 403
    assert attempt(url, own_queue_bound(user, CASES_EXCHANGE, "pf-tulle")) == 403
    assert attempt(url, lambda ch: ch.basic_get(SUBMISSIONS_QUEUE)) == 403
    assert attempt(url, lambda ch: ch.queue_declare("party.pf-tulle.x")) == 403


def test_a_platform_reads_only_its_own_case_files_and_events(
    broker: Callable[[str], str],
) -> None:
    url, user = broker("pf-tulle"), user_names_of(broker, "pf-tulle")
    assert attempt(url, publish(DECISIONS_EXCHANGE)) == 0
    assert attempt(url, own_queue_bound(user, CASES_EXCHANGE, "pf-tulle")) == 0
    assert attempt(url, own_queue_bound(user, EVENTS_EXCHANGE, "#.pf-tulle")) == 0
    assert attempt(url, own_queue_bound(user, EVENTS_EXCHANGE, "dossier.*.pf-tulle")) == 0
    for exchange, key in (
        (CASES_EXCHANGE, "pf-nanterre"),  # another platform's case files
        (CASES_EXCHANGE, "#"),
        (CASES_EXCHANGE, "*"),
        (EVENTS_EXCHANGE, "#"),
        (EVENTS_EXCHANGE, "#.pf-nanterre"),
    ):
        assert attempt(url, own_queue_bound(user, exchange, key)) == 403, (exchange, key)
    assert attempt(url, publish(SUBMISSIONS_EXCHANGE)) == 403
    assert attempt(url, publish(CASES_EXCHANGE, "pf-tulle")) == 403
    other = user_names_of(broker, "pf-nanterre")
    assert attempt(url, lambda ch: ch.queue_declare(f"party.{other}.cases")) == 403


def test_ops_see_without_touching_a_message(broker: Callable[[str], str]) -> None:
    url = broker("ops")
    assert attempt(url, lambda ch: ch.basic_get(SUBMISSIONS_QUEUE)) == 403
    assert attempt(url, publish(SUBMISSIONS_EXCHANGE)) == 403


def user_names_of(broker: Callable[[str], str], role: str) -> str:
    return pika.URLParameters(broker(role)).credentials.username  # type: ignore[no-any-return]
