"""The kept Sample counts per (source, task, status) (SQLite: migration 0004, PostgreSQL: 0007).

``sample_tally`` answers "how many Samples does this filter select, and how many are
approved" for filters made of statuses, tasks and sources without reading the Samples.
Triggers keep it in step; ``bulk_tally`` counts the Samples a bulk write (an import) inserts
in one grouped insert at its end, inside the caller's transaction, and ``tally_by_hand``
recounts a bulk decision's Samples by two grouped statements (SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, column, func, select, table, text

from irtd_annotator.store.triggers import has_trigger

TALLY = "sample_tally"
INSERT_TRIGGER = "sample_tally_insert"
UPDATE_TRIGGER = "sample_tally_update"
# The same trigger as migration 0004 creates (a released migration is never changed).
_CREATE_INSERT_TRIGGER = (
    f"CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON samples BEGIN "
    f"INSERT INTO {TALLY} (source, task, status, n) SELECT source, new.task, new.status, 1 "
    "FROM pairs WHERE id = new.pair_id "
    "ON CONFLICT (source, task, status) DO UPDATE SET n = n + 1; END")
# Migration 0007's insert trigger does nothing in a transaction that set this to 'on'.
_PG_BULK_SETTING = "irtd.bulk_tally"
# The Samples inserted since id :before, counted into the tally; {mine} narrows them further.
_GROUPED = (f"INSERT INTO {TALLY} AS t (source, task, status, n) SELECT p.source, s.task,"
            " s.status, count(*) FROM samples s JOIN pairs p ON p.id = s.pair_id"
            " WHERE s.id > :before{mine} GROUP BY p.source, s.task, s.status"
            " ON CONFLICT (source, task, status) DO UPDATE SET n = t.n + excluded.n")
# PostgreSQL: only the rows this transaction inserted (xmin is the inserting transaction; the
# import uses no savepoints). Another program's Samples committed meanwhile with larger ids
# were counted by its own triggers and must not be counted again.
_MINE = " AND s.xmin = pg_current_xact_id()::xid"
# Count the Samples whose ids the table {ids} holds into the tally ({sign} empty) or out of
# it ({sign} -), as they are now. (SQLite's parser needs the WHERE before ON CONFLICT.)
_RECOUNT = (f"INSERT INTO {TALLY} AS t (source, task, status, n) SELECT p.source, s.task,"
            " s.status, {sign}count(*) FROM samples s JOIN pairs p ON p.id = s.pair_id"
            " WHERE s.id IN (SELECT id FROM {ids}) GROUP BY p.source, s.task, s.status"
            " ON CONFLICT (source, task, status) DO UPDATE SET n = t.n + excluded.n")
_TALLY_TABLE = table(TALLY, column("source"), column("task"), column("status"), column("n"))


def has_tally(conn: Connection) -> bool:
    """Whether the store keeps the tally (SQLite at migration 0004 or later, PostgreSQL at
    0007 or later)."""
    return has_trigger(conn, INSERT_TRIGGER)


@contextmanager
def bulk_tally(conn: Connection) -> Iterator[None]:
    """Count the Samples inserted inside the block in one grouped insert at its end.

    SQLite drops the insert trigger for the block (its transaction makes that invisible to
    others); PostgreSQL would lock the whole table for a DROP TRIGGER until the import commits,
    so its trigger is told to stand aside by a setting of this transaction alone.
    """
    if not has_tally(conn):
        yield
        return
    before = conn.execute(text("SELECT coalesce(max(id), 0) FROM samples")).scalar()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": _PG_BULK_SETTING})
        yield
        conn.execute(text(_GROUPED.format(mine=_MINE)), {"before": before})
        conn.execute(text("SELECT set_config(:name, 'off', true)"), {"name": _PG_BULK_SETTING})
        return
    conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield
    conn.execute(text(_GROUPED.format(mine="")), {"before": before})
    conn.exec_driver_sql(_CREATE_INSERT_TRIGGER)


Moves = Mapping[tuple[str, str, str], int]
"""(source, task, status) -> how many Samples a bulk write adds to (or, negative, takes
from) that count."""

# Add the deltas (SQLite's parser needs the WHERE before ON CONFLICT).
_ADD = (f"INSERT INTO {TALLY} AS t (source, task, status, n) SELECT :source, :task, :status, :n"
        " WHERE true ON CONFLICT (source, task, status) DO UPDATE SET n = t.n + excluded.n")


@contextmanager
def tally_by_hand(conn: Connection, ids: str, moves: Moves | None = None) -> Iterator[None]:
    """Keep the tally of the Samples whose ids the table ``ids`` holds by grouped statements
    around the block, which changes their status (never their task or Pair). ``moves``: the
    caller knows how the counts move (it read the Samples under this transaction's lock),
    added at the end in one executemany of a row a count; else the Samples are counted out
    of the tally before the block and into it after it by one grouped statement each.

    SQLite: the per-row update trigger (migration 0004) is dropped for the block and made
    again, as it was, at its end: a decision of 1,000,000 Samples spent seconds in it, two
    statements a Sample (docs/performance.md). The drop is part of the caller's
    transaction: no other connection sees it, and a rollback (or a kill) brings the trigger
    back. PostgreSQL's statement triggers (migration 0007) count each UPDATE once already,
    and keep ``sample_search``'s copy of the status: the block runs as it is there.
    """
    made = None
    if conn.dialect.name == "sqlite":
        made = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                                 " AND name = :name"), {"name": UPDATE_TRIGGER}).scalar()
    if made is None:
        yield
        return
    conn.exec_driver_sql(f"DROP TRIGGER {UPDATE_TRIGGER}")
    if moves is None:
        conn.exec_driver_sql(_RECOUNT.format(sign="-", ids=ids))
    yield
    if moves is None:
        conn.exec_driver_sql(_RECOUNT.format(sign="", ids=ids))
    elif any(moves.values()):
        conn.execute(text(_ADD), [{"source": source, "task": task, "status": status, "n": n}
                                  for (source, task, status), n in moves.items() if n])
    conn.exec_driver_sql(str(made))


def tally_by_status(conn: Connection, *, statuses: Sequence[str], tasks: Sequence[str],
                    sources: Sequence[str]) -> dict[str, int]:
    """Samples per status among those with one of ``statuses``/``tasks``/``sources`` (empty: any)."""
    c = _TALLY_TABLE.c
    query = select(c.status, func.sum(c.n)).group_by(c.status)
    for col, values in ((c.status, statuses), (c.task, tasks), (c.source, sources)):
        if values:
            query = query.where(col.in_(list(values)))
    return {str(status): int(n) for status, n in conn.execute(query).all() if n}


def tally_cells(conn: Connection) -> list[tuple[str, str, str, int]]:
    """(source, task, status, Samples) of every non-empty cell of the tally."""
    c = _TALLY_TABLE.c
    query = select(c.source, c.task, c.status, c.n).where(c.n > 0)
    return [(str(s), str(t), str(st), int(n)) for s, t, st, n in conn.execute(query)]
