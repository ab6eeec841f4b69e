"""The FTS5 search index over the turns' text (SQLite, migration 0003) during bulk writes.

Triggers keep ``turns_fts`` in step with every change of ``turns``; for the hundreds of
thousands of turns an import inserts, one ``INSERT ... SELECT`` into the index after the rows
is several times faster than a trigger per row. ``bulk_indexing`` swaps the insert trigger
for that, inside the caller's transaction, so a failed import rolls the trigger back too.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection

FTS_TABLE = "turns_fts"
INSERT_TRIGGER = "turns_fts_insert"
# The same trigger as migration 0003 creates (a released migration is never changed).
_CREATE_INSERT_TRIGGER = (
    f"CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON turns BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END")


def has_search_index(conn: Connection) -> bool:
    """Whether the store has the FTS5 index with its insert trigger."""
    if conn.dialect.name != "sqlite":
        return False
    found = conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (INSERT_TRIGGER,)).scalar()
    return bool(found)


@contextmanager
def bulk_indexing(conn: Connection) -> Iterator[None]:
    """Index the turns inserted inside the block in one statement at its end."""
    if not has_search_index(conn):
        yield
        return
    before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM turns").scalar()
    conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}(rowid, text) SELECT id, text FROM turns "
                         "WHERE id > ? ORDER BY id", (before,))
    conn.exec_driver_sql(_CREATE_INSERT_TRIGGER)
