"""The search index built after the import (ADR 0024), on the real IR-TD files: searches find
the same Samples before the build, half way and after it; a builder killed mid-way resumes;
an edit during the build is found by its new text only; two builders at once index each
Sample once; ``check`` does not call the backlog damage."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from irtd_annotator import cli
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.search_index import (
    BuildReport,
    build_search_index,
    pending_samples,
)

FILES = ("Recognition.json", "Security.json", "ReID.json")
SAMPLES = 3705 + 7859 + 3733  # tests/conftest.py's counts of the three files
NEEDLES = ("crocodile", "PERSON", "What is the object", "(B) duck", "<ref>", "the same person",
           "ca", "<b", "%", "_", "été", "Straße", "zebracorn")


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, irtd_files: Path) -> Iterator[Path]:
    """Three real files imported, their search index not built yet (closed: no WAL)."""
    db = tmp_path_factory.mktemp("backlog") / "imported.db"
    with Project.open(db) as project:
        import_files(project, [irtd_files / name for name in FILES], options=ImportOptions())
    yield db


@pytest.fixture()
def db(imported: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project.db"
    shutil.copyfile(imported, copy)
    return copy


def filters(db: Path) -> list[QueueFilter]:
    """Text searches alone and with other criteria, orders and a source of the project."""
    with sqlite3.connect(db) as conn:
        (source,), = conn.execute("SELECT source FROM pairs GROUP BY source"
                                  " ORDER BY count(*) DESC LIMIT 1")
    found = [QueueFilter(text=needle) for needle in NEEDLES]
    return found + [
        QueueFilter(text="person", tasks=("Security",)),
        QueueFilter(text="Person", statuses=("pending",), sources=(source,)),
        QueueFilter(text="duck", sort="task", descending=True),
        QueueFilter(text="the", tasks=("Re-ID", "Recognition"), sort="risk"),
        QueueFilter(text="ca", warnings=False),
    ]


def results(db: Path) -> dict[QueueFilter, tuple[list[int], tuple[int, int]]]:
    with Project.open(db, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        return {flt: (session.query_ids(flt), session.counts(flt)) for flt in filters(db)}


def like_ids(db: Path, needle: str) -> list[int]:
    """What a plain LIKE over the turns finds (ASCII case folded): the truth for these files."""
    with sqlite3.connect(db) as conn:
        return [i for (i,) in conn.execute(
            "SELECT DISTINCT sample_id FROM turns WHERE text LIKE ? ESCAPE '\\'"
            " ORDER BY sample_id", ("%" + needle.replace("\\", "\\\\").replace("%", "\\%")
                                    .replace("_", "\\_") + "%",))]


def build_part(db: Path, *, down_to: int, batch: int = 1000) -> BuildReport:
    """Build until no more than ``down_to`` Samples are left in the backlog."""
    left = [SAMPLES]
    with Project.open(db, create=False) as project:
        return build_search_index(project, batch=batch, progress=left.append,
                                  stop=lambda: left[-1] <= down_to)


def build_all(db: Path) -> BuildReport:
    with Project.open(db, create=False) as project:
        return build_search_index(project)


def index_problems(db: Path, *, built: bool = True) -> list[str]:
    """What ``check`` says of the search index and, once ``built``, whether FTS5's merge
    settings are back (a build pauses them until its end)."""
    from irtd_annotator.services.check import check_project

    report = check_project(str(db))
    with sqlite3.connect(db) as conn:
        settings = dict(conn.execute("SELECT k, v FROM samples_fts_config"
                                     " WHERE k IN ('automerge', 'crisismerge')"))
        leftover = conn.execute("SELECT count(*) FROM settings WHERE key = 'search_build'"
                                ).fetchone()
    problems = [f.message for f in report.findings]
    if built and (settings not in ({}, {"automerge": 4, "crisismerge": 16}) or leftover != (0,)):
        problems.append(f"merge settings {settings}, build state {leftover}")
    return problems


def test_searches_find_the_same_samples_before_half_way_and_after_the_build(db: Path) -> None:
    with Project.open(db, create=False) as project:
        assert pending_samples(project) == SAMPLES  # the import indexed nothing itself
    before = results(db)
    for needle in NEEDLES:
        assert before[QueueFilter(text=needle)][0] == like_ids(db, needle), needle
    assert before[QueueFilter(text="crocodile")][0]  # words that are there are found
    half = build_part(db, down_to=SAMPLES // 2)
    assert 0 < half.left <= SAMPLES // 2 and half.stopped == "asked to stop"
    assert results(db) == before
    assert index_problems(db, built=False) == []  # the backlog is no damage, the rest is right
    done = build_all(db)
    assert done.left == 0 and done.stopped is None and half.indexed + done.indexed == SAMPLES
    assert results(db) == before
    assert index_problems(db) == []
    with sqlite3.connect(db) as conn:  # built: one row per Sample, merged into one segment
        assert conn.execute("SELECT count(*) FROM samples_fts").fetchone() == (SAMPLES,)
        assert conn.execute("SELECT count(DISTINCT segid) FROM samples_fts_idx"
                            ).fetchone() == (1,)


def test_an_edit_of_a_sample_waiting_in_the_backlog_is_found_by_its_new_text_only(
        db: Path) -> None:
    with sqlite3.connect(db) as conn:
        (last, old), = conn.execute(
            "SELECT sample_id, text FROM turns WHERE sample_id = (SELECT max(id) FROM samples)"
            " AND idx = 0")
    build_part(db, down_to=SAMPLES // 2)  # the last Sample is in the half not built yet
    old_words = QueueFilter(text=old.splitlines()[-1][-30:].strip())
    with Project.open(db, create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        assert last in ada.query_ids(old_words)
        ada.edit_turn(last, 0, "Which zebracorn is crossing the road?")
        assert ada.query_ids(QueueFilter(text="zebracorn")) == [last]
        assert last not in ada.query_ids(old_words)
        assert pending_samples(project) > 0
    build_all(db)
    with Project.open(db, create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        assert ada.query_ids(QueueFilter(text="ZEBRACORN")) == [last]
        assert last not in ada.query_ids(old_words)
    assert index_problems(db) == []


# A builder that stops inside its fourth transaction, after its writes and before its commit,
# and says so with what the first three took out of the backlog: the test kills it there.
_KILLED_BUILDER = """
import sys
from irtd_annotator.services import search_index
from irtd_annotator.services.project import Project
real = search_index.index_batch
calls = []
def batch(conn, limit):
    taken = real(conn, limit)
    calls.append(taken)
    if len(calls) == 4:
        print("inside", sum(calls[:3]), flush=True)
        sys.stdin.read()  # until killed
    return taken
