"""Email dispatch over the real broker and a real SMTP server, whatever the relay does:
down for a while, refusing for a while, refusing for good, or the same email asked thrice."""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from prometheus_client import REGISTRY

from messages.tasks import SendEmail
from tests.support.world import World, by_type, expected_rows
from workers.core.broker import DramatiqTasks, make_broker
from workers.core.stages import SEND_EMAIL

pytestmark = [pytest.mark.timeout(180), pytest.mark.rabbitmq, pytest.mark.postgres]


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL, production's database: the claim's SQL on both is tested in test_store."""
    return postgres_url


def deposit_while_relay_down(world: World) -> str:
    """Publish an accepted submission with the relay stopped; its dossier number."""
    world.smtp.stop()
    world.publish(expected_rows()[0].body)
    events = world.portal.collect(world.events, until=2)  # deposited, routed
    (deposited,) = by_type(events)["dossier.deposited"]
    return str(deposited.json["data"]["dossier_number"])


def delivered(world: World, settle_s: float = 3.0) -> list[EmailMessage]:
    time.sleep(settle_s)  # a duplicate, if any, would arrive now
    return list(world.smtp.handler.messages)


def test_a_relay_down_for_a_while_gets_each_email_once_when_back(world: World) -> None:
    deposit_while_relay_down(world)
    time.sleep(4)  # several attempts meet a closed port
    assert world.smtp.handler.messages == []
    world.smtp.start()
    events, _ = world.settle(emails=1, events=1)
    assert [e.json["data"]["kind"] for e in by_type(events)["email.sent"]] == [
        "deposit_confirmation"
    ]
    assert len(delivered(world)) == 1


def test_a_relay_answering_4xx_for_a_while_is_retried_and_sends_once(world: World) -> None:
    world.smtp.handler.refuse = ("data", "451 4.3.0 try again later")
    world.smtp.handler.refusals_left = 3
    world.publish(expected_rows()[0].body)
    events, mails = world.settle(emails=1, events=3)  # deposited, routed, email.sent
    assert len(mails) == 1 and world.smtp.handler.attempts == 4
    assert "email.failed" not in by_type(events)
    assert len(delivered(world)) == 1


def failed_count() -> float:
    return float(
        REGISTRY.get_sample_value(
            "permis_emails_total", {"kind": "deposit_confirmation", "status": "failed"}
        )
        or 0
    )


def test_a_5xx_fails_the_email_once_and_for_good(world: World) -> None:
    before = failed_count()
    world.smtp.handler.refuse = ("data", "554 5.7.1 message refused")
    world.publish(expected_rows()[0].body)
    events, _ = world.settle(emails=0, events=3)
    (failed,) = by_type(events)["email.failed"]
    assert "554" in failed.json["data"]["reason"]
    time.sleep(3)
    assert world.smtp.handler.attempts == 1  # no retry storm
    assert failed_count() == before + 1
    assert world.portal.collect(world.events, until=1, timeout_s=1) == []


def test_the_same_email_asked_three_times_more_is_sent_once(world: World) -> None:
    number = deposit_while_relay_down(world)
    tasks = DramatiqTasks(make_broker(world.settings.broker_url))
    again = SendEmail(
        kind="deposit_confirmation", recipient_role="employer", dossier_number=number
    ).model_dump(mode="json")
    for _ in range(3):
        tasks.send(SEND_EMAIL.name, SEND_EMAIL.queue, again)
    world.smtp.start()
    world.settle(emails=1, events=1)
    mails = delivered(world, settle_s=5)
    assert len(mails) == 1
    tasks.broker.close()
