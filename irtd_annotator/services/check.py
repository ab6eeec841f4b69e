"""Check a project: is the file sound, and do its derived tables agree with the Samples?

``check_project`` reads a store without migrating or writing it and says, in one line, whether
it is OK or DAMAGED and where. File damage (pages SQLite cannot read, rows pointing at
nothing) can only be mended by restoring a backup: the newest one beside the file is named.
The tally and the search index are derived from the Samples, so ``repair_project`` rebuilds
them in one transaction. ``ensure_sound`` runs the quick form before an export, so a damaged
store is never released. On a server database (PostgreSQL) the file's integrity and foreign
keys (SQLite's own checks) are skipped, and the verdict says so; its tally and search table
(migration 0007) are compared and rebuilt as SQLite's are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from irtd_annotator.domain.errors import ProjectNotFoundError, StoreError
from irtd_annotator.store import integrity
from irtd_annotator.store.engine import (
    create_store_engine,
    current_revision,
    describe_db_error,
    head_revision,
    sqlite_path,
    store_url,
)
from irtd_annotator.store.tally import TALLY

FILE, FOREIGN_KEYS, SCHEMA, TALLY_CHECK, INDEX = (
    "file integrity", "foreign keys", "schema", "tally", "search index")
DERIVED = (TALLY_CHECK, INDEX)  # rebuilt from the Samples by ``repair_project``
SQLITE_ONLY = (FILE, FOREIGN_KEYS)
# ``progress(done, total, what)``: done and total count the checks (a repair: the checks
# before, the rebuild and the checks after), so the total is known before the first one.
Progress = Callable[[int, int, str], None]
_SHOWN = 3  # file-level messages quoted in the verdict line


class ProjectDamagedError(StoreError):
    """The project failed its check; the message is the check's verdict."""


@dataclass(frozen=True)
class Finding:
    """One thing wrong: which check found it, and what and where, for people."""

    check: str
    message: str

    @property
    def derived(self) -> bool:
        """Whether ``repair_project`` can mend it (the tally or the search index)."""
        return self.check in DERIVED


@dataclass(frozen=True)
class CheckReport:
    """What a check looked at, what it skipped and what it found."""

    where: str
    samples: int | None
    checked: tuple[str, ...]
    skipped: tuple[str, ...]
    findings: tuple[Finding, ...]
    backup: Path | None
    quick: bool
    repaired: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def repairable(self) -> bool:
        """Damage only in derived data: ``check --repair`` mends all of it."""
        return bool(self.findings) and all(f.derived for f in self.findings)

    def verdict(self) -> str:
        """The one-line verdict: OK with what was checked, or DAMAGED with what and where."""
        if self.ok:
            count = f"{self.samples:,} samples, " if self.samples is not None else ""
            line = f"project {self.where}: OK ({count}checked: {', '.join(self.checked)})"
            if self.repaired:
                line += f"; rebuilt {' and '.join(self.repaired)}"
            if self.skipped:
                line += f"; skipped (SQLite only): {', '.join(self.skipped)}"
            return line
        if all(f.check == SCHEMA for f in self.findings):
            return f"project {self.where}: NOT CURRENT: {self.findings[0].message}"
        return (f"project {self.where}: DAMAGED: "
                + "; ".join(f"{f.check}: {f.message}" for f in self.findings))

    def advice(self) -> str:
        """What to do about the findings (empty when OK)."""
        if self.ok:
            return ""
        if all(f.check == SCHEMA for f in self.findings):
            return (f"open it once with this version (e.g. irtd-annotator stats --db "
                    f"{self.where}) to upgrade it (a backup is made first), or use the version that wrote it")
        if self.repairable:
            derived = sorted({f.check for f in self.findings})
            return (f"the {' and the '.join(derived)} {'are' if len(derived) > 1 else 'is'} "
                    f"derived from the samples: rebuild {'them' if len(derived) > 1 else 'it'} with "
                    f"irtd-annotator check --db {self.where} --repair (with the project "
                    "closed in the window)")
        if self.backup is not None:
            return (f"restore a backup: the newest beside it is {self.backup} (close the "
                    "program, keep the damaged file aside, copy the backup in its place); "
                    "work since that backup is lost")
        return ("restore the project from a backup of yours: there is none beside it; "
                "nothing this program can rebuild will mend the file")

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.where, "ok": self.ok, "quick": self.quick,
                "samples": self.samples, "checked": list(self.checked),
                "skipped": list(self.skipped), "repaired": list(self.repaired),
                "findings": [{"check": f.check, "message": f.message, "derived": f.derived}
                             for f in self.findings],
                "backup": str(self.backup) if self.backup else None,
                "verdict": self.verdict(), "advice": self.advice()}


