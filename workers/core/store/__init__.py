"""Where Permis keeps dossiers, their history, seen messages, documents, emails and the outbox.

One code path for SQLite (the embedded default) and PostgreSQL (production), through
SQLAlchemy Core; the schema is brought up to date by Alembic migrations.
"""

from workers.core.store.database import Store, UnitOfWork, engine_url
from workers.core.store.records import DocumentRecord, DossierRecord, OutboxMessage, SeenMessage

__all__ = [
    "DocumentRecord",
    "DossierRecord",
    "OutboxMessage",
    "SeenMessage",
    "Store",
    "UnitOfWork",
    "engine_url",
]
