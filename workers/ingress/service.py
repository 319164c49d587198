"""Ingress: admit an external message and hand it to its stage, or answer and keep it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from messages.events import DecisionRejected, DossierRejected
from messages.portal import DOCUMENTS_SUPPLIED, WITHDRAWN
from messages.tasks import TakeInDecision, TakeInPortalMessage
from workers.core import emit
from workers.core.clock import Clock
from workers.core.metrics import MESSAGES_REFUSED
from workers.core.ports import Publisher, TaskQueue
from workers.core.stages import APPLY_PORTAL_CHANGE, DECIDE, TAKE_IN
from workers.core.topology import DECISIONS_REJECTED_QUEUE, SUBMISSIONS_REJECTED_QUEUE
from workers.ingress.admission import (
    Admitted,
    Refused,
    admit,
    delivery_identity,
    sender_message_id,
)
from workers.signatures.verify import KeyLookup, message_time, verify

log = logging.getLogger(__name__)


PORTAL_FOLLOW_UPS = {DOCUMENTS_SUPPLIED, WITHDRAWN}


class Ingress:
    """Turns raw AMQP deliveries from the external queues into stage commands."""

    def __init__(
        self, publisher: Publisher, tasks: TaskQueue, clock: Clock, keys: KeyLookup
    ) -> None:
        self.publisher = publisher
        self.tasks = tasks
        self.clock = clock
        self.keys = keys

    def take_portal(
        self,
        body: bytes,
        headers: dict[str, Any] | None,
        properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Hand a portal message to its stage, or refuse it as ``malformed``; once durable.

        ``properties`` are the AMQP properties the sender set, as JSON values.
        """
        kept_headers = emit.jsonable_headers(headers)
        admitted = admit(body)
        if isinstance(admitted, Refused):
            log.info("portal message malformed", extra={"reason": admitted.reason})
            self._refuse(
                admitted,
                Received(body, kept_headers, properties or {}),
                SUBMISSIONS_REJECTED_QUEUE,
                None,
            )
            return
        follow_up = admitted.envelope.get("type") in PORTAL_FOLLOW_UPS
        actor = APPLY_PORTAL_CHANGE if follow_up else TAKE_IN
        command = TakeInPortalMessage(body=admitted.text, headers=kept_headers)
        self.tasks.send(actor.name, actor.queue, command.model_dump(mode="json"))

    def take_decision(
        self,
        body: bytes,
        headers: dict[str, Any] | None,
        properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Check an agents' message's signature here, where its headers are, then hand it on."""
        kept_headers = emit.jsonable_headers(headers)
        admitted = admit(body)
        envelope = admitted.envelope if isinstance(admitted, Admitted) else {}
        verdict = verify(body, headers, message_time(envelope), self.keys)
        if isinstance(admitted, Refused):
            log.info("agents' message malformed", extra={"reason": admitted.reason})
            self._refuse(
                admitted,
                Received(body, kept_headers, properties or {}),
                DECISIONS_REJECTED_QUEUE,
                verdict.platform,
            )
            return
        command = TakeInDecision(
            body=admitted.text,
            headers=kept_headers,
            signature_code=verdict.code,
            key_id=verdict.key_id,
            platform=verdict.platform,
        )
        self.tasks.send(DECIDE.name, DECIDE.queue, command.model_dump(mode="json"))

    def _refuse(
        self, refused: Refused, received: Received, queue: str, platform: str | None
    ) -> None:
        """Keep the original bytes for ops, then answer why, once per delivery."""
        channel = "portal" if queue == SUBMISSIONS_REJECTED_QUEUE else "agents"
        MESSAGES_REFUSED.labels(channel, "malformed").inc()
        copy = emit.rejected_copy(queue, "", received.headers, ["malformed"])
        self.publisher.publish(copy.destination, copy.routing_key, received.body, copy.headers)
        errors = (refused.error(),)
        amqp_message_id = sender_message_id(received.properties)
        event: DossierRejected | DecisionRejected
        if queue == SUBMISSIONS_REJECTED_QUEUE:
            event = DossierRejected(
                submission_id=refused.message_id,
                type=refused.type,
                errors=errors,
                amqp_message_id=amqp_message_id,
            )
        else:
            event = DecisionRejected(
                message_id=refused.message_id, errors=errors, amqp_message_id=amqp_message_id
            )
        identity = delivery_identity(received.body, received.headers, received.properties)
        answer = emit.event(
            event,
            origin=f"malformed|{queue}|{identity}",
            platform=platform,
            subject=None,
            at=self.clock(),
        )
        self.publisher.publish(
            answer.destination, answer.routing_key, answer.body.encode(), answer.headers
        )


@dataclass(frozen=True)
class Received:
    """A delivery as its sender made it: body, headers and AMQP properties (JSON values)."""

    body: bytes
    headers: dict[str, Any]
    properties: Mapping[str, Any]
