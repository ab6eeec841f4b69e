"""The first schema: settings, pairs, samples, turns, shapes, revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "pairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rel_path", sa.String(1000), nullable=False, unique=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("ir_path", sa.String(2000)),
        sa.Column("visible_path", sa.String(2000)),
        sa.Column("ir_exists", sa.Boolean(), nullable=False),
        sa.Column("visible_exists", sa.Boolean(), nullable=False),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("aligned", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_pairs_source", "pairs", ["source"])
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task", sa.String(40), nullable=False),
        sa.Column("original_id", sa.String(200), nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("pair_id", sa.Integer(), sa.ForeignKey("pairs.id"), nullable=False),
        sa.Column("image", sa.String(2000), nullable=False),
        sa.Column("image_as_list", sa.Boolean(), nullable=False),
        sa.Column("answer_space", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reject_reason", sa.String(40)),
        sa.Column("note", sa.Text()),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer()),
        sa.Column("options", sa.String(40)),
        sa.Column("warnings", sa.Text()),
        sa.Column("updated_at", sa.String(40)),
        sa.Column("updated_by", sa.String(200)),
        sa.UniqueConstraint("task", "original_id", name="uq_samples_task_original_id"),
    )
    op.create_index("ix_samples_pair_id", "samples", ["pair_id"])
    op.create_index("ix_samples_edited", "samples", ["edited"])
    op.create_index("ix_samples_status_task", "samples", ["status", "task"])
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(),
                  sa.ForeignKey("samples.id", ondelete="CASCADE"), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("sample_id", "idx", name="uq_turns_sample_idx"),
    )
    op.create_table(
        "shapes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pair_id", sa.Integer(), sa.ForeignKey("pairs.id"), nullable=False),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("space", sa.String(20), nullable=False),
        sa.Column("x1", sa.Float(), nullable=False),
        sa.Column("y1", sa.Float(), nullable=False),
        sa.Column("x2", sa.Float()),
        sa.Column("y2", sa.Float()),
        sa.Column("outside", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_shapes_pair_id", "shapes", ["pair_id"])
    op.create_index("ix_shapes_sample_id", "shapes", ["sample_id"])
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id")),
        sa.Column("pair_id", sa.Integer(), sa.ForeignKey("pairs.id")),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("old", sa.Text()),
        sa.Column("new", sa.Text()),
    )
    op.create_index("ix_revisions_sample_id", "revisions", ["sample_id"])


def downgrade() -> None:
    for table in ("revisions", "shapes", "turns", "samples", "pairs", "settings"):
        op.drop_table(table)
