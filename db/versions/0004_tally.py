"""Kept counts of the Samples per (source, task, status), for the queue and its progress.

The queue shows how many Samples its filter selects and how many of them are approved. On
260,000 Samples counting them takes 20 ms for one status and 800 ms for one source (every
Sample of the source is read for its status): over the queue's 50 ms. ``sample_tally`` keeps
the counts per (source, task, status), a few hundred rows at most, so any filter made of
statuses, tasks and sources is counted by summing them.

Triggers keep it in step with every insert, delete and change of a Sample's status, task or
Pair. An import swaps the insert trigger for one grouped insert at its end
(``store/tally.py``). A Pair's source is never changed after it is created. Other databases
get no tally (the queue counts the Samples there).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TALLY = "sample_tally"
_ADD = (f"INSERT INTO {TALLY} (source, task, status, n) "
        "SELECT source, {row}.task, {row}.status, 1 FROM pairs WHERE id = {row}.pair_id "
        "ON CONFLICT (source, task, status) DO UPDATE SET n = n + 1;")
_REMOVE = (f"UPDATE {TALLY} SET n = n - 1 WHERE task = {{row}}.task AND status = {{row}}.status"
           " AND source = (SELECT source FROM pairs WHERE id = {row}.pair_id);")
TRIGGERS = {
    "sample_tally_insert":
        f"CREATE TRIGGER sample_tally_insert AFTER INSERT ON samples BEGIN "
        f"{_ADD.format(row='new')} END",
    "sample_tally_delete":
        f"CREATE TRIGGER sample_tally_delete AFTER DELETE ON samples BEGIN "
        f"{_REMOVE.format(row='old')} END",
    "sample_tally_update":
        f"CREATE TRIGGER sample_tally_update AFTER UPDATE OF status, task, pair_id ON samples "
        f"BEGIN {_REMOVE.format(row='old')} {_ADD.format(row='new')} END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE TABLE {TALLY} (source VARCHAR(200) NOT NULL, task VARCHAR(40) NOT NULL,"
               " status VARCHAR(20) NOT NULL, n INTEGER NOT NULL,"
               " PRIMARY KEY (source, task, status)) WITHOUT ROWID")
    op.execute(f"INSERT INTO {TALLY} (source, task, status, n) SELECT p.source, s.task,"
               " s.status, count(*) FROM samples s JOIN pairs p ON p.id = s.pair_id"
               " GROUP BY p.source, s.task, s.status")
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {TALLY}")
