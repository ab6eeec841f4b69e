"""Audits (issue 14): a seeded, stratified sample of pending Samples whose review shows, with a
stated confidence, that the rest of each stratum is good enough to be ``accepted`` unseen.

- ``audits``: one audit by its unique name: the queue filter it drew from (JSON), the error
  rate it must show (``max_error``) at which ``confidence``, the draw's ``seed``, what it
  stratifies by (``strata_by``, e.g. "task,source"), the highest id of the population it was drawn
  from (``max_sample_id``: the accept never reaches Samples imported later, they were not in
  the population the draw stood for), who made it and when, and who last accepted and when.
- ``audit_strata``: per stratum (``key``, e.g. "Relationship|97-LLVIP") its population (the
  pending Samples at creation) and its planned sample size.
- ``audit_samples``: the drawn Samples, each with its stratum and the round that drew it
  (0 at creation, 1, 2, ... for each ``audit extend``); indexed by Sample for the queue's
  "audit" filter and for deleting Samples.
- ``audit_accepted``: the Samples an ``audit accept`` gave ``accepted``, with the decision
  each had before (status, note, decided_by, decided_at) so an undo, even from another
  process, puts it back, and the manifest can name what came in by audit.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("max_error", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("strata_by", sa.String(200), nullable=False),
        sa.Column("max_sample_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("accepted_by", sa.String(200), nullable=True),
        sa.Column("accepted_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "audit_strata",
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audits.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
    )
    op.create_table(
        "audit_samples",
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audits.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("stratum", sa.String(500), nullable=False),
        sa.Column("drawn_round", sa.Integer(), nullable=False),
    )
    op.create_index("ix_audit_samples_sample", "audit_samples", ["sample_id"])
    op.create_table(
        "audit_accepted",
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audits.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("stratum", sa.String(500), nullable=False),
        sa.Column("old_status", sa.String(20), nullable=False),
        sa.Column("old_note", sa.Text(), nullable=True),
        sa.Column("old_decided_by", sa.String(200), nullable=True),
        sa.Column("old_decided_at", sa.String(40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),  # the Sample's, as accept left it
    )
    op.create_index("ix_audit_accepted_sample", "audit_accepted", ["sample_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_accepted_sample", table_name="audit_accepted")
    op.drop_table("audit_accepted")
    op.drop_index("ix_audit_samples_sample", table_name="audit_samples")
    op.drop_table("audit_samples")
    op.drop_table("audit_strata")
    op.drop_table("audits")