search_index.index_batch = batch
with Project.open(sys.argv[1], create=False) as project:
    search_index.build_search_index(project, batch=1000)
"""


def test_a_builder_killed_inside_a_transaction_is_resumed_by_the_next(db: Path) -> None:
    before = results(db)
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_BUILDER, str(db)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)  # a hung child fails the test, not the run
    watchdog.start()
    try:
        assert proc.stdout is not None
        said, committed = proc.stdout.readline().split()
        assert said == "inside" and 0 < int(committed) < SAMPLES // 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    finally:
        watchdog.cancel()
    assert proc.returncode == -signal.SIGKILL
    with Project.open(db, create=False) as project:  # three batches committed, not the fourth
        assert pending_samples(project) == SAMPLES - int(committed)
    assert results(db) == before
    assert index_problems(db, built=False) == []
    resumed = build_all(db)
    assert resumed.indexed == SAMPLES - int(committed) and resumed.left == 0
    assert results(db) == before
    assert index_problems(db) == []


def test_two_builders_at_once_index_every_sample_once(db: Path) -> None:
    before = results(db)
    reports: list[BuildReport] = []

    def build() -> None:
        with Project.open(db, create=False) as project:
            reports.append(build_search_index(project, batch=300))

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(reports) == 2 and all(r.stopped is None for r in reports)
    assert sum(r.indexed for r in reports) == SAMPLES  # none indexed twice, none left out
    assert results(db) == before
    assert index_problems(db) == []


def test_check_does_not_call_the_backlog_damage_but_still_finds_damage_beside_it(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--db", str(db)]) == 0
    assert "OK" in capsys.readouterr().out
    build_part(db, down_to=SAMPLES // 2)
    with sqlite3.connect(db) as conn:  # a Sample indexed already loses its row
        (indexed,), = conn.execute("SELECT min(rowid) FROM samples_fts")
        conn.execute("DELETE FROM samples_fts WHERE rowid = ?", (indexed,))
    assert cli.main(["check", "--db", str(db)]) == 1
    assert f"samples_fts: 1 sample missing (sample {indexed})" in capsys.readouterr().out
    assert cli.main(["check", "--db", str(db), "--repair"]) == 0  # the whole index rebuilt
    capsys.readouterr()
    with Project.open(db, create=False) as project:
        assert pending_samples(project) == 0
    assert index_problems(db) == []


def test_the_index_command_builds_and_says_what_it_did(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["index", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"search index: indexed {SAMPLES:,} samples in ") and "longest" in out
    assert cli.main(["index", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "search index: ready, nothing to build\n"
    assert index_problems(db) == []


def test_the_cli_import_starts_the_builder_in_the_background(
        tmp_path: Path, irtd_files: Path) -> None:
    db = tmp_path / "p.db"
    env = {k: v for k, v in os.environ.items() if k != "IRTD_ANNOTATOR_BACKGROUND_INDEX"}
    done = subprocess.run([sys.executable, "-m", "irtd_annotator.cli", "import",
                           str(irtd_files / "Recognition.json"), "--db", str(db), "--quiet"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "search index is being built in the background; searches are slower" in done.stderr
    # a second builder by hand meets the background one: together they index it all once
    assert cli.main(["index", "--db", str(db), "--quiet"]) == 0
    with Project.open(db, create=False) as project:
        assert pending_samples(project) == 0
        found = ReviewSession(project, annotator="Ada").query_ids(QueueFilter(text="crocodile"))
    assert found == like_ids(db, "crocodile") != []
