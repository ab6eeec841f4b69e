"""Locks that let only one program at a time migrate a store, or import into it.

On PostgreSQL both are transaction-level advisory locks of the database (every program on
the same database takes the same key), so they end with the transaction that took them: a
killed program lets go of them.

On SQLite the migration begins IMMEDIATE (store/engine.py), which takes the write lock
before the schema is read. An import holds an advisory lock (flock) on a small file beside
the project, ``PROJECT.import-lock``, for as long as it runs (the system lets go of it when
the process ends, however it ends), and its transaction begins IMMEDIATE too, so that what
it reads is what it then writes over. The file lock, not SQLite's write lock, tells an import
that another import runs: a reviewer's save holds the write lock for a moment, and a program
that keeps it (a test, another tool) still makes the import fail in one line as before. WAL
readers are held up by neither.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import Connection, func, select

if sys.platform != "win32":  # POSIX: the import's lock file is held with flock
    import fcntl

# Keys of this application's advisory locks: arbitrary, fixed constants ("IRTD" + a number),
# so that another program using advisory locks on the same database is unlikely to collide.
MIGRATION_LOCK_KEY = 0x4952_5444_0001
IMPORT_LOCK_KEY = 0x4952_5444_0002
LOCK_FILE_SUFFIX = ".import-lock"


def take_migration_lock(conn: Connection) -> None:
    """On PostgreSQL, wait for the migration lock; the first statement of the migration's
    transaction, so that the revision read after it is the one the last migration left.
    SQLite's migration transaction already holds the write lock (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))


def try_import_lock(conn: Connection, *, patience: float) -> bool:
    """On PostgreSQL, take the database's import lock for the transaction just begun on
    ``conn``; when another import holds it, wait ``patience`` seconds and say False. Elsewhere
    True (see ``ImportFileLock``).

    ``pg_try_advisory_xact_lock`` answers at once and never fails, so no savepoint is needed:
    a savepoint rolled back after a lock timeout would leave the whole import running in a
    subtransaction, whose rows the end of the import (store/tally.py, store/search.py) does
    not recognise as its own (their ``xmin`` is the subtransaction's).
    """
    if conn.dialect.name != "postgresql":
        return True
    if conn.execute(select(func.pg_try_advisory_xact_lock(IMPORT_LOCK_KEY))).scalar():
        return True
    time.sleep(patience)
    return False


def begin_writing(conn: Connection) -> None:
    """Make the transaction just begun on ``conn`` the writer from its first statement
    (SQLite: BEGIN IMMEDIATE, waiting the usual busy timeout for another writer)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class ImportFileLock:
    """The lock file beside an SQLite project that one import at a time holds."""

    def __init__(self, project: Path) -> None:
        self.path = project.with_name(project.name + LOCK_FILE_SUFFIX)
        self._fd: int | None = None

    def try_take(self, *, patience: float) -> bool:
        """Take the lock; when another process holds it, wait ``patience`` seconds and say
        False. True also where no lock file can be held (Windows, a folder this user may not
        write: the import then fails on the database's own lock, in one line)."""
        if sys.platform == "win32":
            return True
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                return True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            time.sleep(patience)  # flock waits without a timeout: poll, as the caller asks
            return False
        return True

    def release(self) -> None:
        """Let go of the lock (the file stays: removing it would race with a waiter)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
