"""Open a project store: make the engine, set SQLite up, back up and migrate.

A project is an SQLite file (WAL, foreign keys on) or any SQLAlchemy URL. Opening applies the
Alembic migrations in ``db/`` (installed as ``irtd_annotator.migrations``) in one transaction
that also holds the write lock (ADR 0015), on PostgreSQL an advisory lock (``store/locks.py``):
a failed or killed upgrade leaves the store as it was, and of programs opening a new store at
once one creates it while the others wait and find it made. An existing SQLite file that
needs an upgrade is first copied to a checked backup beside it (``store/backup.py``). A file
that is not one of our projects is refused before anything is written into it
(``store/project_file.py``), and so is a PostgreSQL database of another program, or an empty one
that a command which only reads was pointed at.
"""

from __future__ import annotations

import re
import sqlite3
import time
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from irtd_annotator.domain.errors import StoreError
from irtd_annotator.store.backup import ensure_backup
from irtd_annotator.store.locks import take_migration_lock
from irtd_annotator.store.project_file import (
    FileKind,
    check_project_database,
    check_project_file,
    describe_sqlite_error,
)


def store_url(target: str | Path) -> str:
    """An SQLAlchemy URL for a project path or URL (an SQLite file's path made absolute).

    Raises StoreError, one line, for a name no file system or URL parser takes (a link
    loop, a name too long, a malformed URL).
    """
    text = str(target)
    try:
        if "://" not in text:
            return f"sqlite:///{Path(text).expanduser().resolve()}"
        url = make_url(text)
        if url.drivername.partition("+")[0] in ("postgresql", "postgres"):
            return _postgres_url(url)
        database = url.database
        if (url.get_backend_name() == "sqlite" and database and database != ":memory:"
                and not database.startswith("file:") and not Path(database).is_absolute()):
            return url.set(database=str(Path(database).expanduser().resolve())).render_as_string(
                hide_password=False)
        return text
    except (RuntimeError, OSError, ValueError, ArgumentError) as exc:
        shown = text if len(text) <= 200 else text[:200] + "..."
        raise StoreError(f"project {shown!r} cannot be used: {exc}") from None


POSTGRES_DRIVER = "postgresql+psycopg"  # the driver the [postgres] extra installs
POSTGRES_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
MISSING_POSTGRES_DRIVER = "PostgreSQL needs its driver: pip install 'irtd-annotator[postgres]'"


def _postgres_url(url: URL) -> str:
    """A PostgreSQL URL for the driver the application uses (psycopg 3). The URL forms
    people copy from elsewhere (``postgresql://``, ``postgres://``, psycopg2's) name the
    same database and are taken as they are meant; another driver is refused in one line."""
    driver = url.drivername.partition("+")[2]
    if driver not in ("", "psycopg", "psycopg2"):
        raise StoreError(f"project {url.render_as_string(hide_password=True)}: the PostgreSQL "
                         f"driver {driver} is not supported; give the URL as {POSTGRES_FORM}")
    if not url.database:  # the driver would fall back to the user's own database: never meant
        raise StoreError(f"project {url.render_as_string(hide_password=True)} names no "
                         f"database; give the URL as {POSTGRES_FORM}")
    return url.set(drivername=POSTGRES_DRIVER).render_as_string(hide_password=False)


