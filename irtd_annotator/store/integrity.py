"""The store's own checks and the rebuild of its derived tables.

``sqlite_integrity`` asks SQLite whether the file's pages and b-trees are sound;
``foreign_key_problems`` lists rows that point at nothing (both SQLite only). The tally
(``sample_tally``, migration 0004 on SQLite, 0007 on PostgreSQL) and the search index
(``samples_fts``, 0005; ``sample_search`` on PostgreSQL, 0007) are derived data:
``tally_differences`` and ``search_index_differences`` compare them with what the Samples and
their Turns say they should hold, and ``rebuild_derived`` writes both again from the Samples.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from irtd_annotator.store.search import BACKLOG, FTS_TABLE, PG_SEARCH_TABLE, has_backlog
from irtd_annotator.store.search_backlog import backlog_waiting, clear_backlog
from irtd_annotator.store.tally import TALLY

EXAMPLES = 5  # ids or keys quoted in a finding; the count says the rest
# What the tally should hold: the Samples counted per (source, task, status).
_COUNTED = ("SELECT p.source, s.task, s.status, count(*) AS n FROM samples s"
            " JOIN pairs p ON p.id = s.pair_id GROUP BY p.source, s.task, s.status")
# What the search index should hold per Sample: its turns' text in order, one per line
# (the same rule as migration 0005 and store/search.py).
_WANTED_TEXT = ("SELECT sample_id AS id, group_concat(text, char(10)) AS text FROM"
                " (SELECT sample_id, text FROM turns ORDER BY sample_id, idx) GROUP BY sample_id")
# A Sample not in the search index's backlog (ADR 0024): its row must be right now.
_NOT_WAITING = f"NOT EXISTS (SELECT 1 FROM {BACKLOG} b WHERE b.sample_id = {{id}})"
# PostgreSQL's search row of each Sample with turns: its task, status and lowered text (0007).
_PG_WANTED = ("SELECT m.id, m.task, m.status, t.text FROM samples m JOIN (SELECT sample_id,"
              " lower(string_agg(text, E'\\n' ORDER BY idx)) AS text FROM turns"
              " GROUP BY sample_id) t ON t.sample_id = m.id")


@dataclass(frozen=True)
class Difference:
    """Rows of a derived table that differ from what they should be: how many, some examples."""

    count: int
    examples: tuple[str, ...]

    def describe(self, one: str, many: str) -> str:
        """The count, ``one`` or ``many``, and the examples: "3 samples missing (sample 4, ...)"."""
        more = ", ..." if self.count > len(self.examples) else ""
        what = one if self.count == 1 else many
        return f"{self.count:,} {what} ({', '.join(self.examples)}{more})"


def sqlite_integrity(conn: Connection, *, quick: bool) -> list[str]:
    """SQLite's own findings on the file (``quick_check`` or ``integrity_check``); empty when sound."""
    pragma = "quick_check" if quick else "integrity_check"
    rows = [str(row[0]) for row in conn.exec_driver_sql(f"PRAGMA {pragma}(20)").all()]
    return [] if rows == ["ok"] else rows


def unreadable_tables(conn: Connection, *, quick: bool) -> list[str]:
    """The tables (with their indexes) SQLite's check fails or finds wrong, one by one.

    Where the whole-file check stops at the first page it cannot read ("database disk image
    is malformed") and says nothing of where, this says which tables hold the damage.
    """
    pragma = "quick_check" if quick else "integrity_check"
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0"
        " ORDER BY name").scalars().all()
    damaged = []
    for name in names:
        quoted = '"' + str(name).replace('"', '""') + '"'
        try:
            rows = conn.exec_driver_sql(f"PRAGMA {pragma}({quoted})").scalars().all()
        except DBAPIError:
            rows = []
        if rows != ["ok"]:
            damaged.append(str(name))
    return damaged


def foreign_key_problems(conn: Connection) -> Difference | None:
    """Rows whose foreign key points at no row (``PRAGMA foreign_key_check``), or None."""
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if not rows:
        return None
    examples = tuple(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _fk
                     in rows[:EXAMPLES])
    return Difference(len(rows), examples)


