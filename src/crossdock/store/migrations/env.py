"""Alembic environment: migrations run on the connection ``crossdock.store.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from crossdock.store.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run Crossdock migrations through `crossdock db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
