"""The unit of work's letters: the documents issued and the emails sent about a dossier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, or_, select, update

from workers.core.store import tables as t
from workers.core.store.records import DocumentRecord
from workers.core.store.upserts import for_dialect, increment, per_dialect


class LettersMixin:
    """Documents, their per-dossier numbering, and one status row per email."""

    conn: Connection

    def emails(self, reference: str) -> list[dict[str, Any]]:
        """The emails about a dossier or submission, those carrying its documents included."""
        c = t.emails.c
        query = select(t.emails).where(
            or_(c.reference == reference, c.reference.startswith(f"{reference}-", autoescape=True))
        )
        return [
            dict(row) for row in self.conn.execute(query.order_by(t.emails.c.updated_at)).mappings()
        ]

    def documents_of(self, number: str) -> list[dict[str, Any]]:
        c = t.documents.c
        query = select(c.number, c.kind, c.sha256, c.issued_on, c.replaces, c.purged_at).where(
            c.dossier_number == number
        )
        return [dict(row) for row in self.conn.execute(query.order_by(c.number)).mappings()]

    def add_document(self, document: DocumentRecord, at: datetime) -> None:
        values = {k: getattr(document, k) for k in DocumentRecord.__dataclass_fields__}
        self.conn.execute(_ADD_DOCUMENT, {**values, "created_at": at})

    def document(self, number: str) -> DocumentRecord | None:
        row = self.conn.execute(_DOCUMENT, {"number": number}).first()
        if row is None:
            return None
        return DocumentRecord(
            row.number,
            row.dossier_number,
            row.kind,
            row.sha256,
            row.content,
            row.issued_on,
            dict(row.details or {}),
            row.replaces,
        )

    def replacement_of(self, number: str) -> str | None:
        """The number of the document issued to replace ``number``, if one was."""
        found = self.conn.execute(_REPLACEMENT_OF, {"number": number}).scalar()
        return str(found) if found is not None else None

    def next_document_sequence(self, dossier_number: str, kind: str) -> int:
        """Reserve the next number of a kind of document for a dossier; numbers are never reused."""
        stmt = for_dialect(self.conn, _NEXT_DOCUMENT_SEQUENCE)
        key = {"dossier_number": dossier_number, "kind": kind}
        return int(self.conn.execute(stmt, {**key, "last": 1}).scalar_one())

    def email_status(self, reference: str, kind: str, role: str) -> str | None:
        row = self.conn.execute(
            _EMAIL_STATUS, {"reference": reference, "kind": kind, "role": role}
        ).first()
        return None if row is None else str(row.status)

    def claim_email(
        self, reference: str, kind: str, role: str, *, message_id: str, at: datetime, lease_s: float
    ) -> bool:
        """Mark the email ``sending`` for this delivery alone, unless sent, failed or claimed.

        A claim lapses after ``lease_s``: a worker that died mid-send leaves the email to
        the next delivery, which sends it again under the same Message-ID (§8).
        """
        until = at + timedelta(seconds=lease_s)
        claim = {"reference": reference, "kind": kind, "recipient_role": role, "attempts": 1}
        claim |= {"message_id": message_id, "status": "sending", "updated_at": at}
        claimed = self.conn.execute(
            for_dialect(self.conn, _CLAIM_EMAIL), {**claim, "claimed_until": until}
        )
        return claimed.first() is not None

    def release_email(self, reference: str, kind: str, role: str) -> None:
        """Give up this delivery's claim: the send failed and will be retried."""
        c = t.emails.c
        self.conn.execute(
            update(t.emails)
            .where(c.reference == reference, c.kind == kind, c.recipient_role == role)
            .values(claimed_until=None)
        )

    def record_email(
        self,
        reference: str,
        kind: str,
        role: str,
        *,
        message_id: str,
        status: str,
        at: datetime,
        error: str | None = None,
    ) -> None:
        """Create or update the one row of ``(reference, kind, role)``."""
        row = {"reference": reference, "kind": kind, "recipient_role": role, "attempts": 1}
        row |= {"message_id": message_id, "status": status, "error": error, "updated_at": at}
        self.conn.execute(for_dialect(self.conn, _RECORD_EMAIL), {**row, "claimed_until": None})


def _claim_email(insert: Callable[[Table], Any]) -> Any:
    """Insert the claim, or take the row over unless it is done or its claim still runs.

    ``updated_at`` is the claim's instant: a claim lapsed before it may be taken over.
    """
    stmt = insert(t.emails)
    c, new = t.emails.c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[c.reference, c.kind, c.recipient_role],
        set_={
            "message_id": new.message_id,
            "status": new.status,
            "updated_at": new.updated_at,
            "claimed_until": new.claimed_until,
            "attempts": c.attempts + 1,
        },
        where=c.status.not_in(("sent", "failed"))
        & (c.claimed_until.is_(None) | (c.claimed_until < new.updated_at)),
    ).returning(c.reference)


def _record_email(insert: Callable[[Table], Any]) -> Any:
    """Insert the row, or overwrite its outcome; ``attempts`` counts claims, not records."""
    stmt = insert(t.emails)
    recorded = ("message_id", "status", "error", "updated_at", "claimed_until")
    return stmt.on_conflict_do_update(
        index_elements=[t.emails.c.reference, t.emails.c.kind, t.emails.c.recipient_role],
        set_={name: stmt.excluded[name] for name in recorded},
    )


_ADD_DOCUMENT = insert(t.documents)
_NEXT_DOCUMENT_SEQUENCE = per_dialect(
    lambda insert: increment(
        insert,
        t.document_sequences,
        [t.document_sequences.c.dossier_number, t.document_sequences.c.kind],
    )
)
_CLAIM_EMAIL = per_dialect(_claim_email)
_RECORD_EMAIL = per_dialect(_record_email)

# All ``replacement_of`` reads: what a role granted for the verification desk may read.
REPLACEMENT_COLUMNS = (t.documents.c.number, t.documents.c.replaces, t.documents.c.created_at)
_REPLACEMENT_OF = (
    select(t.documents.c.number)
    .where(t.documents.c.replaces == bindparam("number"))
    .order_by(t.documents.c.created_at)
    .limit(1)
)
_DOCUMENT = select(t.documents).where(t.documents.c.number == bindparam("number"))
_EMAIL_STATUS = select(t.emails.c.status).where(
    t.emails.c.reference == bindparam("reference"),
    t.emails.c.kind == bindparam("kind"),
    t.emails.c.recipient_role == bindparam("role"),
)
