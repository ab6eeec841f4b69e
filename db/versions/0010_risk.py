"""Risk first: each Sample's risk score, kept, and the index that orders by it (issue 14).

- ``samples.risk`` (INTEGER NOT NULL DEFAULT 0): how likely the Sample is wrong
  (``domain/risk.py``, docs/risk.md); ``samples.risk_parts``: the codes of the signals that
  fired, ","-joined.
- ``ix_samples_risk_id`` on (risk DESC, id): the queue's "riskiest first, ties in id order"
  is then one forward scan of the index, on SQLite and PostgreSQL alike (an index on
  (risk, id) read backwards would give the ties in descending id order).

Existing Samples are scored here, by the service that keeps the score afterwards
(``services/risk.refresh_risk``), in the migration's transaction: one pass reading the
Samples, their turns and the counted shapes, and one executemany writing the Samples that
score above 0 (the rest keep the default).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = "ix_samples_risk_id"


def upgrade() -> None:
    op.add_column("samples", sa.Column("risk", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("samples", sa.Column("risk_parts", sa.String(200), nullable=True))
    op.create_index(INDEX, "samples", [sa.text("risk DESC"), "id"])
    from irtd_annotator.services.risk import refresh_risk  # the rules of today's release

    refresh_risk(op.get_bind())


def downgrade() -> None:
    op.drop_index(INDEX, table_name="samples")
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("risk_parts")
        batch.drop_column("risk")
