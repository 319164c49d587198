"""What the platforms' case tools publish on ``permis.decisions`` (CONTRACTS.md §3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from messages.common import DossierNumber, PlatformId, RequestedDocument
from messages.envelope import CloudEvent, Data, Day, Line, Text

DECIDED = "fr.gouv.etrangers.work_authorization.decided"
TRANSFERRED = "fr.gouv.etrangers.work_authorization.transferred"

SIGNATURE_HEADER = "signature"
SIGNATURE_KEY_HEADER = "signature-key-id"


class DecisionReason(Data):
    """One reason of a refusal or closure, with its legal basis for the letter."""

    code: Annotated[str, Line(50)]
    legal_basis: Annotated[str, Line(100, min_length=0)] | None = None
    text: Annotated[str, Text()]


class Decision(Data):
    """An agent's decision on a dossier of their platform."""

    dossier_number: DossierNumber
    platform: PlatformId
    agent_id: Annotated[str, Line(50)]
    outcome: Literal["granted", "refused", "documents_requested", "closed"]
    reasons: Annotated[tuple[DecisionReason, ...], Field(max_length=50)] = ()
    requested_documents: Annotated[tuple[RequestedDocument, ...], Field(max_length=50)] = ()
    respond_by: Day | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None


class Transfer(Data):
    """A platform hands a dossier to another platform."""

    dossier_number: DossierNumber
    platform: PlatformId
    agent_id: Annotated[str, Line(50)]
    to_platform: PlatformId
    reason: Annotated[str, Text()]


class Decided(CloudEvent[Decision]):
    """An agent decided on a dossier."""

    type: Literal["fr.gouv.etrangers.work_authorization.decided"]


class Transferred(CloudEvent[Transfer]):
    """An agent transferred a dossier to another platform."""

    type: Literal["fr.gouv.etrangers.work_authorization.transferred"]


AGENT_TYPES: dict[str, type[CloudEvent[Any]]] = {DECIDED: Decided, TRANSFERRED: Transferred}
