"""Team review: a version per Sample, who decided it, leases and assignments.

Several reviewers on one store (PostgreSQL, or several windows on one SQLite file) must never
overwrite each other silently (ADR 0019):

- ``samples.version`` grows by one with every change to the Sample (its row, turns, shapes or
  markers). A write names the version its author saw and is refused when the Sample moved on.
- ``samples.decided_by`` / ``decided_at``: who last gave the Sample its review status and when,
  for the per-reviewer progress (today, in all); filled from the revisions for older stores.
- ``leases``: who is working on a Sample right now (until a time, renewed while they are on it),
  so "next pending" hands each reviewer a Sample no one else holds.
- ``assignments``: the batch a lead gave a reviewer (a Sample belongs to at most one).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("samples", sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="0"))
    op.add_column("samples", sa.Column("decided_by", sa.String(200), nullable=True))
    op.add_column("samples", sa.Column("decided_at", sa.String(40), nullable=True))
    # the last status revision of each decided Sample says who decided it and when
    last = ("SELECT {col} FROM revisions r WHERE r.sample_id = samples.id AND r.action = 'status'"
            " ORDER BY r.id DESC LIMIT 1")
    op.execute(f"UPDATE samples SET decided_by = ({last.format(col='who')}), "
               f"decided_at = ({last.format(col='at')}) WHERE status <> 'pending'")
    op.create_index("ix_samples_decided_by_at", "samples", ["decided_by", "decided_at"])
    op.create_table(
        "leases",
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("since", sa.String(40), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),  # seconds since the epoch, UTC
    )
    op.create_index("ix_leases_session", "leases", ["session"])
    op.create_table(
        "assignments",
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_index("ix_assignments_who_sample", "assignments", ["who", "sample_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_who_sample", table_name="assignments")
    op.drop_table("assignments")
    op.drop_index("ix_leases_session", table_name="leases")
    op.drop_table("leases")
    op.drop_index("ix_samples_decided_by_at", table_name="samples")
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
        batch.drop_column("version")
