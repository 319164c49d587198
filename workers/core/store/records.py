"""Plain records the store hands out; no SQLAlchemy beyond this package."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal


@dataclass(frozen=True)
class DossierRecord:
    """A dossier as stored: its state, platform, deadline and the submission it came from."""

    number: str
    submission_source: str
    submission_id: str
    state: str
    platform: str | None
    departement: str
    category: str
    procedure: str
    filing_date: date
    deadline: date | None
    language: str
    employer_email: str
    beneficiary_email: str | None
    submission: dict[str, Any]
    findings: list[dict[str, Any]]

    @property
    def contract_start(self) -> date:
        """The start of the contract the submission describes."""
        return date.fromisoformat(self.submission["job"]["contract"]["start_date"])

    @property
    def contract_end(self) -> date | None:
        """Its end, unless it is open-ended (a CDI)."""
        end = self.submission["job"]["contract"].get("end_date")
        return date.fromisoformat(end) if end else None


@dataclass(frozen=True)
class SeenMessage:
    """An external message already applied or rejected, by ``(source, id)``."""

    source: str
    message_id: str
    sha256: str
    outcome: str
    dossier_number: str | None


@dataclass(frozen=True)
class RejectionRecord:
    """A refused portal message, as ops and the rejection email need it."""

    source: str | None
    message_id: str | None
    type: str | None
    reason: str
    errors: list[dict[str, Any]]
    contact_email: str | None
    employer_name: str | None


@dataclass(frozen=True)
class DocumentRecord:
    """An issued document: never changed nor deleted; a replacement is a new number."""

    number: str
    dossier_number: str
    kind: str
    sha256: str
    content: bytes
    issued_on: date
    details: dict[str, Any]
    replaces: str | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """Something to publish once the transaction that decided it has committed.

    ``kind`` is ``amqp`` (a raw AMQP publication: an event, a case file, a rejected
    copy) or ``task`` (a dramatiq message to a stage: ``destination`` is the actor,
    ``routing_key`` its queue).
    """

    kind: Literal["amqp", "task"]
    destination: str
    routing_key: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    id: int | None = None