def describe_missing_driver(url: str, exc: ImportError) -> str:
    """One line for a database driver that is not installed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return MISSING_POSTGRES_DRIVER
    return (f"the database driver for {parsed.drivername} is not installed "
            f"({' '.join(str(exc).split())})")


BACKUP_NAME = re.compile(r"\.backup-[^/\\]+$")


def _refuse_backup(path: Path) -> None:
    """A backup is never opened as a project: a migration would change it in place."""
    if BACKUP_NAME.search(path.name) and path.exists():
        raise StoreError(f"{path} is a backup of a project and is never changed; to use it, "
                         f"copy it to a new name (cp '{path}' restored.db) and open the copy")


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


def open_store(target: str | Path, *, create: bool = True, new: bool = False,
               upgrade_to: str = "head") -> Engine:
    """Open (and create, when ``create``) the store at ``target``, migrated to ``upgrade_to``.

    ``new`` (``init``) demands that this call makes the project: one that exists already,
    also one another program made a moment before, is refused and left as it was.

    Raises StoreError with a clear message when the store is missing, not a project (empty
    without ``create``, another program's database, not SQLite), locked, read-only, made by a
    newer version of the application, or when its backup cannot be written.
    """
    url = store_url(target)
    path = sqlite_path(url)
    try:
        if path is not None:
            _refuse_backup(path)
            if check_project_file(path, create=create).kind is FileKind.PROJECT and new:
                raise _already_a_project(path)
        _migrate(url, path, upgrade_to, create=create, new=new)
        engine = create_store_engine(url)
    except ImportError as exc:  # the database's driver (psycopg) is not installed
        raise StoreError(describe_missing_driver(url, exc)) from None
    except ArgumentError as exc:  # e.g. foo://: no such kind of database
        raise StoreError(f"project {make_url(url).render_as_string(hide_password=True)} "
                         f"cannot be opened: {exc}") from None
    except (RuntimeError, OSError) as exc:  # a name too long, a link loop, ...
        raise StoreError(f"project {path or url} cannot be opened: {exc}") from None
    if engine.dialect.name == "sqlite":
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys").scalar()  # opens it: fails early
        except DBAPIError as exc:
            engine.dispose()
            raise StoreError(describe_db_error(url, exc)) from None
    return engine


def _autocommit_driver(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # pysqlite would BEGIN only before DML and run DDL outside any transaction; with its own
    # transaction handling off, the "begin" hook below starts every transaction, DDL included
    # (SQLAlchemy's documented recipe for transactional DDL with pysqlite).
    dbapi_conn.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    # IMMEDIATE: the write lock is taken before the schema is read, so two programs opening
    # the same old project cannot both upgrade it.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _migration_engine(url: str) -> Engine:
    """A one-connection engine whose transactions cover DDL too (SQLite), for migrating only.

    Kept apart from the store's engine: there, reads would otherwise hold a read transaction
    from their first statement and pragmas such as ``journal_mode`` would run inside one.
    """
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "connect", _autocommit_driver)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _already_a_project(where: object) -> StoreError:
    return StoreError(f"{where} is already an IRTD Annotator project; nothing was changed")


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _revision_now(url: str, *, create: bool) -> str | None:
    """The store's schema revision, read without taking the write lock (None when new).

    A server database is first checked to be a project of ours (or empty, with ``create``):
    SQLite files were checked before, without even connecting (``check_project_file``)."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name != "sqlite":
                check_project_database(conn, _shown(url), create=create)
            return MigrationContext.configure(conn).get_current_revision()
    except DBAPIError as exc:
        raise StoreError(describe_db_error(url, exc)) from None
    finally:
        engine.dispose()


def _refuse_newer(current: str | None, known: set[str], *, where: object,
                  head: str | None) -> None:
    if current is not None and current not in known:
        raise StoreError(
            f"project {where} was written by a newer version of IRTD Annotator (schema "
            f"{current}); this version knows up to {head}. Update the application to open it.")


def _migrate(url: str, path: Path | None, target: str, *, create: bool, new: bool) -> None:
    """Bring the store to ``target`` in one transaction, after a checked backup."""
    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    wanted = script.get_current_head() if target == "head" else target
    known = {rev.revision for rev in script.walk_revisions()}
    now = _revision_now(url, create=create)
    if new and now is not None:
        raise _already_a_project(path or _shown(url))
    _refuse_newer(now, known, where=path or url, head=script.get_current_head())
    if now == wanted:
        return  # nothing to upgrade: no write lock taken, so a read-only project opens too
    waited_until = time.monotonic() + MIGRATION_WAIT
    while True:
        try:
            _upgrade(url, path, target, config=config, wanted=wanted, known=known, new=new)
            return
        except DBAPIError as exc:
            if not (_sqlite_busy(str(exc.orig)) and time.monotonic() < waited_until):
                raise StoreError(describe_db_error(url, exc)) from None
        except sqlite3.Error as exc:  # from the driver connection used directly
            if not (_sqlite_busy(str(exc)) and time.monotonic() < waited_until):
                raise StoreError(describe_sqlite_error(path or url, str(exc))) from None
        # Another program holds the write lock: migrating the same new project (then it is
        # done when we look again) or already importing into it, which SQLite's busy wait
        # does not outlast. Look again, and wait on.
        if _revision_now(url, create=create) == wanted:
            if new:  # another init made it while this one waited
                raise _already_a_project(path or _shown(url))
            return


# How long opening a project that must be migrated waits for another program's write lock.
# A program that made the project and went on to import into it holds the lock for as long
# as the import runs, but then the first look again finds the project migrated: the wait
# only runs on for an old project another program keeps locked.
MIGRATION_WAIT = 30.0


def _sqlite_busy(text: str) -> bool:
    return "database is locked" in text or "database is busy" in text


def _upgrade(url: str, path: Path | None, target: str, *, config: Config, wanted: str | None,
             known: set[str], new: bool) -> None:
    """One attempt at the upgrade, in one transaction holding the write lock."""
    script = ScriptDirectory.from_config(config)
    engine = _migration_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()  # outside a transaction: journal_mode cannot change in one
            try:
                driver = raw.driver_connection
                driver.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
                # Committed writes into the main file first: a backup is then reusable as long
                # as neither that file nor its WAL is written again (store/backup.py).
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            finally:
                raw.close()
        with engine.begin() as conn:
            take_migration_lock(conn)  # PostgreSQL; SQLite's BEGIN IMMEDIATE holds it already
            # read again under the lock: another program may have upgraded it meanwhile
            current = MigrationContext.configure(conn).get_current_revision()
            if new and current is not None:  # another init made it while this one waited
                raise _already_a_project(path or _shown(url))
            _refuse_newer(current, known, where=path or url, head=script.get_current_head())
            if current == wanted:
                return
            if current is not None and path is not None:
                ensure_backup(path, revision=current)
            config.attributes["connection"] = conn
            command.upgrade(config, target)
    finally:
        engine.dispose()


def describe_db_error(url: str, exc: DBAPIError) -> str:
    """One line for a database error met while opening or migrating the store at ``url``."""
    text = " ".join((str(exc.orig) if exc.orig is not None else str(exc)).split())
    path = sqlite_path(url)
    if path is not None or make_url(url).get_backend_name() == "sqlite":
        return describe_sqlite_error(path or url, text)
    return describe_server_error(url, text)


def describe_server_error(url: str, text: str) -> str:
    """One line for an error of a database server (PostgreSQL), its password hidden."""
    parsed = make_url(url)
    where = parsed.render_as_string(hide_password=True)
    server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    lowered = text.lower()
    if "connection refused" in lowered or "could not translate host" in lowered or (
            "failed to resolve host" in lowered) or (
            "timeout" in lowered and "connect" in lowered):
        return (f"cannot reach the database server {server} for {where}: is it running and "
                f"is the address right? ({text})")
    if "password authentication failed" in lowered or "no password supplied" in lowered or (
            "role" in lowered and "does not exist" in lowered) or (
            "authentication" in lowered):
        return f"the database server {server} refused the user or password of {where}"
    if "does not exist" in lowered and "database" in lowered:
        return (f"the database {parsed.database} does not exist on {server}; create it "
                f"(createdb {parsed.database}) and then run irtd-annotator init --db URL")
    if "permission denied" in lowered:
        return f"the user of {where} may not do this on {server}: {text}"
    return f"project {where}: the database failed: {text}"
