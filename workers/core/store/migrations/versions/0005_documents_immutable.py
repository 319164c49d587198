"""Issued documents are immutable: never deleted, changed only by the retention purge.

A document is replaced at most once.

The purge may erase a document's content and details once (setting ``purged_at``); its
number, kind, hash, dates and what it replaces stay. Anything else is refused by the
database itself, whoever connects.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

def _purge_only(same: str, length: str) -> str:
    """The one change allowed: the purge erasing content; ``same`` compares NULL-safely."""
    kept = ("number", "dossier_number", "kind", "sha256", "created_at", "replaces", "issued_on")
    unchanged = " AND ".join(same.format(f"NEW.{c}", f"OLD.{c}") for c in kept)
    return (
        f"OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL AND {unchanged}"
        f" AND {length}(NEW.content) = 0"
    )


_IMMUTABLE = "issued documents are immutable: only the retention purge may erase one"
_NEVER_DELETED = "issued documents are never deleted"

_POSTGRESQL = f"""
CREATE FUNCTION permis_documents_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{_NEVER_DELETED}';
    END IF;
    IF {_purge_only("{} IS NOT DISTINCT FROM {}", "octet_length")} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{_IMMUTABLE}';
END
$$ LANGUAGE plpgsql
"""

_SQLITE_UPDATE = f"""
CREATE TRIGGER documents_immutable BEFORE UPDATE ON documents
WHEN NOT ({_purge_only("{} IS {}", "length")})
BEGIN
    SELECT RAISE(ABORT, '{_IMMUTABLE}');
END
"""

_SQLITE_DELETE = f"""
CREATE TRIGGER documents_never_deleted BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, '{_NEVER_DELETED}');
END
"""


def upgrade() -> None:
    op.create_index("ux_documents_replaces", "documents", ["replaces"], unique=True)
    if op.get_context().dialect.name == "postgresql":
        op.execute(_POSTGRESQL)
        op.execute(
            "CREATE TRIGGER documents_immutable BEFORE UPDATE OR DELETE ON documents"
            " FOR EACH ROW EXECUTE FUNCTION permis_documents_immutable()"
        )
    else:
        op.execute(_SQLITE_UPDATE)
        op.execute(_SQLITE_DELETE)


def downgrade() -> None:
    op.drop_index("ux_documents_replaces", "documents")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER documents_immutable ON documents")
        op.execute("DROP FUNCTION permis_documents_immutable()")
    else:
        op.execute("DROP TRIGGER documents_immutable")
        op.execute("DROP TRIGGER documents_never_deleted")
