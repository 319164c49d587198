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
