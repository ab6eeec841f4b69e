"""Alembic environment: runs on the connection the application hands over."""

from __future__ import annotations

from alembic import context

from irtd_annotator.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the application runs these migrations
    raise RuntimeError("IRTD Annotator migrations run through irtd_annotator.store.engine")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
