"""A delivery's identity: the sender's message-id, else all it sent, never what the broker
added on the way."""

from __future__ import annotations

from typing import Any

import pytest

from workers.ingress.admission import delivery_identity

SENT = {"content_type": "application/cloudevents+json", "delivery_mode": 2, "timestamp": 1}
HEADERS = {"traceparent": "00-abc-def-01"}


def identity(body: bytes = b"", headers: dict[str, Any] | None = None, **properties: Any) -> str:
    return delivery_identity(body, HEADERS if headers is None else headers, SENT | properties)


def test_the_senders_message_id_is_the_identity_whatever_else_came() -> None:
    assert identity(message_id="m-1") == identity(b"other", {}, message_id="m-1", timestamp=9)
    assert identity(message_id="m-1") != identity(message_id="m-2")
    assert identity(message_id="m-1") == "message-id:m-1"


@pytest.mark.parametrize("message_id", [None, ""])
def test_without_a_message_id_the_same_message_has_the_same_identity(
    message_id: str | None,
) -> None:
    assert identity(message_id=message_id) == identity()


@pytest.mark.parametrize(
    "added",
    [
        {"x-delivery-count": 1},
        {"x-delivery-count": 7, "x-death": [{"queue": "q", "count": 1}]},
        {"x-first-death-queue": "q", "x-last-death-reason": "rejected"},
        {"x-received-from": [{"uri": "amqp://other"}]},
    ],
)
def test_what_the_broker_adds_on_redelivery_changes_nothing(added: dict[str, Any]) -> None:
    assert identity(headers=HEADERS | added) == identity()


@pytest.mark.parametrize(
    "change",
    [
        {"body": b"x"},
        {"headers": HEADERS | {"traceparent": "00-abc-xyz-01"}},
        {"headers": {}},
        {"headers": HEADERS | {"x-portal-instance": "b"}},
        {"timestamp": 2},
        {"app_id": "portal-b"},
        {"correlation_id": "c-2"},
    ],
)
def test_two_messages_that_differ_in_anything_sent_differ(change: dict[str, Any]) -> None:
    assert identity(**change) != identity()


def test_alike_in_every_byte_two_messages_cannot_be_told_apart() -> None:
    # Documented: a sender that sets neither a message-id nor a timestamp, twice the same.
    assert delivery_identity(b"", {}, {}) == delivery_identity(b"", {}, {})
