"""Two programs on one store at once, on both kinds of store: opening a new store (its first
migration) and importing into it are serialised, so both succeed or one says in one line
why it did not; never a traceback (issue 12).

The programs are real processes. They are started, let import everything they need, and
only then told to go together (one line on their standard input), so that their work
overlaps as much as it can; where the overlap must be certain, the test holds the lock
itself until each program has said that it waits.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.importing.lock import ImportBusy, import_transaction
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.store.engine import head_revision

WATCHDOG = 300.0  # seconds: a program still running then is killed (the test then fails)
WAITING = "waiting for another import into"

# Imports what it needs, says "ready", waits for a line on stdin, then runs the command.
GO_WHEN_TOLD = """
import sys
from irtd_annotator.cli import main
from irtd_annotator.services.importing import files, sources  # noqa: F401 - loaded before go
from irtd_annotator.store.engine import current_revision, open_store
print("ready", flush=True)
sys.stdin.readline()
if sys.argv[1] == "open":
    engine = open_store(sys.argv[2])
    print(current_revision(engine), flush=True)
    engine.dispose()
    sys.exit(0)
sys.exit(main(sys.argv[1:]))
"""


def _start(*args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", GO_WHEN_TOLD, *args], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n", proc.stderr.read() if proc.stderr else ""
    return proc


def _run_together(commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run the commands as processes told to go at the same moment: (exit code, stdout,
    stderr) of each."""
    procs = [_start(*command) for command in commands]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return [_finish(proc) for proc in procs]


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    watchdog = threading.Timer(WATCHDOG, proc.kill)
    watchdog.start()
    try:
        out, err = proc.communicate()
    finally:
        watchdog.cancel()
    return proc.returncode, out, err


TIMES = {"at", "updated_at", "decided_at", "since", "until"}


