"""What the pipeline publishes on ``permis.events`` and ``permis.cases`` (CONTRACTS.md §4).

Events hold ids, codes and dates, never personal data; the case file is the exception,
sent only to the platform in charge on its own routing key.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from messages.common import Error, Finding, RequestedDocument

EVENT_SOURCE = "/permis"
EVENT_PREFIX = "fr.permis."

DocumentIssuedKind = Literal["authorization", "refusal", "documents_request", "implicit_refusal"]
RecipientRole = Literal["employer", "beneficiary"]
AmqpMessageId = Annotated[
    str | None,
    Field(
        description="The AMQP message-id of the refused delivery, if it had one: how its"
        " sender finds this answer when the body could not be read (malformed)."
    ),
]


class Event(BaseModel):
    """Base of every event payload; ``name`` is the event's short name (``dossier.routed``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    name: ClassVar[str]


class DossierRejected(Event):
    """A portal message was refused; nothing was created."""

    name: ClassVar[str] = "dossier.rejected"
    submission_id: str | None
    type: str | None = None
    errors: tuple[Error, ...]
    amqp_message_id: AmqpMessageId = None


class DossierDeposited(Event):
    """A dossier was created from a submission."""

    name: ClassVar[str] = "dossier.deposited"
    dossier_number: str
    submission_id: str
    findings: tuple[Finding, ...]
    deadline: date


class RoutingRule(BaseModel):
    """Why a dossier went to its platform: the rule and the data it read."""

    model_config = ConfigDict(frozen=True)
    name: Literal["departement", "seasonal_metropole", "transfer"]
    departement: str | None
    table_version: str


class DossierRouted(Event):
    """A dossier was assigned, or transferred, to a platform."""

    name: ClassVar[str] = "dossier.routed"
    dossier_number: str
    platform: str
    from_platform: str | None
    rule: RoutingRule


class DossierTransferred(Event):
    """A platform handed a dossier on (published under the old platform)."""

    name: ClassVar[str] = "dossier.transferred"
    dossier_number: str
    platform: str
    to_platform: str


class DossierDocumentsRequested(Event):
    """An agent asked the employer for documents."""

    name: ClassVar[str] = "dossier.documents_requested"
    dossier_number: str
    platform: str
    requested_documents: tuple[RequestedDocument, ...]
    respond_by: date


class DossierDocumentsSupplied(Event):
    """The employer supplied the documents; the silence deadline restarts."""

    name: ClassVar[str] = "dossier.documents_supplied"
    dossier_number: str
    platform: str
    deadline: date


class DossierResponseOverdue(Event):
    """The date to answer a request for documents passed without an answer."""

    name: ClassVar[str] = "dossier.response_overdue"
    dossier_number: str
    platform: str
    respond_by: date


class DossierGranted(Event):
    """The work authorization was granted."""

    name: ClassVar[str] = "dossier.granted"
    dossier_number: str
    platform: str
    authorization_number: str
    valid_from: date
    valid_until: date


class DossierRefused(Event):
    """The work authorization was refused."""

    name: ClassVar[str] = "dossier.refused"
    dossier_number: str
    platform: str


class DossierClosed(Event):
    """The dossier was closed without a decision on the merits."""

    name: ClassVar[str] = "dossier.closed"
    dossier_number: str
    platform: str


class DossierWithdrawn(Event):
    """The employer withdrew the request."""

    name: ClassVar[str] = "dossier.withdrawn"
    dossier_number: str
    platform: str | None


class DossierDeadlineApproaching(Event):
    """The silence deadline is 10 days away or less."""

    name: ClassVar[str] = "dossier.deadline_approaching"
    dossier_number: str
    platform: str
    deadline: date


class DossierImplicitlyRefused(Event):
    """The silence deadline passed: the request is implicitly refused."""

    name: ClassVar[str] = "dossier.implicitly_refused"
    dossier_number: str
    platform: str
    deadline: date


class DossierImplicitlyGranted(Event):
    """The silence deadline passed for an asylum seeker: implicitly granted."""

    name: ClassVar[str] = "dossier.implicitly_granted"
    dossier_number: str
    platform: str
    deadline: date


class DocumentIssued(Event):
    """A document was generated and stored for good."""

    name: ClassVar[str] = "document.issued"
    dossier_number: str
    kind: DocumentIssuedKind
    document_number: str
    sha256: str


class EmailSent(Event):
    """An email was accepted by the relay (never names the address)."""

    name: ClassVar[str] = "email.sent"
    dossier_number: str | None
    submission_id: str | None
    kind: str
    recipient_role: RecipientRole


class EmailFailed(Event):
    """An email could not be delivered, for good."""

    name: ClassVar[str] = "email.failed"
    dossier_number: str | None
    submission_id: str | None
    kind: str
    recipient_role: RecipientRole
    reason: str


class DecisionRejected(Event):
    """An agents' message was refused; nothing changed."""

    name: ClassVar[str] = "decision.rejected"
    message_id: str | None
    dossier_number: str | None = None
    errors: tuple[Error, ...]
    amqp_message_id: AmqpMessageId = None


class CaseAssigned(Event):
    """The case file a platform's tool receives on ``permis.cases`` at each routing."""

    name: ClassVar[str] = "case.assigned"
    dossier_number: str
    platform: str
    deadline: date
    findings: tuple[Finding, ...]
    submission: dict[str, Any]


EVENT_TYPES: tuple[type[Event], ...] = (
    DossierRejected,
    DossierDeposited,
    DossierRouted,
    DossierTransferred,
    DossierDocumentsRequested,
    DossierDocumentsSupplied,
    DossierResponseOverdue,
    DossierGranted,
    DossierRefused,
    DossierClosed,
    DossierWithdrawn,
    DossierDeadlineApproaching,
    DossierImplicitlyRefused,
    DossierImplicitlyGranted,
    DocumentIssued,
    EmailSent,
    EmailFailed,
    DecisionRejected,
)


def event_type(event: type[Event] | Event) -> str:
    """The CloudEvent ``type`` of an event: ``fr.permis.`` + its name."""
    return EVENT_PREFIX + event.name


class EventEnvelope(BaseModel):
    """A pipeline event as published: a CloudEvent whose ``data`` is an event payload."""

    model_config = ConfigDict(frozen=True)
    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str = EVENT_SOURCE
    type: str
    time: AwareDatetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
