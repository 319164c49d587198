"""The documents stage's actor: render, number and store a document for good, then send it."""

from __future__ import annotations

import hashlib
import inspect
from datetime import date
from typing import Any

from messages.events import DocumentIssued
from messages.tasks import IssueDocument, SendEmail
from workers.core import emit
from workers.core.details import decode
from workers.core.errors import PermanentError
from workers.core.metrics import DOCUMENTS_ISSUED
from workers.core.services import Services
from workers.core.stages import SEND_EMAIL
from workers.core.store import DocumentRecord, DossierRecord, OutboxMessage
from workers.documents import contexts
from workers.documents.issuing import sealed_document
from workers.documents.replacement import NotReplaceable, check_first_replacement
from workers.law.calendar import paris_date
from workers.law.letters import LETTER_FOR_DOCUMENT, recipients


def issue_document(services: Services, payload: dict[str, Any]) -> None:
    """Issue the document once under its reserved number; a reissue only re-sends its letters."""
    command = IssueDocument.model_validate(payload)
    origin = f"document|{command.document_number}"
    with services.store.transaction() as tx:
        issued = tx.document(command.document_number)
        dossier = tx.dossier(command.dossier_number)
        replaced_by = tx.replacement_of(command.replaces) if command.replaces else None
    if dossier is None:
        raise PermanentError("no such dossier")
    written: list[OutboxMessage] = []
    if issued is None:
        try:
            check_first_replacement(command.replaces, replaced_by)
        except NotReplaceable as exc:
            raise PermanentError(str(exc)) from None
        now = services.clock()
        document = render(services, command, dossier, paris_date(now))
        with services.store.transaction() as tx:
            tx.add_document(document, now)
            written = tx.add_outbox(origin, issued_messages(document, dossier, origin, now), now)
        DOCUMENTS_ISSUED.labels(document.kind).inc()
    services.relay.settle(origin, written, again=issued is not None)


def render(
    services: Services, command: IssueDocument, dossier: DossierRecord, issued_on: date
) -> DocumentRecord:
    builder = BUILDERS[command.kind]
    accepted = inspect.signature(builder).parameters
    details = {k: v for k, v in decode(command.details).items() if k in accepted}
    context = builder(
        document_number=command.document_number,
        dossier_number=dossier.number,
        issued_on=issued_on,
        platform=services.reference.platform(dossier.platform or ""),
        submission=dossier.submission,
        language=dossier.language,
        **details,
    )
    context["replaces"] = command.replaces
    content = sealed_pdf(services, command.kind, context)
    return DocumentRecord(
        number=command.document_number,
        dossier_number=dossier.number,
        kind=command.kind,
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        issued_on=issued_on,
        details=command.details,
        replaces=command.replaces,
    )


def sealed_pdf(services: Services, kind: str, context: dict[str, Any]) -> bytes:
    """The document's PDF under the seal; an authorization also shows and carries its code."""
    if services.seal is None:
        raise PermanentError("no seal configured (PERMIS_SEAL_KEY, PERMIS_SEAL_CERT)")
    return sealed_document(services.seal, kind, context)[1]


BUILDERS: dict[str, Any] = {
    "authorization": contexts.authorization_context,
    "refusal": contexts.refusal_context,
    "documents_request": contexts.documents_request_context,
    "implicit_refusal": contexts.implicit_refusal_context,
}


def issued_messages(
    document: DocumentRecord, dossier: DossierRecord, origin: str, now: Any
) -> list[OutboxMessage]:
    event = DocumentIssued(
        dossier_number=dossier.number,
        kind=document.kind,
        document_number=document.number,
        sha256=document.sha256,
    )
    messages = [
        emit.event(event, origin=origin, platform=dossier.platform, subject=dossier.number, at=now)
    ]
    kind = LETTER_FOR_DOCUMENT[document.kind]
    for role in recipients(kind, beneficiary_reachable=bool(dossier.beneficiary_email)):
        command = SendEmail(
            kind=kind,
            recipient_role=role,
            dossier_number=dossier.number,
            document_number=document.number,
        )
        messages.append(emit.task(SEND_EMAIL, command))
    return messages