def content(target: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every mapped table in primary-key order, times left out (they differ
    from one run to the next)."""
    from sqlalchemy import select, text

    from irtd_annotator.store.schema import Base

    with Project.open(target, create=False) as project, project.engine.connect() as conn:
        rows = {table.name: [tuple(row) for row in conn.execute(
                    select(*[c for c in table.columns if c.name not in TIMES])
                    .order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}
        # the kept counts too (both stores keep them): an import that waited must count its rows
        rows["sample_tally"] = [tuple(row) for row in conn.execute(text(
            "SELECT source, task, status, n FROM sample_tally WHERE n <> 0 ORDER BY 1, 2, 3"))]
        return rows


def _import(target: str, *files: Path) -> None:
    from irtd_annotator.cli import main

    for path in files:
        assert main(["import", str(path), "--db", target, "--quiet"]) == 0


@pytest.fixture()
def reference(tmp_path: Path) -> str:
    """A project the same files are imported into one after the other, to compare with:
    an SQLite file (``content`` reads both kinds of store alike)."""
    return str(tmp_path / "reference.db")


def test_programs_opening_a_new_store_at_once_all_find_it_made(store_target: str) -> None:
    results = _run_together([["open", store_target] for _ in range(4)])
    assert [(code, out.strip(), err) for code, out, err in results] == [
        (0, head_revision(), "")] * 4


def test_two_imports_of_the_same_file_into_a_new_store_import_it_once(
        store_target: str, reference: str, irtd_files: Path) -> None:
    path = irtd_files / "PedestrianCounting.json"
    results = _run_together([["import", str(path), "--db", store_target, "--quiet"]] * 2)
    assert [code for code, _out, _err in results] == [0, 0], results
    with Project.open(store_target, create=False) as project:
        waited = f"irtd-annotator: {WAITING} {project.shown} to finish...\n"
    assert all(err in ("", waited) for _code, _out, err in results), results  # no traceback
    added = sorted(re.search(r"(\S+) added", out).group(1)  # type: ignore[union-attr]
                   for _code, out, _err in results)
    assert added == ["0", "1,030"]  # one imported it, the other found it there
    _import(reference, path)
    assert content(store_target) == content(reference)


@contextmanager
def holding_the_import_lock(target: str) -> Iterator[None]:
    with Project.open(target, create=False) as project, import_transaction(project):
        yield


def _read_until_waiting(proc: subprocess.Popen[str]) -> str:
    """Standard error of ``proc`` up to the line saying it waits (or its end)."""
    assert proc.stderr is not None
    seen = ""
    while line := proc.stderr.readline():
        seen += line
        if WAITING in line:
            break
    return seen


def test_imports_started_during_an_import_wait_for_it_and_then_import(
        store_target: str, reference: str, irtd_files: Path) -> None:
    first, second = irtd_files / "PedestrianCounting.json", irtd_files / "AerialCounting.json"
    for target in (store_target, reference):
        _import(target, second)  # the same start in both: a project with one file in it
    with holding_the_import_lock(store_target):
        procs = [_start("import", str(path), "--db", store_target, "--quiet")
                 for path in (first, second, first)]
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        said = [_read_until_waiting(proc) for proc in procs]
    results = [_finish(proc) for proc in procs]
    with Project.open(store_target, create=False) as project:
        where = project.shown
    assert said == [f"irtd-annotator: {WAITING} {where} to finish...\n"] * 3
    assert [(code, err) for code, _out, err in results] == [(0, "")] * 3
    _import(reference, first)
    assert content(store_target) == content(reference)


def test_an_import_gives_up_after_its_wait_with_one_line_and_writes_nothing(
        store_target: str, irtd_files: Path) -> None:
    _import(store_target, irtd_files / "AerialCounting.json")
    before = content(store_target)
    said: list[str] = []
    with Project.open(store_target, create=False) as project:
        where = project.shown
        with holding_the_import_lock(store_target), pytest.raises(ImportBusy) as raised:
            import_files(project, [irtd_files / "PedestrianCounting.json"],
                         options=ImportOptions(wait=0.3), waiting=said.append)
    assert said == [f"{WAITING} {where} to finish..."]
    assert str(raised.value).startswith(f"another import into {where} is still running after ")
    assert str(raised.value).endswith("nothing was imported: try again when it has finished")
    assert content(store_target) == before


def test_an_import_cancelled_while_it_waits_writes_nothing(store_target: str,
                                                           irtd_files: Path) -> None:
    Project.open(store_target).close()
    before = content(store_target)
    said: list[str] = []
    with (Project.open(store_target, create=False) as project,
          holding_the_import_lock(store_target),
          pytest.raises(UserError, match="cancelled while")):
        import_files(project, [irtd_files / "PedestrianCounting.json"],
                     options=ImportOptions(), progress=lambda *a: said.append(a[2]),
                     cancel=lambda: bool(said))
    assert len(said) == 1 and said[0].startswith(WAITING)
    assert content(store_target) == before


def test_an_import_of_a_source_waits_for_another_import(store_target: str,
                                                        llvip_dir: Path) -> None:
    Project.open(store_target).close()
    said: list[str] = []
    with Project.open(store_target, create=False) as project:
        with holding_the_import_lock(store_target), pytest.raises(ImportBusy):
            import_source(project, "llvip", llvip_dir, wait=0.2, waiting=said.append)
        assert len(said) == 1 and said[0].startswith(WAITING)
        assert import_source(project, "llvip", llvip_dir).pairs_added > 0  # free again


def test_two_source_imports_into_a_new_store_add_the_pairs_once(store_target: str,
                                                                llvip_dir: Path) -> None:
    results = _run_together([["import-source", "llvip", str(llvip_dir), "--db", store_target]]
                            * 2)
    assert [code for code, _out, _err in results] == [0, 0], results
    with Project.open(store_target, create=False) as project:
        waited = f"irtd-annotator: {WAITING} {project.shown} to finish...\n"
        assert all(err in ("", waited) for _code, _out, err in results), results
        again = import_source(project, "llvip", llvip_dir)
    assert again.pairs_added == 0 and again.boxes_added == 0


def test_opening_a_project_another_program_just_made_and_writes_to_does_not_fail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two imports into a new SQLite file: the second looked before the first had made the
    project, so it must migrate, and waits for the write lock, which the first holds for its
    whole import (longer than SQLite's busy wait on a loaded machine). Looking again, it finds
    the project made: it opens instead of failing with "locked"."""
    import sqlite3

    from irtd_annotator.cli import main
    from irtd_annotator.store import engine as store_engine

    target = tmp_path / "project.db"
    assert main(["init", "--db", str(target)]) == 0
    looks = iter([None])  # the first look is from before the other program made the project
    real = store_engine._revision_now
    monkeypatch.setattr(store_engine, "_revision_now", lambda url, **kw: next(looks, real(url, **kw)))
    writer = sqlite3.connect(target, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the other program's import
    try:
        with Project.open(str(target), create=False) as project:
            assert project.engine is not None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
