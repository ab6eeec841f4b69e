"""The search index of the Samples' text during bulk writes: FTS5 on SQLite (migration 0005),
the table ``sample_search`` on PostgreSQL (0007).

Triggers on ``turns`` index a Sample again whenever one of its turns changes; for the
hundreds of thousands of turns an import inserts, one grouped ``INSERT ... SELECT`` into the
index after the rows is many times faster than a trigger per turn (each of which would
re-read and re-index its Sample). ``bulk_indexing`` swaps the insert trigger for that, inside
the caller's transaction, so a failed import rolls the trigger back too. The caller may index
what it wrote so far at any point (``BulkIndex.index_new``: one statement, run by SQLite
without Python's lock, so other Python work can go on meanwhile); the rest is indexed when
the block ends.

The file import (``services/importing/files.py``) asks for ``deferred``: on SQLite it then
indexes nothing and lists the Samples it wrote in the index's backlog (migration 0012), which
a builder indexes after the commit (``store/search_backlog.py``, ADR 0024); what follows on
how to build the index is what that builder, and any caller not deferring, does.

How the index is built matters as much as when. FTS5 writes what it has gathered as a new
segment every megabyte or so and, by default, merges segments four at a time as it goes
("automerge"): each entry of a 260,000-sample import was rewritten three or four times
(17 s of CPU). Inside the block the incremental merging is paused; at its end the new
segments are merged once: all of the index ('optimize', one segment, the fastest searches)
when the block brought at least as many Samples as the index held, else only as far as
FTS5's own merging would have (a 'merge'; an 'optimize' would rewrite the whole existing
index for a few new rows). Together 8.8 + 3.7 s instead of 17 s for 260,000 Samples. The
merge settings are restored in the same transaction.

PostgreSQL's insert trigger on ``turns`` is told to stand aside by a setting of the import's
transaction alone (a DROP TRIGGER would lock ``turns`` against every reader until the import
commits); the Samples whose turns the transaction inserted are indexed in one statement at
the end, and a large import ends with ANALYZE so that the first searches are planned on its
rows (before autovacuum would get to them, the planner guesses a few rows and picks a nested
loop: 180 instead of 100 ms for a common word on 260,000 Samples).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from sqlalchemy import Connection, text

from irtd_annotator.store.triggers import has_trigger

FTS_TABLE = "samples_fts"
PG_SEARCH_TABLE = "sample_search"
PG_INSERT_TRIGGER = "sample_search_insert"
# How the queue searches a store's text: see store/queue.search_kind.
# "fts5+backlog": the FTS5 index for the Samples indexed, their turns for the backlog's.
SearchKind = Literal["fts5", "fts5+backlog", "table"] | None
# Migration 0007's insert trigger on turns does nothing in a transaction that set this to 'on'.
_PG_BULK_SETTING = "irtd.bulk_search"
# The Samples whose turns this transaction inserted since turn :turns (xmin: see store/tally.py),
# indexed again: their text as migration 0007 keeps it.
_PG_GROUPED = (
    f"INSERT INTO {PG_SEARCH_TABLE} AS s (sample_id, task, status, text)"
    " SELECT m.id, m.task, m.status, t.text FROM samples m JOIN (SELECT sample_id,"
    " lower(string_agg(text, E'\\n' ORDER BY idx)) AS text FROM turns WHERE sample_id IN"
    " (SELECT sample_id FROM turns WHERE id > :turns AND xmin = pg_current_xact_id()::xid)"
    " GROUP BY sample_id) t ON t.sample_id = m.id ON CONFLICT (sample_id) DO UPDATE"
    " SET text = excluded.text, task = excluded.task, status = excluded.status")
INSERT_TRIGGER = "samples_fts_insert"
# The Samples whose index row is missing or may be stale (SQLite, migration 0012, ADR 0024).
BACKLOG = "search_backlog"
# One Sample's turns in order, joined by line breaks: what the index holds for it (0005).
_TEXT = ("SELECT group_concat(text, char(10)) FROM (SELECT text FROM turns "
         "WHERE sample_id = new.sample_id ORDER BY idx)")
# The same trigger as migration 0005 creates (a released migration is never changed).
_CREATE_INSERT_TRIGGER = (
    f"CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON turns BEGIN "
    f"DELETE FROM {FTS_TABLE} WHERE rowid = new.sample_id; "
    f"INSERT INTO {FTS_TABLE} (rowid, text) SELECT new.sample_id, ({_TEXT}) "
    "WHERE EXISTS (SELECT 1 FROM turns WHERE sample_id = new.sample_id); END")
# FTS5's defaults (sqlite.org/fts5.html, the "automerge" and "crisismerge" options)
_DEFAULT_MERGE = {"automerge": 4, "crisismerge": 16}
# While paused: no incremental merges, and no forced merge of a level before this many
# segments (FTS5 caps the value at 1999).
PAUSED_MERGE = {"automerge": 0, "crisismerge": 1000}
FTS_MIN = 3  # the trigram tokenizer finds substrings of three characters or more
_MERGE_ALL = 1 << 30  # pages of merge work: as much as the segments need
# Grouped insert of Samples' text: one row per Sample, its turns in order.
GROUPED = (f"INSERT INTO {FTS_TABLE} (rowid, text) SELECT sample_id,"
            " group_concat(text, char(10)) FROM (SELECT sample_id, text FROM turns"
            " WHERE {where} ORDER BY sample_id, idx) GROUP BY sample_id")
# Samples indexed before (or by an earlier call) that got new turns since (a changed
# sample's turns are replaced): indexed again, their old row removed first.
_REWRITTEN = ("SELECT DISTINCT sample_id FROM turns WHERE id > :turns"
              " AND sample_id <= :samples")


def has_backlog(conn: Connection) -> bool:
    """Whether the store keeps a backlog of the index (SQLite at migration 0012 or later)."""
    if conn.dialect.name != "sqlite":
        return False
    return bool(conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
        (BACKLOG,)).scalar())


def enqueue_written(conn: Connection, *, turns_after: int) -> int:
    """List in the backlog the Samples whose turns were inserted after turn ``turns_after``
    (new Samples, and re-imported ones whose turns were replaced), in the caller's
    transaction; how many were listed that were not already."""
    return int(conn.exec_driver_sql(
        f"INSERT OR IGNORE INTO {BACKLOG} (sample_id) SELECT DISTINCT sample_id FROM turns"
        " WHERE id > ?", (turns_after,)).rowcount)


def has_search_index(conn: Connection) -> bool:
    """Whether the store has the FTS5 index with its insert trigger."""
    return has_trigger(conn, INSERT_TRIGGER)


class BulkIndex:
    """The search index of one bulk write: what is indexed so far, and how to index more."""

    def __init__(self, conn: Connection | None) -> None:
        self._conn = conn  # None: no index to keep (not SQLite, or no FTS5 table)
        self._turns = self._samples = 0  # the newest turn and Sample indexed
        self.added = 0  # Samples whose text was (re)indexed in the block
        self.finished = False

    def _start(self) -> None:
        assert self._conn is not None
        self._turns, self._samples = self._conn.exec_driver_sql(
            "SELECT (SELECT coalesce(max(id), 0) FROM turns),"
            " (SELECT coalesce(max(id), 0) FROM samples)").one()

    def index_new(self) -> None:
        """Index the Samples whose turns were inserted since the last call (or the start)."""
        conn = self._conn
        if conn is None:
            return
        assert not self.finished, "the index of this block was finished"
        turns, samples = conn.exec_driver_sql(
            "SELECT (SELECT coalesce(max(id), 0) FROM turns),"
            " (SELECT coalesce(max(id), 0) FROM samples)").one()
        if turns <= self._turns:
            return
        params = {"turns": self._turns, "samples": self._samples}
        if self._samples:
            conn.exec_driver_sql(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({_REWRITTEN})",
                                 params)
            self.added += conn.exec_driver_sql(
                GROUPED.format(where=f"sample_id IN ({_REWRITTEN})"), params).rowcount
        # Every turn of a Sample created since is new: one range of the (sample_id, idx)
        # index, no list of ids needed.
        self.added += conn.exec_driver_sql(
            GROUPED.format(where="sample_id > :samples"), params).rowcount
        self._turns, self._samples = turns, samples

    def finish(self) -> None:
        """Index the rest and merge the new segments (see the module's docstring): before
        the block's end when the caller has other work to do meanwhile; at its end if not."""
        conn = self._conn
        if conn is None or self.finished:
            return
        self.index_new()
        self.finished = True
        if self.added:
            (indexed,) = conn.exec_driver_sql(f"SELECT count(*) FROM {FTS_TABLE}").one()
            if self.added * 2 >= indexed:
                conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
            else:
                conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank)"
                                     " VALUES ('merge', ?)", (_MERGE_ALL,))


