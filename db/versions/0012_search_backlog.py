"""The search index built after an import, in the background (issue 16, ADR 0024).

``search_backlog`` (SQLite only, as the FTS5 index of 0005): one row per Sample whose row in
``samples_fts`` is missing or may be stale. An import fills it with one ``INSERT ... SELECT``
of the Samples it wrote instead of indexing them in its transaction; the builder
(``services/search_index.py``) works through it in short write transactions, and the queue
searches the Samples still in it by their turns (``store/queue.py``). No foreign key: a
Sample deleted meanwhile leaves a row the builder simply drops.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BACKLOG = "search_backlog"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's import keeps indexing its rows itself (ADR 0024)
    op.execute(f"CREATE TABLE {BACKLOG} (sample_id INTEGER PRIMARY KEY)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # an older program knows no backlog: the Samples still in it are indexed first
    op.execute(f"DELETE FROM samples_fts WHERE rowid IN (SELECT sample_id FROM {BACKLOG})")
    op.execute("INSERT INTO samples_fts (rowid, text) SELECT sample_id, group_concat(text,"
               " char(10)) FROM (SELECT sample_id, text FROM turns WHERE sample_id IN"
               f" (SELECT sample_id FROM {BACKLOG}) ORDER BY sample_id, idx) GROUP BY sample_id")
    op.execute(f"DROP TABLE IF EXISTS {BACKLOG}")
