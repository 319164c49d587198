"""The tables, as SQLAlchemy Core metadata; migrations/ creates and evolves them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

dossiers = Table(
    "dossiers",
    metadata,
    Column("number", String(30), primary_key=True),
    Column("submission_source", String(200), nullable=False),
    Column("submission_id", String(200), nullable=False),
    Column("state", String(30), nullable=False),
    Column("platform", String(40)),
    Column("departement", String(3), nullable=False),
    Column("category", String(30), nullable=False),
    Column("procedure", String(30), nullable=False),
    Column("filing_date", Date, nullable=False),
    Column("deadline", Date),
    Column("language", String(2), nullable=False),
    Column("employer_email", String(254), nullable=False),
    Column("beneficiary_email", String(254)),
    Column("submission", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("routing", JSON),
    Column("respond_by", Date),
    Column("warned_deadline", Date),
    Column("overdue_for", Date),
    Column("final_at", DateTime(timezone=True)),
    Column("purged_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("submission_source", "submission_id", name="uq_dossiers_submission"),
)
Index("ix_dossiers_state_platform", dossiers.c.state, dossiers.c.platform)
Index("ix_dossiers_deadline", dossiers.c.deadline)
Index("ix_dossiers_final_at", dossiers.c.final_at)

dossier_history = Table(
    "dossier_history",
    metadata,
    Column("dossier_number", String(30), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(60), nullable=False),
    Column("from_state", String(30)),
    Column("to_state", String(30), nullable=False),
    Column("reason", String(60), nullable=False),
    Column("message_id", String(200)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("dossier_number", "seq", name="pk_dossier_history"),
)

dossier_sequences = Table(
    "dossier_sequences",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("source", String(200), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("dossier_number", String(30)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("source", "message_id", name="pk_processed_messages"),
)

rejected_messages = Table(
    "rejected_messages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("source", String(200)),
    Column("message_id", String(200)),
    Column("type", String(200)),
    Column("reason", String(60), nullable=False),
    Column("errors", JSON, nullable=False),
    Column("contact_email", String(254)),
    Column("employer_name", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_rejected_messages_key", rejected_messages.c.source, rejected_messages.c.message_id)

documents = Table(
    "documents",
    metadata,
    Column("number", String(40), primary_key=True),
    Column("dossier_number", String(30), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("replaces", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("details", JSON),
    Column("issued_on", Date),
    Column("purged_at", DateTime(timezone=True)),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(60), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_documents_dossier", documents.c.dossier_number)
Index("ux_documents_replaces", documents.c.replaces, unique=True)

document_sequences = Table(
    "document_sequences",
    metadata,
    Column("dossier_number", String(30), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("last", Integer, nullable=False),
    PrimaryKeyConstraint("dossier_number", "kind", name="pk_document_sequences"),
)

emails = Table(
    "emails",
    metadata,
    Column("reference", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("recipient_role", String(20), nullable=False),
    Column("message_id", String(250), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", String(200)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("claimed_until", DateTime(timezone=True)),
    PrimaryKeyConstraint("reference", "kind", "recipient_role", name="pk_emails"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("origin", String(250), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("destination", String(200), nullable=False),
    Column("routing_key", String(250), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
)
Index("ix_outbox_pending", outbox.c.published_at, outbox.c.id)
Index("ix_outbox_origin", outbox.c.origin)