@contextmanager
def bulk_indexing(conn: Connection, *, deferred: bool = False) -> Iterator[BulkIndex]:
    """Index the Samples whose turns are inserted inside the block: when the block calls
    ``index_new`` on what this yields, and at its end.

    ``deferred`` (SQLite with migration 0012's backlog): index none of them; list them in
    the backlog at the block's end instead, for the builder to index after the commit
    (ADR 0024). PostgreSQL indexes them in the block either way."""
    if conn.dialect.name == "postgresql" and has_trigger(conn, PG_INSERT_TRIGGER):
        with _pg_bulk_indexing(conn):
            yield BulkIndex(None)
        return
    if not has_search_index(conn):
        yield BulkIndex(None)
        return
    if deferred and has_backlog(conn):
        (turns,) = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM turns").one()
        conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
        yield BulkIndex(None)
        enqueue_written(conn, turns_after=int(turns))
        conn.exec_driver_sql(_CREATE_INSERT_TRIGGER)
        return
    index = BulkIndex(conn)
    index._start()
    saved = merge_settings(conn)
    set_merge_settings(conn, PAUSED_MERGE)
    conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield index
    index.finish()
    set_merge_settings(conn, saved)
    conn.exec_driver_sql(_CREATE_INSERT_TRIGGER)


@contextmanager
def _pg_bulk_indexing(conn: Connection) -> Iterator[None]:
    turns, samples = conn.execute(text(
        "SELECT (SELECT coalesce(max(id), 0) FROM turns), (SELECT count(*) FROM samples)")).one()
    conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": _PG_BULK_SETTING})
    yield
    added = conn.execute(text(_PG_GROUPED), {"turns": turns}).rowcount
    conn.execute(text("SELECT set_config(:name, 'off', true)"), {"name": _PG_BULK_SETTING})
    if added and added >= samples:  # at least doubled: the planner's figures are stale
        conn.execute(text(f"ANALYZE pairs, samples, turns, {PG_SEARCH_TABLE}"))


def merge_settings(conn: Connection) -> dict[str, int]:
    """The index's automerge and crisismerge values (FTS5's defaults unless set)."""
    stored: dict[str, int] = {key: int(value) for key, value in conn.exec_driver_sql(
        f"SELECT k, v FROM {FTS_TABLE}_config WHERE k IN ('automerge', 'crisismerge')")}
    return {key: stored.get(key, default) for key, default in _DEFAULT_MERGE.items()}


def set_merge_settings(conn: Connection, values: dict[str, int]) -> None:
    for key, value in values.items():
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES (?, ?)",
                             (key, value))