def newest_backup(path: Path) -> Path | None:
    """The newest backup copy beside the project file (``<name>.backup-*``), or None."""
    found = [p for p in path.parent.glob(f"{path.stem}.backup*")
             if p.is_file() and p != path and p.stat().st_size > 0]
    return max(found, key=lambda p: (p.stat().st_mtime, p.name), default=None)


def check_project(target: str | Path, *, quick: bool = False,
                  progress: Progress | None = None) -> CheckReport:
    """Check the project at ``target`` (path or URL) without migrating or changing it;
    ``progress`` is called before each check and at the end.

    Raises ProjectNotFoundError when the file does not exist.
    """
    engine = _open(target)
    try:
        return check_store(engine, store_url(target), quick=quick, progress=progress)
    finally:
        engine.dispose()


def repair_project(target: str | Path, *, progress: Progress | None = None) -> CheckReport:
    """Rebuild the tally and the search index when they are the only damage, then check again
    (``progress`` as for check_project, over the checks before, the rebuild, the checks after).

    File damage is left alone (the report says to restore a backup); a sound project is not
    touched. The rebuild is one transaction: interrupted, it leaves the store as it was.
    """
    engine = _open(target)
    url = store_url(target)
    steps = len(_checks(engine, quick=False))
    total = 2 * steps + 1

    def step(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, _total, what: progress(offset + done, total, what)

    try:
        before = check_store(engine, url, quick=False, progress=step(0))
        if not before.repairable:
            if progress is not None:
                progress(total, total, "nothing to repair")
            return before
        if progress is not None:
            progress(steps, total, "rebuilding the tally and the search index")
        try:
            with engine.begin() as conn:
                integrity.rebuild_derived(conn)
        except DBAPIError as exc:
            raise StoreError(f"project {before.where}: the rebuild failed, nothing was changed: "
                             f"{_db_message(exc)}") from None
        after = check_store(engine, url, quick=False, progress=step(steps + 1))
    finally:
        engine.dispose()
    if not after.ok:
        return after
    rebuilt = tuple(dict.fromkeys(f.check for f in before.findings))
    return CheckReport(where=after.where, samples=after.samples, checked=after.checked,
                       skipped=after.skipped, findings=(), backup=after.backup, quick=False,
                       repaired=rebuilt)


def ensure_sound(engine: Engine, location: str) -> None:
    """Run the quick check; raise ProjectDamagedError with its verdict when it finds damage."""
    report = check_store(engine, location, quick=True)
    if not report.ok:
        raise ProjectDamagedError(
            f"{report.verdict()}; nothing was exported. {report.advice()}")


def _open(target: str | Path) -> Engine:
    url = store_url(target)
    path = sqlite_path(url)
    # SQLite would create a missing file: a check never makes a project.
    if path is not None and not path.is_file():
        raise ProjectNotFoundError(f"project {path} does not exist")
    return create_store_engine(url)


def check_store(engine: Engine, location: str, *, quick: bool,
                progress: Progress | None = None) -> CheckReport:
    """Run the checks on an open store (read only; the connection is rolled back).

    Raises StoreError when the store cannot be read now (locked, read-only where a check must
    write, a server out of reach): that is no verdict on its content.
    """
    try:
        return _check_store(engine, location, quick=quick, progress=progress)
    except _NoVerdict as exc:
        raise StoreError(f"{describe_db_error(location, exc.error)}; no verdict was reached: "
                         "check again when it can be read") from None


def _checks(engine: Engine, *, quick: bool) -> list[tuple[str, Callable[[Connection], list[str]]]]:
    """The checks to run on ``engine``'s store, in order, by name."""
    checks: list[tuple[str, Callable[[Connection], list[str]]]] = [
        (SCHEMA, _schema), (TALLY_CHECK, lambda c: _tally(c, quick=quick)),
        (INDEX, lambda c: _index(c, quick=quick))]
    if engine.dialect.name == "sqlite":
        # The quick form (before every export) reads what it can from indexes: on 260,000
        # Samples 1 s in all, of which 0.85 s is quick_check; the full form takes 12 s.
        keys = [] if quick else [(FOREIGN_KEYS, _foreign_keys)]
        checks = [(FILE, lambda c: _file(c, quick=quick)), *keys, *checks]
    return checks


def _check_store(engine: Engine, location: str, *, quick: bool,
                 progress: Progress | None) -> CheckReport:
    path = sqlite_path(location)
    where = str(path) if path is not None else make_url(location).render_as_string(
        hide_password=True)
    sqlite = engine.dialect.name == "sqlite"
    checks = _checks(engine, quick=quick)
    findings: list[Finding] = []
    samples: int | None = None
    try:
        with engine.connect() as conn:
            for number, (name, run) in enumerate(checks):
                if progress is not None:
                    progress(number, len(checks), f"checking the {name}")
                try:
                    messages = run(conn)
                except DBAPIError as exc:
                    conn.rollback()
                    messages = [_db_message(exc)]
                # a file SQLite cannot read fails every check the same way: say it once
                findings += [Finding(name, m) for m in messages
                             if all(m != f.message for f in findings)]
            try:
                samples = integrity.sample_count(conn)
            except DBAPIError:
                samples = None
            conn.rollback()
    except DBAPIError as exc:  # the file cannot even be read as a database
        findings.append(Finding(FILE, _db_message(exc)))
    if progress is not None:
        progress(len(checks), len(checks), "checked")
    return CheckReport(
        where=where, samples=samples, checked=tuple(n for n, _run in checks),
        skipped=() if sqlite else SQLITE_ONLY, findings=tuple(findings),
        backup=newest_backup(path) if path is not None and findings else None, quick=quick)


# Errors that say the store cannot be reached or written now, not that it is damaged: a check
# that met one has no verdict to give (and must never advise restoring a backup).
_NOT_DAMAGE = ("locked", "busy", "readonly", "read-only", "connection", "could not connect",
               "unable to open", "authentication", "does not exist")


class _NoVerdict(Exception):
    """A check met an error of access, not of content (see _NOT_DAMAGE)."""

    def __init__(self, error: DBAPIError) -> None:
        super().__init__(str(error))
        self.error = error


def _db_message(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc).splitlines()[0]
    if any(word in text.lower() for word in _NOT_DAMAGE):
        raise _NoVerdict(exc)
    return text


def _file(conn: Connection, *, quick: bool) -> list[str]:
    try:
        problems = integrity.sqlite_integrity(conn, quick=quick)
    except DBAPIError as exc:
        # SQLite stopped at a page it cannot read: find the tables that hold the damage
        conn.rollback()
        where = integrity.unreadable_tables(conn, quick=quick)
        tables = "table" if len(where) == 1 else "tables"
        return [_db_message(exc) + (f" in {tables} {', '.join(where)}" if where else "")]
    if not problems:
        return []
    names = _tree_names(conn)
    shown = [_name_trees(p, names) for p in problems[:_SHOWN]]
    more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
    return [" | ".join(shown) + more]


def _tree_names(conn: Connection) -> dict[int, str]:
    """Root page -> table or index name, to say where SQLite's messages point."""
    try:
        return integrity.tree_names(conn)
    except DBAPIError:
        return {}


def _name_trees(message: str, names: dict[int, str]) -> str:
    text = " ".join(message.replace("*** in database main ***", "").split())

    def name(match: re.Match[str]) -> str:
        page = int(match.group(1))
        return f"{names[page]} (tree {page})" if page in names else match.group(0)

    return re.sub(r"[Tt]ree (\d+)", name, text)


def _foreign_keys(conn: Connection) -> list[str]:
    found = integrity.foreign_key_problems(conn)
    return [found.describe("row points at nothing", "rows point at nothing")] if found else []


def _schema(conn: Connection) -> list[str]:
    current, head = current_revision(conn.engine), head_revision()
    if current is None:
        raise StoreError(f"{conn.engine.url.database or conn.engine.url} is not an IRTD "
                         "Annotator project (it has no schema version)")
    if current != head:
        return [f"schema {current}, this program's is {head}"]
    return []


def _tally(conn: Connection, *, quick: bool) -> list[str]:
    if not integrity.has_table(conn, TALLY):
        return _absent(conn, TALLY)
    found = integrity.tally_differences(conn, by_source=not quick)
    return [f"{TALLY}: " + found.describe("wrong count", "wrong counts")] if found else []


def _index(conn: Connection, *, quick: bool) -> list[str]:
    index = integrity.search_table(conn)
    if not integrity.has_table(conn, index):
        return _absent(conn, index)
    if quick:
        indexed, wanted = integrity.search_index_counts(conn)
        if indexed == wanted:
            return []
        return [f"{index}: {indexed:,} rows for {wanted:,} samples with text"]
    messages = []
    error = integrity.search_index_errors(conn)
    if error is not None:
        messages.append(f"{index} fails its own integrity-check: {error}")
    found = integrity.search_index_differences(conn)
    for difference, one, many in (
            (found.missing, "sample missing", "samples missing"),
            (found.extra, "row for no sample", "rows for no sample"),
            (found.stale, "row with stale text", "rows with stale text")):
        if difference is not None:
            messages.append(f"{index}: " + difference.describe(one, many))
    return messages


def _absent(conn: Connection, table: str) -> list[str]:
    # Older schemas have no such table (the schema check says so); at head it is damage.
    if current_revision(conn.engine) != head_revision():
        return []
    return [f"table {table} is missing"]


def describe(report: CheckReport) -> str:
    """The verdict and, when something is wrong, what to do, as printed by the CLI."""
    return report.verdict() + (f"\n{report.advice()}" if not report.ok else "")

