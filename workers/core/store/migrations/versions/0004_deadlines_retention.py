"""What the deadline sweep and the retention purge need: dates, marks and one lease.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("respond_by", sa.Date))
        batch.add_column(sa.Column("warned_deadline", sa.Date))
        batch.add_column(sa.Column("overdue_for", sa.Date))
        batch.add_column(sa.Column("final_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True)))
    op.create_index("ix_dossiers_deadline", "dossiers", ["deadline"])
    op.create_index("ix_dossiers_final_at", "dossiers", ["final_at"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True)))
    op.create_table(
        "leases",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
