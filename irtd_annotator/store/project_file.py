"""What a file given as a project is, found without writing a byte into it.

Opening a store writes this program's schema into it. That must only happen to a project of
ours, or to a file the user asked to become one (``init``, ``import``, ``import-source``,
``demo``): never to another program's database, a file that is not SQLite at all, or an empty
file a command that only reads was pointed at by mistake. The same holds for a database on a
server (PostgreSQL), whose tables are read before anything is written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlalchemy import Connection, inspect

from irtd_annotator.domain.errors import ProjectNotFoundError, StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every project has from its first migration on (besides alembic_version).
PROJECT_TABLES = frozenset({"alembic_version", "samples", "pairs"})


class FileKind(Enum):
    """What lies at a project path."""

    MISSING = "missing"
    EMPTY = "empty"  # zero bytes, or an SQLite database without a single table
    NOT_SQLITE = "not sqlite"
    FOREIGN = "foreign"  # an SQLite database with tables, not ours
    PROJECT = "project"


@dataclass(frozen=True)
class FileCheck:
    """The kind of file at ``path`` and, for an SQLite database, its tables."""

    path: Path
    kind: FileKind
    tables: tuple[str, ...] = ()


def inspect_file(path: Path) -> FileCheck:
    """Find what ``path`` is, reading it only (a read-only SQLite connection at most)."""
    if not path.exists():
        return FileCheck(path, FileKind.MISSING)
    if not path.is_file():
        raise StoreError(f"{path} is not a file, not an IRTD Annotator project")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"project {path} cannot be read: {exc.strerror or exc}") from None
    if not header:
        return FileCheck(path, FileKind.EMPTY)
    if header != SQLITE_HEADER:
        return FileCheck(path, FileKind.NOT_SQLITE)
    tables = _table_names(path)
    if not tables:
        return FileCheck(path, FileKind.EMPTY, tables)
    kind = FileKind.PROJECT if set(tables) >= PROJECT_TABLES else FileKind.FOREIGN
    return FileCheck(path, kind, tables)


def _table_names(path: Path) -> tuple[str, ...]:
    uri = f"{path.as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(describe_sqlite_error(path, str(exc))) from None
    return tuple(str(name) for (name,) in rows)


def check_project_file(path: Path, *, create: bool) -> FileCheck:
    """Refuse, with a message saying what it is, a file that is not a project of ours.

    With ``create`` a missing or empty file may become a project; another program's
    database and a file that is not SQLite are refused whatever the command.
    """
    found = inspect_file(path)
    if found.kind is FileKind.MISSING:
        if not create:
            raise ProjectNotFoundError(f"project {path} does not exist")
        if not path.parent.is_dir():
            raise ProjectNotFoundError(f"folder {path.parent} does not exist")
    elif found.kind is FileKind.EMPTY and not create:
        raise StoreError(f"{path} is empty, not an IRTD Annotator project; create one with "
                         f"`irtd-annotator init --db {path}` or import into it")
    elif found.kind is FileKind.NOT_SQLITE:
        raise StoreError(f"{path} is not an SQLite database, not an IRTD Annotator project")
    elif found.kind is FileKind.FOREIGN:
        shown = ", ".join(found.tables[:8]) + (", ..." if len(found.tables) > 8 else "")
        raise StoreError(f"{path} is an SQLite database of another program (tables {shown}); "
                         "IRTD Annotator will not write into it")
    return found


def check_project_database(conn: Connection, where: str, *, create: bool) -> bool:
    """Refuse a server database (PostgreSQL) that is not a project of ours, before anything
    is written into it; say whether it is one already.

    Like a file: an empty database may become a project only with ``create``; one holding
    another program's tables is refused whatever the command. Only the tables of the schema
    the migrations would write into (the connection's default one) count.
    """
    tables = sorted(inspect(conn).get_table_names())
    if set(tables) >= PROJECT_TABLES:
        return True
    if tables:
        shown = ", ".join(tables[:8]) + (", ..." if len(tables) > 8 else "")
        raise StoreError(f"{where} is a database of another program (tables {shown}); "
                         "IRTD Annotator will not write into it")
    if not create:
        raise StoreError(f"the database {where} holds no project yet: run "
                         f"irtd-annotator init --db URL")
    return False


def describe_sqlite_error(where: object, text: str) -> str:
    """One line for an SQLite error met while opening or writing the store at ``where``."""
    if "locked" in text or "busy" in text:
        return f"project {where} is locked by another program; close it there and try again"
    if "readonly" in text or "read-only" in text:
        return (f"project {where} is read-only; copy it somewhere writable or change its "
                "permissions (of the file and of its folder)")
    if "unable to open" in text:
        return (f"project {where} cannot be opened: its folder must be writable (SQLite keeps "
                "its -wal and -shm files beside it)")
    if "not a database" in text or "malformed" in text:
        return f"{where} is not an IRTD Annotator project (not an SQLite database, or damaged)"
    if "disk is full" in text or "No space" in text:
        return f"no room left on the disk of project {where}; free some space and try again"
    return f"project {where}: the database failed: {text}"


def fold_wal(path: Path) -> None:
    """Fold the write-ahead log into the SQLite file and leave WAL mode, so that the file
    alone holds everything (a copy or rename of it moves the whole project)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
