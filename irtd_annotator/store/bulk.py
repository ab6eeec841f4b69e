"""Bulk writes (an import) into the store: the connection's settings for one, and rows in and
their ids back with as little Python per row as the driver allows (SQL compiled by SQLAlchemy
Core for the store's dialect, rows handed to the driver's ``executemany`` as they are).

SQLite keeps 2 MB of pages in memory by default. An import of 260,000 samples inserts into a
dozen b-tree indexes whose keys (ids as text, image paths) arrive in no useful order, so with
the default cache each insert reads back pages it has just written out: a larger cache for the
length of the bulk write makes those inserts 30-50% cheaper. It changes nothing in what is
written or when it becomes durable; the previous size is restored at the end.

The import keeps the engine's ``synchronous=FULL`` (ADR 0013): it is one transaction, so FULL
costs it one sync of the WAL at its commit, which the checkpoint that follows a large commit
makes in any mode; relaxing to NORMAL would save nothing measurable and leave a reported
import undone by a power loss.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError

BULK_CACHE_KIB = 256 * 1024  # an upper bound: pages are only allocated as they are used
CHUNK = 500  # ids per IN (...) list, far below every database's parameter limit

Truth = tuple[Any, Any]  # how false and true are written: (0, 1) or (False, True)


@contextmanager
def bulk_writing(conn: Connection, *, cache_kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """Give the connection a page cache of ``cache_kib`` KiB inside the block (SQLite only)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(cache_kib)}")
    try:
        yield
    finally:
        # The pooled connection goes back with its usual cache (and memory) once done;
        # after a failed write the connection may be unusable, and the error that failed
        # it is the one to report.
        with contextlib.suppress(DBAPIError):
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def truth_of(conn: Connection) -> Truth:
    """(0, 1) on SQLite, whose driver binds a Python bool through its slow adaptation path
    (a microsecond more per value than an int: 0.2 s over an IR-TD import); real
    booleans elsewhere."""
    return (0, 1) if conn.dialect.name == "sqlite" else (False, True)


def insert_rows(conn: Connection, table: Table | Any, columns: tuple[str, ...],
                rows: list[tuple[Any, ...]]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) with the driver's executemany.

    SQLAlchemy compiles the statement for the store's dialect; the rows go to the driver
    as they are, because processing 200,000 parameter sets in Python would cost more than
    the database's own work.
    """
    if not rows:
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup or ()]
        if order != list(range(len(columns))):
            rows = [tuple(row[i] for i in order) for row in rows]
        conn.exec_driver_sql(compiled.string, rows)
    else:
        conn.exec_driver_sql(compiled.string, [dict(zip(columns, row)) for row in rows])


def bulk_update(conn: Connection, table: Any, rows: list[dict[str, Any]], *,
                also: dict[str, Any] | None = None) -> None:
    """UPDATE rows by ``id`` with one executemany; every row has the same keys. ``also``:
    values (expressions) set in every row besides."""
    # Bound names must differ from column names in an UPDATE's SET clause: prefix them.
    keys = [k for k in rows[0] if k != "id"]
    statement = update(table).where(table.c.id == bindparam("p_id")).values(
        {**{k: bindparam(f"p_{k}") for k in keys}, **(also or {})})
    conn.execute(statement, [{f"p_{k}": v for k, v in row.items()} for row in rows])


def chunks(values: list[Any]) -> Iterable[list[Any]]:
    """``values`` in lists of at most CHUNK."""
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def insert_returning_ids(conn: Connection, table: Any, columns: tuple[str, ...],
                         rows: list[tuple[Any, ...]], *, key: Any) -> list[int]:
    """Insert ``rows`` and return their new ids, in row order. ``key`` names the unique
    column(s) (a column or a tuple of them) identifying a row among ``columns``.

    SQLite gives each new row the largest rowid so far plus one, in insertion order, and
    the transaction's write lock keeps other writers out: the ids are a range, checked with
    one query. Elsewhere (or if the check fails) the new rows are read back by key.
    """
    before = conn.execute(select(func.max(table.c.id))).scalar() or 0
    insert_rows(conn, table, columns, rows)
    if conn.dialect.name == "sqlite":
        count, last = conn.execute(select(func.count(), func.max(table.c.id))
                                   .where(table.c.id > before)).one()
        if count == len(rows) and last == before + len(rows):
            return list(range(before + 1, last + 1))
    keys = key if isinstance(key, tuple) else (key,)
    positions = [columns.index(k.key) for k in keys]
    query = select(*keys, table.c.id).where(table.c.id > before)
    found = {tuple(r[:-1]): r[-1] for r in conn.execute(query)}
    return [found[tuple(row[i] for i in positions)] for row in rows]


def insert_id_range(conn: Connection, table: Any, columns: tuple[str, ...],
                    rows: list[tuple[Any, ...]]) -> int | None:
    """Insert ``rows``; the id the first one got when they got consecutive ids (SQLite: see
    ``insert_returning_ids``), else None."""
    if conn.dialect.name != "sqlite":
        insert_rows(conn, table, columns, rows)
        return None
    before = conn.execute(select(func.max(table.c.id))).scalar() or 0
    insert_rows(conn, table, columns, rows)
    if not rows:
        return before + 1
    count, last = conn.execute(select(func.count(), func.max(table.c.id))
                               .where(table.c.id > before)).one()
    return before + 1 if count == len(rows) and last == before + len(rows) else None
