"""The dashboard's numbers without reading the Samples' texts (issue 15).

- ``samples.edit_distance`` (INTEGER NULL): the character edit distance between the LLM's
  original turns and the current ones, summed over the turns (``domain/edit_distance.py``,
  capped for huge texts), kept by every write of turn text (``services/edit_distance.py``).
  NULL for a Sample nobody edited. Filled here for the Samples already edited.
- ``ix_samples_edited_task_distance`` on (edited, task, edit_distance): the drafts chart's
  edited Samples per task and their distances, read from the index alone.
- ``ix_samples_warnings`` on (warnings), only the Samples with warnings (a partial index):
  the warning-kinds chart groups the few distinct warning lists without reading the rows.
- ``ix_revisions_action_at`` on (action, at, who): the decisions of the last days, one range
  of the index instead of every revision.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DRAFTS_INDEX = "ix_samples_edited_task_distance"
WARNINGS_INDEX = "ix_samples_warnings"
DECISIONS_INDEX = "ix_revisions_action_at"
_WITH_WARNINGS = sa.text("warnings IS NOT NULL")


def upgrade() -> None:
    op.add_column("samples", sa.Column("edit_distance", sa.Integer(), nullable=True))
    op.create_index(DRAFTS_INDEX, "samples", ["edited", "task", "edit_distance"])
    op.create_index(WARNINGS_INDEX, "samples", ["warnings"], sqlite_where=_WITH_WARNINGS,
                    postgresql_where=_WITH_WARNINGS)
    op.create_index(DECISIONS_INDEX, "revisions", ["action", "at", "who"])
    from irtd_annotator.services.edit_distance import refresh_edit_distance  # today's rule

    refresh_edit_distance(op.get_bind())


def downgrade() -> None:
    op.drop_index(DECISIONS_INDEX, table_name="revisions")
    op.drop_index(WARNINGS_INDEX, table_name="samples")
    op.drop_index(DRAFTS_INDEX, table_name="samples")
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("edit_distance")
