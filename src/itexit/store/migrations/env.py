"""Alembic environment: runs on the connection the store hands it."""

from __future__ import annotations

from alembic import context

from itexit.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("itexit migrations run only through itexit.store.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
