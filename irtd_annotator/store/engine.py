"""Open a project store: make the engine, set SQLite up, back up and migrate.

A project is an SQLite file (WAL, foreign keys on) or any SQLAlchemy URL. Opening applies the
Alembic migrations in ``db/`` (installed as ``irtd_annotator.migrations``); an existing SQLite
file that needs an upgrade is first copied to a timestamped backup beside it.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from irtd_annotator.domain.errors import ProjectNotFoundError, StoreError


def store_url(target: str | Path) -> str:
    """An SQLAlchemy URL for a project path or URL."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("irtd_annotator.migrations")
    config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str:
    """The newest schema revision this version of the application knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _set_sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # FULL: a commit (a reviewer's acknowledged decision) is on disk before it returns,
    # also through a power loss; NORMAL only survives a process kill (ADR 0013).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the project's SQLite settings (no migration)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_store(target: str | Path, *, create: bool = True, upgrade_to: str = "head") -> Engine:
    """Open (and create, when ``create``) the store at ``target``, migrated to ``upgrade_to``.

    Raises StoreError with a clear message when the store is missing, locked, read-only or
    made by a newer version of the application.
    """
    url = store_url(target)
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            if not create:
                raise ProjectNotFoundError(f"project {path} does not exist")
            if not path.parent.is_dir():
                raise ProjectNotFoundError(f"folder {path.parent} does not exist")
    engine = create_store_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
                if mode != "wal" and path is not None:
                    # read-only media: WAL cannot be switched on; reading still works
                    pass
        _migrate(engine, path, upgrade_to)
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(describe_db_error(url, exc)) from None
    except StoreError:
        engine.dispose()
        raise
    return engine


def _migrate(engine: Engine, path: Path | None, target: str) -> None:
    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    current = current_revision(engine)
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise StoreError(
            f"project {path or engine.url} was written by a newer version of IRTD Annotator "
            f"(schema {current}); this version knows up to {script.get_current_head()}. "
            "Update the application to open it."
        )
    wanted = script.get_current_head() if target == "head" else target
    if current == wanted:
        return
    if current is not None and path is not None:
        backup_copy(path, engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def backup_copy(path: Path, engine: Engine) -> Path:
    """Copy the SQLite file to ``<name>.backup-<UTC time><suffix>`` beside it, consistently."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    # The backup API copies a consistent snapshot even with a WAL beside the file.
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(backup)
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            dest.close()
    finally:
        raw.close()
    if not backup.exists():  # pragma: no cover - the backup API always writes the file
        shutil.copy2(path, backup)
    return backup


def describe_db_error(url: str, exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    where = sqlite_path(url) or url
    if "locked" in text or "busy" in text:
        return f"project {where} is locked by another program; close it there and try again"
    if "readonly" in text or "read-only" in text:
        return f"project {where} is read-only; copy it somewhere writable or change its permissions"
    if "not a database" in text:
        return f"{where} is not an IRTD Annotator project (not an SQLite database)"
    return f"project {where} could not be opened: {text}"
