"""The search index per Sample instead of per Turn: the queue's search finds Samples.

Migration 0003 indexed every Turn in ``turns_fts``; a search then had to look up the Sample
of each Turn it found, and on 260,000 Samples that lookup cost two to three times the search
itself (70 of 100 ms). ``samples_fts`` holds one row per Sample, its rowid the Sample's id,
the text of its turns joined by line breaks (a search box holds one line, so a match never
spans two turns). It keeps its own copy of the text, so deleting a row never depends on the
caller giving back exactly the text it indexed.

Triggers on ``turns`` index the Sample again whenever one of its turns is inserted, changed
or deleted; an import swaps the insert trigger for one grouped insert at its end
(``store/search.py``). SQLite only, as 0003.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FTS = "samples_fts"
OLD_FTS = "turns_fts"
OLD_TRIGGERS = ("turns_fts_insert", "turns_fts_delete", "turns_fts_update")
# One Sample's turns in order, joined by line breaks: what the index holds for it.
_TEXT = ("SELECT group_concat(text, char(10)) FROM (SELECT text FROM turns "
         "WHERE sample_id = {sid} ORDER BY idx)")
_REINDEX = (f"DELETE FROM {FTS} WHERE rowid = {{sid}}; "
            f"INSERT INTO {FTS} (rowid, text) SELECT {{sid}}, ({_TEXT}) "
            "WHERE EXISTS (SELECT 1 FROM turns WHERE sample_id = {sid});")
TRIGGERS = {
    "samples_fts_insert": "CREATE TRIGGER samples_fts_insert AFTER INSERT ON turns BEGIN "
                          + _REINDEX.format(sid="new.sample_id") + " END",
    "samples_fts_update": "CREATE TRIGGER samples_fts_update AFTER UPDATE OF text, sample_id, idx"
                          " ON turns BEGIN " + _REINDEX.format(sid="new.sample_id") + " END",
    "samples_fts_move": "CREATE TRIGGER samples_fts_move AFTER UPDATE OF sample_id ON turns"
                        " WHEN old.sample_id <> new.sample_id BEGIN "
                        + _REINDEX.format(sid="old.sample_id") + " END",
    "samples_fts_delete": "CREATE TRIGGER samples_fts_delete AFTER DELETE ON turns BEGIN "
                          + _REINDEX.format(sid="old.sample_id") + " END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in OLD_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {OLD_FTS}")
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(text, tokenize='trigram')")
    op.execute(f"INSERT INTO {FTS} (rowid, text) SELECT sample_id, group_concat(text, char(10))"
               " FROM (SELECT sample_id, text FROM turns ORDER BY sample_id, idx)"
               " GROUP BY sample_id")
    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.execute(f"CREATE VIRTUAL TABLE {OLD_FTS} USING fts5(text, content='turns', "
               "content_rowid='id', tokenize='trigram')")
    op.execute(f"INSERT INTO {OLD_FTS}({OLD_FTS}) VALUES ('rebuild')")
    op.execute(f"CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN "
               f"INSERT INTO {OLD_FTS}(rowid, text) VALUES (new.id, new.text); END")
    op.execute(f"CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN "
               f"INSERT INTO {OLD_FTS}({OLD_FTS}, rowid, text) VALUES ('delete', old.id, old.text);"
               " END")
    op.execute(f"CREATE TRIGGER turns_fts_update AFTER UPDATE OF text ON turns BEGIN "
               f"INSERT INTO {OLD_FTS}({OLD_FTS}, rowid, text) VALUES ('delete', old.id, old.text);"
               f" INSERT INTO {OLD_FTS}(rowid, text) VALUES (new.id, new.text); END")
