"""What an applied decision or portal follow-up emits: events, case files, documents, letters."""

from __future__ import annotations

from typing import Any

from messages.events import (
    CaseAssigned,
    DecisionRejected,
    DossierClosed,
    DossierDocumentsRequested,
    DossierDocumentsSupplied,
    DossierGranted,
    DossierRefused,
    DossierRejected,
    DossierRouted,
    DossierTransferred,
    DossierWithdrawn,
    RoutingRule,
)
from workers.core import emit
from workers.core.effects import Effects
from workers.core.store import DossierRecord, OutboxMessage
from workers.decisions.outcomes import AgentDecision, AgentRefusal, PortalChange, PortalRefusal

DOCUMENT_FOR_OUTCOME = {
    "granted": "authorization",
    "refused": "refusal",
    "documents_requested": "documents_request",
}


def decided(effects: Effects, decision: AgentDecision, document_number: str | None) -> None:
    """The events and follow-ups of an agent's decision (not a transfer)."""
    number, platform = decision.dossier_number, decision.platform
    data = decision.event.data
    outcome = getattr(data, "outcome", None)
    if outcome == "granted" and document_number:
        valid_from, valid_until = decision.valid_from, decision.valid_until
        assert valid_from is not None and valid_until is not None
        effects.event(
            DossierGranted(
                dossier_number=number,
                platform=platform,
                authorization_number=document_number,
                valid_from=valid_from,
                valid_until=valid_until,
            ),
            platform,
            number,
        )
        effects.document(
            number,
            "authorization",
            document_number,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    elif outcome == "refused" and document_number:
        effects.event(DossierRefused(dossier_number=number, platform=platform), platform, number)
        effects.document(number, "refusal", document_number, reasons=_reasons(decision))
    elif outcome == "documents_requested" and document_number:
        requested = tuple(getattr(data, "requested_documents", ()))
        assert decision.respond_by is not None
        effects.event(
            DossierDocumentsRequested(
                dossier_number=number,
                platform=platform,
                requested_documents=requested,
                respond_by=decision.respond_by,
            ),
            platform,
            number,
        )
        effects.document(
            number,
            "documents_request",
            document_number,
            requested_documents=[r.model_dump(mode="json", exclude_none=True) for r in requested],
            respond_by=decision.respond_by,
        )
    else:
        effects.event(DossierClosed(dossier_number=number, platform=platform), platform, number)
        effects.letter(number, "dossier_closed", closed_by="platform", reasons=_reasons(decision))


def _reasons(decision: AgentDecision) -> list[dict[str, Any]]:
    reasons = getattr(decision.event.data, "reasons", ())
    return [r.model_dump(mode="json", exclude_none=True) for r in reasons]


def transferred(
    effects: Effects, decision: AgentDecision, dossier: DossierRecord, table_version: str, name: str
) -> None:
    """A transfer: announced under the old platform, routed to the new one with its case file."""
    number, old, new = decision.dossier_number, decision.platform, decision.to_platform
    assert new is not None
    effects.event(
        DossierTransferred(dossier_number=number, platform=old, to_platform=new), old, number
    )
    rule = RoutingRule(
        name="transfer", departement=dossier.departement, table_version=table_version
    )
    effects.event(
        DossierRouted(dossier_number=number, platform=new, from_platform=old, rule=rule),
        new,
        number,
    )
    effects.messages.append(
        emit.case_file(
            CaseAssigned(
                dossier_number=number,
                platform=new,
                deadline=dossier.deadline or dossier.filing_date,
                findings=tuple(dossier.findings),
                submission=dossier.submission,
            ),
            origin=effects.origin,
            at=effects.at,
        )
    )
    effects.letter(number, "dossier_transferred", platform_name=name, deadline=dossier.deadline)


def portal_changed(effects: Effects, change: PortalChange) -> None:
    """Documents supplied (the deadline restarts) or the request withdrawn."""
    number, platform = change.dossier_number, change.platform
    if change.kind == "documents_supplied":
        assert change.deadline is not None and platform is not None
        effects.event(
            DossierDocumentsSupplied(
                dossier_number=number, platform=platform, deadline=change.deadline
            ),
            platform,
            number,
        )
        documents = [d.model_dump(mode="json") for d in getattr(change.event.data, "documents", ())]
        effects.letter(number, "documents_received", deadline=change.deadline, documents=documents)
    else:
        effects.event(DossierWithdrawn(dossier_number=number, platform=platform), platform, number)
        effects.letter(number, "dossier_closed", closed_by="employer", reasons=[])


def agent_refused(
    effects: Effects, refusal: AgentRefusal, message_id: str | None, copy: OutboxMessage
) -> None:
    """``decision.rejected`` keyed by the signing platform, and the message kept for ops."""
    effects.messages.append(copy)
    effects.event(
        DecisionRejected(
            message_id=message_id, dossier_number=refusal.dossier_number, errors=refusal.errors
        ),
        refusal.platform_for_routing,
        refusal.dossier_number,
    )


def portal_refused(
    effects: Effects,
    refusal: PortalRefusal,
    envelope: dict[str, Any],
    copy: OutboxMessage,
) -> None:
    """``dossier.rejected`` for a follow-up the table refuses, and the message kept for ops."""
    effects.messages.append(copy)
    kind = envelope.get("type") if isinstance(envelope.get("type"), str) else None
    effects.event(
        DossierRejected(submission_id=str(envelope["id"]), type=kind, errors=refusal.errors),
        None,
        refusal.dossier_number,
    )
