"""Finding a Sample by its original id or its image's file name without reading every row.

Go to (Ctrl+G) and the queue's search (issue 13) find Samples by what a reviewer reads
elsewhere: IR-TD's own id of a Sample (``Location 1234``, or ``1234`` in any task) and the file
name of its image (``FLIR_03641``, ``190001.jpg``). Neither had an index: the original id only
behind the task, in the unique (task, original_id) index, and the file name only inside
``pairs.rel_path``, whose index serves whole paths. A ``LIKE '%name%'`` over 100,000 paths on
every keystroke of a search costs tens of milliseconds; these indexes make both lookups a few
index entries:

- ``ix_samples_original_id``: samples (original_id).
- ``ix_pairs_file_name``: pairs by the last part of ``rel_path`` (what follows its last
  "/"), its ASCII letters lowered, an index on an expression. SQLite has no function for the
  last part of a path; ``rtrim(p, replace(p, '/', ''))`` strips every character but "/" from
  the right, which leaves the folder part, and what follows it is the name. PostgreSQL's is
  ``regexp_replace``; its letters are lowered by ``translate`` because SQLite's ``lower``
  lowers ASCII alone (PostgreSQL's would lower "Ä" too, and the stores would disagree), and
  it is compared in the "C" collation, byte by byte as SQLite's BINARY, so that a name and
  its stem are one range of the index in both stores. A query must spell the expression
  exactly so (``store/lookup.py``) for the planner to use the index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ORIGINAL_INDEX = "ix_samples_original_id"
NAME_INDEX = "ix_pairs_file_name"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NAME_EXPRESSION = {
    "sqlite": "lower(substr(rel_path, length(rtrim(rel_path, replace(rel_path, '/', ''))) + 1))",
    "postgresql": f"(translate(regexp_replace(rel_path, '^.*/', ''), '{_UPPER}',"
                  f" '{_UPPER.lower()}') COLLATE \"C\")",
}


def upgrade() -> None:
    op.create_index(ORIGINAL_INDEX, "samples", ["original_id"])
    dialect = op.get_bind().dialect.name
    expression = NAME_EXPRESSION.get(dialect)
    if expression is not None:  # another database: the lookups work, without an index
        op.execute(f"CREATE INDEX {NAME_INDEX} ON pairs ({expression})")


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")
    op.drop_index(ORIGINAL_INDEX, table_name="samples")