def search_table(conn: Connection) -> str:
    """The store's search index: FTS5's ``samples_fts`` on SQLite, a table on PostgreSQL."""
    return FTS_TABLE if conn.dialect.name == "sqlite" else PG_SEARCH_TABLE


def has_table(conn: Connection, name: str) -> bool:
    """Whether the store has a table (or virtual table) ``name``."""
    if conn.dialect.name != "sqlite":
        return bool(conn.execute(text("SELECT to_regclass(:name) IS NOT NULL"),
                                 {"name": name}).scalar())
    return bool(conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).scalar())


def tally_differences(conn: Connection, *, by_source: bool = True) -> Difference | None:
    """The keys whose kept count differs from the Samples', or None. Per (source, task,
    status); without ``by_source`` per (task, status), which an index of the Samples counts
    without reading them (50 ms instead of 1 s on 260,000 Samples)."""
    keys = "source, task, status" if by_source else "task, status"
    counted = _COUNTED if by_source else (
        "SELECT task, status, count(*) AS n FROM samples GROUP BY task, status")
    rows = conn.exec_driver_sql(
        f"SELECT {keys}, sum(kept), sum(counted) FROM"
        f" (SELECT {keys}, n AS kept, 0 AS counted FROM {TALLY}"
        f" UNION ALL SELECT {keys}, 0, n FROM ({counted}) c) d"  # aliases: PostgreSQL < 16
        f" GROUP BY {keys} HAVING sum(kept) <> sum(counted) ORDER BY {keys}").all()
    if not rows:
        return None
    examples = tuple(f"{'/'.join(map(str, key))}: kept {kept}, counted {n}"
                     for *key, kept, n in rows[:EXAMPLES])
    return Difference(len(rows), examples)


def search_index_counts(conn: Connection) -> tuple[int, int]:
    """(rows in the search index, Samples with text): equal in a sound index. The Samples
    waiting in the backlog (ADR 0024) are left out of both: the builder will index them."""
    if has_backlog(conn) and backlog_waiting(conn):
        indexed, wanted = conn.exec_driver_sql(
            f"SELECT (SELECT count(*) FROM {FTS_TABLE} f WHERE {_NOT_WAITING.format(id='f.rowid')}),"
            f" (SELECT count(DISTINCT sample_id) FROM turns t"
            f" WHERE {_NOT_WAITING.format(id='t.sample_id')})").one()
        return int(indexed), int(wanted)
    indexed, wanted = conn.exec_driver_sql(
        f"SELECT (SELECT count(*) FROM {search_table(conn)}),"
        " (SELECT count(DISTINCT sample_id) FROM turns)").one()
    return int(indexed), int(wanted)


def search_index_errors(conn: Connection) -> str | None:
    """FTS5's own 'integrity-check' of the search index: its message, or None when sound
    (always None on PostgreSQL, whose index is a plain table)."""
    if conn.dialect.name != "sqlite":
        return None
    try:
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')")
    except DBAPIError as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if any(word in text for word in ("locked", "busy", "readonly", "read-only")):
            raise  # it could not run (the check writes its verdict): no word on the index
        return text
    return None


@dataclass(frozen=True)
class IndexDifferences:
    """Samples the search index lacks, rows it has for no Sample, and rows with stale text."""

    missing: Difference | None
    extra: Difference | None
    stale: Difference | None

    def any(self) -> bool:
        return any((self.missing, self.extra, self.stale))


def _ids(conn: Connection, sql: str) -> Difference | None:
    # one pass: the first ids and, beside each, how many there are in all
    rows = conn.exec_driver_sql(
        f"SELECT id, count(*) OVER () FROM ({sql}) d ORDER BY id LIMIT {EXAMPLES}").all()
    if not rows:
        return None
    return Difference(int(rows[0][1]), tuple(f"sample {i}" for i, _n in rows))


