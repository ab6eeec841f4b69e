"""The search index's backlog (SQLite, migration 0012, ADR 0024): the Samples whose row in
``samples_fts`` is missing or may be stale, and the SQL that indexes them a batch at a time.

An import no longer indexes what it wrote (9 + 4 s of a 50 s import of 260,000 Samples):
``store/search.enqueue_written`` lists the Samples whose turns it inserted, in one statement of its
transaction, and the builder (``services/search_index.py``) calls ``index_batch`` in short
write transactions of its own until the backlog is empty, then ``merge_step`` until FTS5's
segments are merged. Every step is one transaction, so a builder killed at any point leaves
a backlog the next one resumes; two builders at once serialise on SQLite's write lock, and
each batch re-reads the backlog under it, so none indexes a Sample twice over the other.

While a build runs, FTS5's incremental merging is paused (as the import paused it inside its
transaction, ``store/search.py``): otherwise the index of each batch would be rewritten three
or four times, and a reviewer's edit could meet a "crisis merge" of a whole level. The values
in force before are kept in the setting ``search_build`` with the count indexed so far, in
the batch's transaction, and put back by the last merge step.
"""

from __future__ import annotations

from sqlalchemy import Connection

from irtd_annotator.store.search import (
    BACKLOG,
    FTS_TABLE,
    GROUPED,
    PAUSED_MERGE,
    has_backlog,
    merge_settings,
    set_merge_settings,
)
from irtd_annotator.store.settings import get_setting, set_setting

BUILD_SETTING = "search_build"  # {"merge": FTS5's saved settings, "indexed": Samples}
# The backlog's Samples up to :hi: one range of its primary key.
_UP_TO = f"SELECT sample_id FROM {BACKLOG} WHERE sample_id <= :hi"


def backlog_size(conn: Connection) -> int:
    """How many Samples wait to be indexed (0 on a store without a backlog)."""
    if not has_backlog(conn):
        return 0
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {BACKLOG}").scalar() or 0)


def backlog_waiting(conn: Connection) -> bool:
    """Whether any Sample waits to be indexed: one probe of the table, for every search."""
    return bool(conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {BACKLOG})").scalar())


def build_unfinished(conn: Connection) -> bool:
    """Whether a builder has work: Samples to index, or segments to merge after a build."""
    if not has_backlog(conn):
        return False
    return backlog_waiting(conn) or get_setting(conn, BUILD_SETTING) is not None


def checkpoint(conn: Connection) -> None:
    """Copy what the write-ahead log holds into the file, as far as readers allow, outside
    any transaction (PASSIVE: no lock that a writer waits for). After each of the builder's
    transactions, so that the log stays short and the automatic checkpoint, which the commit
    crossing its 1,000 pages runs, does not fall to a reviewer's one-line write."""
    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def index_batch(conn: Connection, limit: int) -> int:
    """Index the backlog's first ``limit`` Samples and take them out of it, in the caller's
    write transaction; how many were taken (0: the backlog is empty).

    Delete-then-insert, as the turns' triggers do: a Sample indexed meanwhile by an edit,
    indexed again, or deleted since (no turns: no row) all end with the row its turns say.
    """
    hi = conn.exec_driver_sql(
        f"SELECT max(sample_id) FROM (SELECT sample_id FROM {BACKLOG}"
        " ORDER BY sample_id LIMIT ?)", (limit,)).scalar()
    if hi is None:
        return 0
    state = get_setting(conn, BUILD_SETTING)
    if state is None:  # the build's first batch: keep what FTS5 merged by, then pause it
        state = {"merge": merge_settings(conn), "indexed": 0}
        set_merge_settings(conn, PAUSED_MERGE)
    params = {"hi": int(hi)}
    conn.exec_driver_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({_UP_TO})", params)
    conn.exec_driver_sql(GROUPED.format(where=f"sample_id IN ({_UP_TO})"), params)
    taken = int(conn.exec_driver_sql(f"DELETE FROM {BACKLOG} WHERE sample_id <= :hi",
                                     params).rowcount)
    state["indexed"] = int(state["indexed"]) + taken
    set_setting(conn, BUILD_SETTING, state)
    return taken


def merge_step(conn: Connection, pages: int) -> bool:
    """Merge up to ``pages`` pages of the segments a build wrote, in the caller's write
    transaction; False when there was nothing left to merge (the merge settings of before
    the build are then back). All of the index is merged into one segment (an 'optimize'
    in steps) when the build indexed at least half of it, else only as far as FTS5's own
    merging would have (a full merge would rewrite a large index for a few new rows)."""
    state = get_setting(conn, BUILD_SETTING)
    if state is None or backlog_waiting(conn):
        return False
    if "everything" not in state:  # decided once: counting the index reads all of it
        (rows,) = conn.exec_driver_sql(f"SELECT count(*) FROM {FTS_TABLE}").one()
        state["everything"] = int(state["indexed"]) * 2 >= int(rows)
        set_setting(conn, BUILD_SETTING, state)
    everything = bool(state["everything"])
    driver = conn.connection.driver_connection
    before = driver.total_changes  # type: ignore[union-attr]
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('merge', ?)",
                         (-pages if everything else pages,))
    # FTS5's documented test: a merge that did any work changes two rows or more
    if driver.total_changes - before >= 2:  # type: ignore[union-attr]
        return True
    set_merge_settings(conn, {k: int(v) for k, v in state["merge"].items()})
    conn.exec_driver_sql("DELETE FROM settings WHERE key = ?", (BUILD_SETTING,))
    return False


def clear_backlog(conn: Connection) -> None:
    """Forget the backlog and a build's state: the whole index was just written again."""
    if has_backlog(conn):
        conn.exec_driver_sql(f"DELETE FROM {BACKLOG}")
        conn.exec_driver_sql("DELETE FROM settings WHERE key = ?", (BUILD_SETTING,))
