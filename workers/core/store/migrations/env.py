"""Alembic environment: migrations always run on the connection Permis hands over."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through workers.core.store.migrate.upgrade()")

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