def search_index_differences(conn: Connection) -> IndexDifferences:
    """Compare the index with the Samples' turns: one row per Sample with turns, none else,
    each with its Sample's text (reads every turn); on PostgreSQL also its task and status."""
    if conn.dialect.name != "sqlite":
        return IndexDifferences(
            missing=_ids(conn, f"SELECT w.id FROM ({_PG_WANTED}) w WHERE NOT EXISTS (SELECT 1"
                               f" FROM {PG_SEARCH_TABLE} s WHERE s.sample_id = w.id)"),
            extra=_ids(conn, f"SELECT s.sample_id AS id FROM {PG_SEARCH_TABLE} s WHERE NOT"
                             " EXISTS (SELECT 1 FROM turns t WHERE t.sample_id = s.sample_id)"),
            stale=_ids(conn, f"SELECT w.id FROM ({_PG_WANTED}) w JOIN {PG_SEARCH_TABLE} s ON"
                             " s.sample_id = w.id WHERE (s.text, s.task, s.status)"
                             " IS DISTINCT FROM (w.text, w.task, w.status)"))
    # the backlog's Samples may lack their row or have a stale one: the builder will index
    # them (ADR 0024); only the rest must be right
    waiting = has_backlog(conn) and backlog_waiting(conn)

    def ready(column: str) -> str:
        return f" AND {_NOT_WAITING.format(id=column)}" if waiting else ""

    missing = _ids(conn, f"SELECT DISTINCT t.sample_id AS id FROM turns t WHERE NOT EXISTS"
                         f" (SELECT 1 FROM {FTS_TABLE} f WHERE f.rowid = t.sample_id)"
                         + ready("t.sample_id"))
    extra = _ids(conn, f"SELECT f.rowid AS id FROM {FTS_TABLE} f WHERE NOT EXISTS"
                       f" (SELECT 1 FROM turns t WHERE t.sample_id = f.rowid)" + ready("f.rowid"))
    stale = _ids(conn, f"SELECT w.id FROM ({_WANTED_TEXT}) w JOIN {FTS_TABLE} f"
                       f" ON f.rowid = w.id WHERE f.text IS NOT w.text" + ready("w.id"))
    return IndexDifferences(missing=missing, extra=extra, stale=stale)


def rebuild_derived(conn: Connection) -> None:
    """Write the tally and the search index again from the Samples, in the caller's transaction.

    The index is dropped and made again from its own stored definition (so a damaged index
    is replaced, not patched); the triggers on ``turns`` name it and keep working. The first
    statement is a DELETE, so the driver has begun the transaction before the DDL runs.

    On PostgreSQL both are plain tables, emptied and filled again; the Samples and Turns are
    locked against writers first (SHARE: readers go on), so that no write between reading
    them and committing is lost from, or counted twice into, what is rebuilt.
    """
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("LOCK TABLE samples, turns, pairs IN SHARE MODE")
    conn.exec_driver_sql(f"DELETE FROM {TALLY}")
    conn.exec_driver_sql(f"INSERT INTO {TALLY} (source, task, status, n) {_COUNTED}")
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(f"DELETE FROM {PG_SEARCH_TABLE}")
        conn.exec_driver_sql(f"INSERT INTO {PG_SEARCH_TABLE} (sample_id, task, status, text)"
                             f" {_PG_WANTED}")
        return
    definition = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).scalar()
    assert definition, "rebuild_derived needs the search index of migration 0005"
    conn.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
    conn.exec_driver_sql(str(definition))
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE} (rowid, text) {_WANTED_TEXT}")
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    clear_backlog(conn)  # every Sample is indexed now


def sample_count(conn: Connection) -> int:
    """How many Samples the store holds."""
    return int(conn.exec_driver_sql("SELECT count(*) FROM samples").scalar() or 0)


def tree_names(conn: Connection) -> dict[int, str]:
    """Root page -> table or index name (SQLite), to say where its messages point."""
    rows = conn.exec_driver_sql(
        "SELECT rootpage, name FROM sqlite_master WHERE rootpage > 0").all()
    return {int(page): str(name) for page, name in rows}
