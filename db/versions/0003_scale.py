"""Scale to the whole of IR-TD: indexes the queue's filters read, and (SQLite only) an FTS5
index over the turns' current text for the queue's free-text search.

Indexes: ``samples(task)`` and ``samples(status)``: with the rowid SQLite appends to every
index they hand the queue's ids of one task or one status out already in id order, without
touching the rows; ``pairs(source, id)`` gives the Pairs of a source from the index alone.

``turns_fts`` is an external-content FTS5 table (the text is not stored twice) with the
trigram tokenizer, so a search finds any substring of three characters or more,
case-insensitively, as the ``LIKE`` it replaces did. Triggers keep it in step with every
insert, update and delete of ``turns``. Other databases have no FTS5: nothing is created
there and the queue searches with ``LIKE``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FTS_TABLE = "turns_fts"
TRIGGERS = {
    "turns_fts_insert": f"""
        CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
            INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text);
        END""",
    "turns_fts_delete": f"""
        CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
        END""",
    "turns_fts_update": f"""
        CREATE TRIGGER turns_fts_update AFTER UPDATE OF text ON turns BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text);
        END""",
}


def upgrade() -> None:
    op.create_index("ix_samples_task", "samples", ["task"])
    op.create_index("ix_samples_status", "samples", ["status"])
    op.create_index("ix_pairs_source_id", "pairs", ["source", "id"])
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, content='turns', "
               "content_rowid='id', tokenize='trigram')")
    op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    op.drop_index("ix_pairs_source_id", "pairs")
    op.drop_index("ix_samples_status", "samples")
    op.drop_index("ix_samples_task", "samples")
