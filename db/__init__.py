"""Alembic migrations of the IRTD Annotator store (installed as irtd_annotator.migrations)."""
