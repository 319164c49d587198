"""What one handled message causes, collected to be written with its state: events,
document commands and letters, all under the message's origin (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from messages.events import Event
from messages.tasks import IssueDocument, SendEmail
from workers.core import emit
from workers.core.details import encode
from workers.core.stages import ISSUE_DOCUMENT, SEND_EMAIL
from workers.core.store import OutboxMessage


class Effects:
    """Collects the outbox messages of one applied message, all under one origin."""

    def __init__(self, origin: str, at: datetime) -> None:
        self.origin = origin
        self.at = at
        self.messages: list[OutboxMessage] = []

    def event(self, event: Event, platform: str | None, subject: str | None) -> None:
        self.messages.append(
            emit.event(event, origin=self.origin, platform=platform, subject=subject, at=self.at)
        )

    def document(self, number: str, kind: str, document_number: str, **details: Any) -> None:
        command = IssueDocument(
            dossier_number=number,
            kind=kind,
            document_number=document_number,
            details=encode(details),
        )
        self.messages.append(emit.task(ISSUE_DOCUMENT, command))

    def letter(self, number: str, kind: str, **details: Any) -> None:
        command = SendEmail(
            kind=kind, recipient_role="employer", dossier_number=number, details=encode(details)
        )
        self.messages.append(emit.task(SEND_EMAIL, command))
