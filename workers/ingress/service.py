"""Ingress: admit an external message and hand it to its stage, or answer and keep it."""

from __future__ import annotations

import logging
from typing import Any

from messages.events import DossierRejected
from messages.tasks import TakeInPortalMessage
from workers.core import emit
from workers.core.clock import Clock
from workers.core.ports import Publisher, TaskQueue
from workers.core.stages import INTAKE
from workers.core.topology import SUBMISSIONS_REJECTED_QUEUE
from workers.ingress.admission import Admitted, Refused, admit

log = logging.getLogger(__name__)


class Ingress:
    """Turns raw AMQP deliveries from the external queues into stage commands."""

    def __init__(self, publisher: Publisher, tasks: TaskQueue, clock: Clock) -> None:
        self.publisher = publisher
        self.tasks = tasks
        self.clock = clock

    def take_portal(self, body: bytes, headers: dict[str, Any] | None) -> None:
        """Hand a portal message to intake, or refuse it as ``malformed``; returns once durable."""
        kept_headers = emit.jsonable_headers(headers)
        admitted = admit(body)
        if isinstance(admitted, Admitted):
            command = TakeInPortalMessage(body=admitted.text, headers=kept_headers)
            self.tasks.send(INTAKE.name, INTAKE.queue, command.model_dump(mode="json"))
            return
        log.info("portal message malformed", extra={"reason": admitted.reason})
        self.refuse(admitted, body, kept_headers)

    def refuse(self, refused: Refused, body: bytes, headers: dict[str, Any]) -> None:
        """Keep the original bytes for ops, then answer with ``dossier.rejected``."""
        copy = emit.rejected_copy(SUBMISSIONS_REJECTED_QUEUE, "", headers, ["malformed"])
        self.publisher.publish(copy.destination, copy.routing_key, body, copy.headers)
        event = DossierRejected(
            submission_id=refused.message_id, type=refused.type, errors=(refused.error(),)
        )
        origin = f"malformed|{refused.digest}"
        answer = emit.event(event, origin=origin, platform=None, subject=None, at=self.clock())
        self.publisher.publish(
            answer.destination, answer.routing_key, answer.body.encode(), answer.headers
        )
