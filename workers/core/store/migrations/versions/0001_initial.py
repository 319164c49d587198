"""The first schema: dossiers, history, seen and rejected messages, documents, emails, outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("number", sa.String(30), primary_key=True),
        sa.Column("submission_source", sa.String(200), nullable=False),
        sa.Column("submission_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("platform", sa.String(40)),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("procedure", sa.String(30), nullable=False),
        sa.Column("filing_date", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("employer_email", sa.String(254), nullable=False),
        sa.Column("beneficiary_email", sa.String(254)),
        sa.Column("submission", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.UniqueConstraint("submission_source", "submission_id", name="uq_dossiers_submission"),
    )
    op.create_index("ix_dossiers_state_platform", "dossiers", ["state", "platform"])
    op.create_table(
        "dossier_history",
        sa.Column("dossier_number", sa.String(30), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("from_state", sa.String(30)),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("message_id", sa.String(200)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("dossier_number", "seq", name="pk_dossier_history"),
    )
    op.create_table(
        "dossier_sequences",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "processed_messages",
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("dossier_number", sa.String(30)),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("source", "message_id", name="pk_processed_messages"),
    )
    op.create_table(
        "rejected_messages",
        sa.Column("id", BIGID, primary_key=True),
        sa.Column("source", sa.String(200)),
        sa.Column("message_id", sa.String(200)),
        sa.Column("type", sa.String(200)),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("contact_email", sa.String(254)),
        sa.Column("employer_name", sa.String(200)),
        sa.Column("created_at", INSTANT, nullable=False),
    )
    op.create_index("ix_rejected_messages_key", "rejected_messages", ["source", "message_id"])
    op.create_table(
        "documents",
        sa.Column("number", sa.String(40), primary_key=True),
        sa.Column("dossier_number", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("replaces", sa.String(40)),
        sa.Column("created_at", INSTANT, nullable=False),
    )
    op.create_index("ix_documents_dossier", "documents", ["dossier_number"])
    op.create_table(
        "emails",
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient_role", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String(200)),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("reference", "kind", "recipient_role", name="pk_emails"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BIGID, primary_key=True),
        sa.Column("origin", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("destination", sa.String(200), nullable=False),
        sa.Column("routing_key", sa.String(250), nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("claimed_at", INSTANT),
        sa.Column("published_at", INSTANT),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "id"])
    op.create_index("ix_outbox_origin", "outbox", ["origin"])
