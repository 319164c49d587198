"""Documents keep the data they were rendered from; their numbers are reserved per kind.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("details", sa.JSON))
    op.add_column("documents", sa.Column("issued_on", sa.Date))
    op.create_table(
        "document_sequences",
        sa.Column("dossier_number", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dossier_number", "kind", name="pk_document_sequences"),
    )
