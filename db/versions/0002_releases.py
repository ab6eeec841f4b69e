"""Remember every release: the export, its manifest and a digest of each exported Sample.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("out_dir", sa.String(2000), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "release_samples",
        sa.Column("release_id", sa.Integer(),
                  sa.ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sample_id", sa.Integer(), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("release_samples")
    op.drop_table("releases")
