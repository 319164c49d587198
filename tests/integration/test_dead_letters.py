"""`permis dlq`: what failed for good or was refused is kept, shown with its reason,
replayed with its retries reset, or purged, on the real broker."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pika
import pytest

from messages.tasks import SendEmail
from tests.support.processes import clean_env, permis
from tests.support.world import World
from workers.core.broker import DramatiqTasks, make_broker
from workers.core.deadletters import DeadLetters, dead_letter_queue
from workers.core.stages import SEND_EMAIL
from workers.core.topology import SUBMISSIONS_EXCHANGE

pytestmark = [pytest.mark.timeout(120), pytest.mark.rabbitmq]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Dead letters live in the broker; one database is enough."""
    return sqlite_url


def wait_for(dead: DeadLetters, queue: str, count: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = dead.counts()[queue]
        if found >= count:
            return found
        time.sleep(0.2)
    return dead.counts()[queue]


def fail_an_email(world: World) -> str:
    """A SendEmail for a dossier that does not exist: a permanent failure in mail."""
    tasks = DramatiqTasks(make_broker(world.settings.broker_url))
    payload = SendEmail(
        kind="deposit_confirmation", recipient_role="employer", dossier_number="AT26-9999999-0"
    ).model_dump(mode="json")
    tasks.send(SEND_EMAIL.name, SEND_EMAIL.queue, payload)
    tasks.broker.close()
    return "stage.mail.XQ"


def test_a_message_failed_for_good_is_listed_shown_and_purged(world: World) -> None:
    dead = DeadLetters(str(world.settings.broker_url))
    queue = fail_an_email(world)
    assert wait_for(dead, queue, 1) == 1

    (letter,) = dead.peek(dead_letter_queue("mail"), limit=10)
    assert letter.actor == "send_email"
    assert "PermanentError" in letter.reason and "no such dossier" in letter.reason
    assert dead.counts()[queue] == 1  # shown, not taken

    assert dead.purge(dead_letter_queue("mail"), {"not-this-one"}) == 0
    assert dead.purge(dead_letter_queue("mail"), {letter.message_id}) == 1
    assert dead.counts()[queue] == 0


def test_a_replayed_stage_message_starts_again_with_no_retries(world: World) -> None:
    dead = DeadLetters(str(world.settings.broker_url))
    queue = fail_an_email(world)
    assert wait_for(dead, queue, 1) == 1
    (first,) = dead.peek(dead_letter_queue("mail"), limit=1)

    assert dead.replay(dead_letter_queue("mail"), None) == 1
    # The worker takes it again; the dossier still does not exist: back, failed anew.
    assert wait_for(dead, queue, 1) == 1
    (again,) = dead.peek(dead_letter_queue("mail"), limit=1)
    assert again.message_id == first.message_id
    assert again.retries == 0 and "no such dossier" in again.reason


def test_a_replayed_refused_message_goes_back_through_ingress(world: World) -> None:
    dead = DeadLetters(str(world.settings.broker_url))
    world.portal.publish(SUBMISSIONS_EXCHANGE, b"{not json")
    assert wait_for(dead, "portal.submissions.rejected", 1) == 1
    (refused,) = dead.peek(dead_letter_queue("portal"), limit=5)
    assert refused.reason == "malformed" and refused.body == b"{not json"

    assert dead.replay(dead_letter_queue("portal"), None) == 1
    assert wait_for(dead, "portal.submissions.rejected", 1) == 1
    (again,) = dead.peek(dead_letter_queue("portal"), limit=5)
    assert again.body == b"{not json" and again.reason == "malformed"


def test_replaying_keeps_the_messages_not_chosen_in_their_order(vhost: str) -> None:
    dead = DeadLetters(vhost)
    connection = pika.BlockingConnection(pika.URLParameters(vhost))
    channel = connection.channel()
    channel.queue_declare("stage.mail", durable=True)
    channel.queue_declare("stage.mail.XQ", durable=True)
    for n in range(5):
        message = {
            "queue_name": "stage.mail",
            "actor_name": "send_email",
            "args": [{"n": n}],
            "kwargs": {},
            "options": {"retries": 10, "traceback": f"Traceback\nTransientError: try {n}"},
            "message_id": f"m{n}",
            "message_timestamp": 1_790_000_000_000,
        }
        channel.basic_publish("", "stage.mail.XQ", json.dumps(message).encode())
    connection.close()

    assert dead.replay(dead_letter_queue("mail"), {"m1", "m3"}) == 2
    left = dead.peek(dead_letter_queue("mail"), limit=10)
    assert [m.message_id for m in left] == ["m0", "m2", "m4"]
    assert [m.reason for m in left] == [f"TransientError: try {n}" for n in (0, 2, 4)]
    connection = pika.BlockingConnection(pika.URLParameters(vhost))
    channel = connection.channel()
    replayed = []
    while (got := channel.basic_get("stage.mail", auto_ack=True))[0] is not None:
        replayed.append(json.loads(got[2]))
    connection.close()
    assert [m["message_id"] for m in replayed] == ["m1", "m3"]
    assert all(m["options"] == {"retries": 0} for m in replayed)
    assert all(m["queue_name"] == "stage.mail" for m in replayed)


def test_the_commands_as_ops_run_them(vhost: str, tmp_path: Path) -> None:
    env = {"PERMIS_BROKER_URL": vhost}
    listed = subprocess.run(
        permis("dlq", "list", "--json"), env=clean_env(**env), capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["stage.mail.XQ"] == 0
    unknown = subprocess.run(
        permis("dlq", "show", "nowhere"), env=clean_env(**env), capture_output=True, text=True
    )
    assert unknown.returncode == 2 and "known: intake" in unknown.stderr
    neither = subprocess.run(
        permis("dlq", "replay", "mail"), env=clean_env(**env), capture_output=True, text=True
    )
    assert neither.returncode == 2
