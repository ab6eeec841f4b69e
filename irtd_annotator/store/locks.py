"""Locks that let only one program at a time migrate a store, or import into it.

Both are held by a transaction and end with it: a killed program lets go of them.

On PostgreSQL they are transaction-level advisory locks (of the database: every program on
the same database takes the same key). On SQLite the write lock itself serialises both: the
migration begins IMMEDIATE (store/engine.py) and so does an import (``try_import_lock``), so
a second one waits for the first one's commit. WAL readers are never held up by it: a
reviewer keeps reading, and saving waits for the import as it always did.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

# Keys of this application's advisory locks: arbitrary, fixed constants ("IRTD" + a number),
# so that another program using advisory locks on the same database is unlikely to collide.
MIGRATION_LOCK_KEY = 0x4952_5444_0001
IMPORT_LOCK_KEY = 0x4952_5444_0002
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that ran out


def take_migration_lock(conn: Connection) -> None:
    """On PostgreSQL, wait for the migration lock; the first statement of the migration's
    transaction, so that the revision read after it is the one the last migration left.
    SQLite's migration transaction already holds the write lock (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))


def try_import_lock(conn: Connection, *, patience: float) -> bool:
    """Take the store's import lock for the transaction just begun on ``conn``, waiting up
    to ``patience`` seconds for another import to end; False when it did not end.

    Called before anything else runs in the transaction. On SQLite the transaction becomes
    the writer from its start (BEGIN IMMEDIATE): an import is one transaction that writes
    throughout, so nothing is lost by taking the write lock before its first write, and two
    imports no longer both read the store and then both insert the same rows.
    """
    wait_ms = max(1, int(patience * 1000))
    if conn.dialect.name == "sqlite":
        return _begin_immediate(conn, wait_ms)
    if conn.dialect.name != "postgresql":
        return True  # no other kind of store is supported for teams
    try:
        with conn.begin_nested():  # a timeout rolls back to here, not the import's transaction
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
            conn.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK_KEY)))
            # the import itself waits on rows as long as the server's setting says
            conn.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return False
        raise
    return True


def _begin_immediate(conn: Connection, wait_ms: int) -> bool:
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    before = int(driver.execute("PRAGMA busy_timeout").fetchone()[0])
    driver.execute(f"PRAGMA busy_timeout = {wait_ms}")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return False
        raise
    finally:
        driver.execute(f"PRAGMA busy_timeout = {before}")
    return True
