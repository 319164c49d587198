"""Commands the pipeline's stages send each other over dramatiq (internal, not the contract)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Task(BaseModel):
    """Base of the stages' commands: frozen, sent as one JSON object."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class TakeInPortalMessage(Task):
    """Apply a portal message that passed ingress's envelope checks."""

    body: str
    headers: dict[str, Any]


class RouteDossier(Task):
    """Assign a deposited dossier to its platform."""

    dossier_number: str


class SendEmail(Task):
    """Send one email of ``kind`` to one recipient, about a dossier or a rejected submission."""

    kind: str
    recipient_role: Literal["employer", "beneficiary"]
    dossier_number: str | None = None
    submission_source: str | None = None
    submission_id: str | None = None
    document_number: str | None = None
    details: dict[str, Any] = {}


class TakeInDecision(Task):
    """Apply an agents' message; ingress already checked its signature where the headers were."""

    body: str
    headers: dict[str, Any]
    signature_code: str | None
    key_id: str | None
    platform: str | None


class IssueDocument(Task):
    """Render and store one document under the number the deciding stage reserved for it."""

    dossier_number: str
    kind: Literal["authorization", "refusal", "documents_request", "implicit_refusal"]
    document_number: str
    details: dict[str, Any] = {}
    replaces: str | None = None
