"""The copy of a project made before its schema is upgraded: one per schema version, checked.

The backup is ``<name>.backup-<schema><suffix>`` beside the project. It is written under a
temporary name, flushed to disk, checked (not empty, ``PRAGMA integrity_check`` is ok, its
schema is the one copied) and only then renamed: a backup under its final name is always
whole. A retry of a failed upgrade reuses a valid backup of the same schema that is not older
than the project file instead of writing another copy (ADR 0015).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from irtd_annotator.domain.errors import StoreError

PARTIAL = ".partial"


def backup_path(path: Path, revision: str) -> Path:
    """Where the backup of ``path`` at schema ``revision`` is kept."""
    return path.with_name(f"{path.stem}.backup-{revision}{path.suffix}")


def ensure_backup(path: Path, *, revision: str) -> Path:
    """A checked backup of the project at ``path``, whose schema is ``revision``.

    Called while the caller holds the write lock, so the copy is what is then upgraded. It is
    read through a connection of its own: the backup API waits forever on a source connection
    that is itself in a write transaction. Raises StoreError, leaving the project untouched
    and no partial file behind, when the copy cannot be written or does not check out (a
    full disk, a read-only folder).
    """
    final = backup_path(path, revision)
    partial = final.with_name(final.name + PARTIAL)
    _remove(partial)  # a leftover of a run killed while copying
    if _reusable(final, path, revision):
        return final
    try:
        source = _read_only(path)
        try:
            dest = sqlite3.connect(partial)
            try:
                # The backup API copies a consistent snapshot, with what is in the WAL.
                source.backup(dest)
                # a single self-contained file: readable without -wal/-shm, even read-only
                dest.execute("PRAGMA journal_mode=DELETE")
                problem = _problem(dest, revision)
            finally:
                dest.close()
        finally:
            source.close()
        if problem is None and partial.stat().st_size == 0:
            problem = "the copy is empty"
        if problem is not None:
            raise StoreError(f"the backup {final} of project {path} did not check out "
                             f"({problem}); the project was not upgraded and is unchanged")
        _fsync(partial)
        os.replace(partial, final)
        _fsync(final.parent)
    except (OSError, sqlite3.Error) as exc:
        _remove(partial)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StoreError(f"cannot write the backup {final} before upgrading project {path} "
                         f"({reason}); free some space or make the folder writable; the "
                         "project was not upgraded and is unchanged") from None
    except StoreError:
        _remove(partial)
        raise
    return final


def _reusable(backup: Path, path: Path, revision: str) -> bool:
    """True when ``backup`` is whole, at ``revision`` and newer than the project's last write
    (to its main file or its WAL), which a failed upgrade does not make."""
    try:
        if backup.stat().st_size == 0 or backup.stat().st_mtime_ns < _last_write(path):
            return False
        conn = _read_only(backup)
        try:
            return _problem(conn, revision) is None
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return False


def _last_write(path: Path) -> int:
    """When the project was last written: its main file, or its WAL when that holds frames."""
    written = path.stat().st_mtime_ns
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        written = max(written, wal.stat().st_mtime_ns)
    return written


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def _problem(conn: sqlite3.Connection, revision: str) -> str | None:
    """What is wrong with a copy, or None when it is whole and at ``revision``."""
    verdict = conn.execute("PRAGMA integrity_check").fetchall()
    if verdict != [("ok",)]:
        return f"integrity check: {verdict[0][0] if verdict else 'no answer'}"
    found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    if found != [(revision,)]:
        return f"schema {found[0][0] if found else 'none'} instead of {revision}"
    return None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
