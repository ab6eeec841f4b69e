"""kill -9 during an import of a real released file loses nothing that was there before.

A project holding reviewed samples (approved, rejected with a reason, edited and flagged)
imports the real Detection.json (2,789 samples) in another process, which is killed at
moments read from its own progress output (while reading, as writing starts, once the rows
are written, while the warnings are checked) and after random delays up to the length of a
whole import. After each kill the project opens, the earlier content is exactly as it was,
the import is either wholly there or wholly absent, and running it again succeeds.
"""

from __future__ import annotations

import json
import os
import pty
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from import_support import dump_store, query, write_samples
from irtd_annotator import cli
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession

FILE = "Detection.json"
IMPORTED = 2789  # samples of the released Detection.json
CONTENT = ("pairs", "samples", "turns", "shapes", "revisions", "settings")
WATCHDOG = 60  # seconds: a hung child is killed, and the test then fails
STAGES = {  # what the progress output shows at the moment of the kill
    "reading": re.compile(r"reading Detection\.json"),
    # the label of the import's progress, plain or as a bar's description
    "writing starts": re.compile(r"importing Detection\.json: 0 samples"),
    "rows written": re.compile(r"importing Detection\.json: 2,789 samples"),
    "checking warnings": re.compile(r"checking consistency warnings"),
}


def import_args(db: Path, irtd_files: Path) -> list[str]:
    return [sys.executable, "-m", "irtd_annotator.cli", "import", str(irtd_files / FILE),
            "--db", str(db)]


def kill_at_stage(args: list[str], stage: re.Pattern[str]) -> str:
    """Run ``args`` with its progress on a terminal and SIGKILL it once ``stage`` shows;
    returns the progress seen."""
    master, slave = pty.openpty()  # progress is printed only to a terminal
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    os.close(slave)
    watchdog = threading.Timer(WATCHDOG, proc.kill)
    watchdog.start()
    seen = ""
    try:
        while stage.search(seen) is None:
            try:  # returns as soon as the child prints; ends when it is gone (or killed)
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk.decode("utf-8", errors="replace")
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        watchdog.cancel()
        os.close(master)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, seen)
    assert stage.search(seen), seen
    return seen


def kill_after(args: list[str], delay: float) -> int:
    """Run ``args`` and SIGKILL it after ``delay`` seconds unless it ended before."""
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)  # returns at once when the import ends first
    except subprocess.TimeoutExpired:
        proc.kill()
    try:
        proc.wait(timeout=WATCHDOG)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pytest.fail("the killed import did not end")
    return proc.returncode


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, irtd_files: Path) -> Path:
    """A closed project of three real AerialCounting samples, reviewed by a person."""
    folder = tmp_path_factory.mktemp("kill-import")
    released = json.loads((irtd_files / "AerialCounting.json").read_text(encoding="utf-8"))
    small = write_samples(folder / "AerialCounting.json", released[:3])
    db = folder / "base.db"
    assert cli.main(["import", str(small), "--db", str(db), "--quiet"]) == 0
    with Project.open(db, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        first, second, third = (row[0] for row in query(db, "SELECT id FROM samples ORDER BY id"))
        session.set_status(first, "approved")
        session.set_status(second, "rejected", reason="wrong count", note="two cars hidden")
        session.edit_turn(third, 1, "<num>7</num>")
        session.set_status(third, "flagged")
    assert not Path(f"{db}-wal").exists()  # closed: the file alone is the whole project
    return db


def content(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    dump = dump_store(db)
    return {table: dump[table] for table in CONTENT}


def check_after_kill(db: Path, before: dict[str, list[tuple[Any, ...]]], moment: str, *,
                     irtd_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The project opens, holds its earlier content as it was and the import wholly or not
    at all; a second run of the import succeeds."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), moment
    with Project.open(db, create=False):
        pass
    after = content(db)
    for table in CONTENT:  # the earlier rows unchanged, new ones only after them
        assert after[table][:len(before[table])] == before[table], (moment, table)
    added = len(after["samples"]) - len(before["samples"])
    newest = max(r[0] for r in before["revisions"])
    imports = query(db, "SELECT id FROM revisions WHERE action = 'import' AND id > ?", newest)
    assert (added, len(imports)) in ((0, 0), (IMPORTED, 1)), (moment, added, len(imports))
    capsys.readouterr()
    assert cli.main(["import", str(irtd_files / FILE), "--db", str(db), "--quiet"]) == 0, moment
    summary = capsys.readouterr().out
    expected = "0 added, 2,789 unchanged" if added else "2,789 added, 0 unchanged"
    assert f"{expected}, 0 updated, 0 conflicts, 0 rejected" in summary, (moment, summary)
    assert len(query(db, "SELECT id FROM samples")) == len(before["samples"]) + IMPORTED


def test_kill_9_during_an_import_keeps_the_project_and_the_import_runs_again(
        tmp_path: Path, base: Path, irtd_files: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = content(base)
    assert [r[0] for r in query(base, "SELECT status FROM samples ORDER BY id")] == [
        "approved", "rejected", "flagged"]

    # An import left to finish says how long one takes, for the random moments.
    whole = tmp_path / "whole.db"
    shutil.copy(base, whole)
    started = time.monotonic()
    assert kill_after(import_args(whole, irtd_files), WATCHDOG) == 0
    length = time.monotonic() - started
    check_after_kill(whole, before, "never killed", irtd_files=irtd_files, capsys=capsys)

    for name, stage in STAGES.items():
        db = tmp_path / f"{name.replace(' ', '-')}.db"
        shutil.copy(base, db)
        kill_at_stage(import_args(db, irtd_files), stage)
        check_after_kill(db, before, name, irtd_files=irtd_files, capsys=capsys)

    seed = random.randrange(1 << 30)
    for n, delay in enumerate(random.Random(seed).uniform(0.2, length) for _ in range(2)):
        db = tmp_path / f"random-{n}.db"
        shutil.copy(base, db)
        kill_after(import_args(db, irtd_files), delay)
        check_after_kill(db, before, f"after {delay:.2f} s (seed {seed})",
                         irtd_files=irtd_files, capsys=capsys)
