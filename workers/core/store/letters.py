"""The unit of work's letters: the documents issued and the emails sent about a dossier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from workers.core.store import tables as t
from workers.core.store.records import DocumentRecord
from workers.core.store.upserts import upsert_increment


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
        self.conn.execute(insert(t.documents).values(**values, created_at=at))

    def document(self, number: str) -> DocumentRecord | None:
        row = self.conn.execute(select(t.documents).where(t.documents.c.number == number)).first()
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
        c = t.documents.c
        query = select(c.number).where(c.replaces == number).order_by(c.created_at).limit(1)
        found = self.conn.execute(query).scalar()
        return str(found) if found is not None else None

    def next_document_sequence(self, dossier_number: str, kind: str) -> int:
        """Reserve the next number of a kind of document for a dossier; numbers are never reused."""
        table = t.document_sequences
        stmt = upsert_increment(
            self.conn,
            table,
            {"dossier_number": dossier_number, "kind": kind},
            [table.c.dossier_number, table.c.kind],
        )
        return int(self.conn.execute(stmt).scalar_one())

    def email_status(self, reference: str, kind: str, role: str) -> str | None:
        row = self.conn.execute(
            select(t.emails.c.status).where(
                t.emails.c.reference == reference,
                t.emails.c.kind == kind,
                t.emails.c.recipient_role == role,
            )
        ).first()
        return None if row is None else str(row.status)

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
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        values = {"message_id": message_id, "status": status, "error": error, "updated_at": at}
        stmt = dialect.insert(t.emails).values(
            reference=reference, kind=kind, recipient_role=role, attempts=1, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.emails.c.reference, t.emails.c.kind, t.emails.c.recipient_role],
            set_={**values, "attempts": t.emails.c.attempts + 1},
        )
        self.conn.execute(stmt)
