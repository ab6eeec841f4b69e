"""``irtd-annotator check``: a damaged store is named as such, derived data is rebuilt, and a
damaged store is never exported.

The project is built once from the real ReID.json (3,733 samples, some 1,600 pages of 4 KiB)
and copied for each test, so a test can damage its copy as a disk or a bad copy would.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from irtd_annotator import cli
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession

PAGE = 4096
SAMPLES = 3733  # ReID.json's samples (shared/data/README.md)
EVERY_CHECK = "checked: file integrity, foreign keys, schema, tally, search index"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, irtd_files: Path) -> Iterator[Path]:
    """A real project of ReID.json, closed (its WAL folded into the file)."""
    base = tmp_path_factory.mktemp("check")
    with pytest.MonkeyPatch.context() as patch:  # the autouse isolation is per test
        patch.setenv("IRTD_ANNOTATOR_DATA_DIR", str(base / "data"))
        patch.setenv("IRTD_ANNOTATOR_CONFIG_DIR", str(base / "config"))
        db = base / "built.db"
        assert cli.main(["import", str(irtd_files / "ReID.json"), "--db", str(db),
                         "--quiet"]) == 0
        # and its search index, as the import's background builder makes it (ADR 0024)
        assert cli.main(["index", "--db", str(db), "--quiet"]) == 0
    assert not db.with_name(db.name + "-wal").exists()
    yield db


@pytest.fixture()
def project(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project.db"
    shutil.copyfile(built, copy)
    return copy


def check(db: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """Run ``check --db db`` and return its exit code and what it printed (its verdict:
    the progress lines are left out with --quiet, tests/test_cli_progress_commands.py)."""
    capsys.readouterr()
    code = cli.main(["check", "--db", str(db), "--quiet", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def write_garbage(db: Path, *, pages: int = 8, seed: int = 7) -> None:
    """Overwrite ``pages`` pages in the middle of the file with random bytes (the header,
    page 1, is left alone: the file still opens as SQLite)."""
    size = db.stat().st_size
    count = size // PAGE
    assert count > 100, "the project should be big enough to have many pages"
    rng = random.Random(seed)
    with open(db, "r+b") as handle:
        handle.seek((count // 2) * PAGE)
        handle.write(rng.randbytes(pages * PAGE))
    assert db.stat().st_size == size


def test_a_sound_project_is_ok(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(project, capsys)
    assert code == 0
    assert out.strip() == f"project {project}: OK ({SAMPLES:,} samples, {EVERY_CHECK})"
    code, out = check(project, capsys, "--quick")
    assert (code, out.strip()) == (0, f"project {project}: OK ({SAMPLES:,} samples, checked: "
                                      "file integrity, schema, tally, search index)")


def test_garbage_in_the_middle_of_the_file_is_damage(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_garbage(project)
    for extra in ((), ("--quick",)):
        code, out = check(project, capsys, *extra)
        assert code == 1
        first, advice = out.strip().split("\n")
        assert first.startswith(f"project {project}: DAMAGED: file integrity: ")
        assert "restore the project from a backup" in advice
        assert "--repair" not in out  # the file's pages are no derived data


def test_damage_names_the_newest_backup_beside_it(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = project.with_name("project.backup-20260101-000000-000000.db")
    newer = project.with_name("project.backup-20260301-000000-000000.db")
    for path, when in ((older, 1_700_000_000), (newer, 1_800_000_000)):
        shutil.copyfile(project, path)
        os.utime(path, (when, when))
    write_garbage(project)
    code, out = check(project, capsys)
    assert code == 1
    assert f"restore a backup: the newest beside it is {newer}" in out


def test_repair_leaves_a_damaged_file_alone(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    write_garbage(project)
    before = project.read_bytes()
    code, out = check(project, capsys, "--repair")
    assert code == 1 and "DAMAGED" in out
    assert project.read_bytes() == before


def test_export_refuses_a_damaged_project_and_writes_nothing(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_garbage(project)
    out_dir = tmp_path / "releases" / "r1"
    out_dir.parent.mkdir()
    capsys.readouterr()
    code = cli.main(["export", "--db", str(project), "--out", str(out_dir), "--status", "all",
                     "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"irtd-annotator: error: project {project}: DAMAGED: ")
    assert "nothing was exported" in err
    assert list(out_dir.parent.iterdir()) == []  # no release, no partial folder
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT count(*) FROM releases").fetchone() == (0,)


def _tally(db: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT source, task, status, n FROM sample_tally WHERE n <> 0"
                            " ORDER BY 1, 2, 3").fetchall()


def _counted(db: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT p.source, s.task, s.status, count(*) FROM samples s"
                            " JOIN pairs p ON p.id = s.pair_id GROUP BY 1, 2, 3"
                            " ORDER BY 1, 2, 3").fetchall()


def test_a_wrong_tally_is_named_and_repaired(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(project) as conn:
        source, task, status, n = conn.execute(
            "SELECT source, task, status, n FROM sample_tally ORDER BY n DESC").fetchone()
        conn.execute("DELETE FROM sample_tally WHERE source = ? AND task = ? AND status = ?",
                     (source, task, status))
    code, out = check(project, capsys)
    assert code == 1
    assert out.startswith(f"project {project}: DAMAGED: tally: sample_tally: 1 wrong count "
                          f"({source}/{task}/{status}: kept 0, counted {n})")
    assert f"irtd-annotator check --db {project} --repair" in out
    code, out = check(project, capsys, "--quick")  # counted per task and status
    assert code == 1 and f"sample_tally: 1 wrong count ({task}/{status}: kept " in out
    code, out = check(project, capsys, "--repair")
    assert code == 0 and "rebuilt tally" in out
    assert _tally(project) == _counted(project)
    assert check(project, capsys)[0] == 0


def test_a_wrong_search_index_is_named_and_repaired(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(project) as conn:
        conn.execute("DELETE FROM samples_fts WHERE rowid IN (5, 6, 7)")
        conn.execute("UPDATE samples_fts SET text = 'nothing like it' WHERE rowid = 9")
        (wanted,) = conn.execute(
            "SELECT group_concat(text, char(10)) FROM (SELECT text FROM turns"
            " WHERE sample_id = 6 ORDER BY idx)").fetchone()
    code, out = check(project, capsys)
    assert code == 1
    assert "search index: samples_fts: 3 samples missing (sample 5, sample 6, sample 7)" in out
    assert "samples_fts: 1 row with stale text (sample 9)" in out
    code, out = check(project, capsys, "--quick")  # no text compare, the rows are counted
    assert code == 1 and f"samples_fts: {SAMPLES - 3:,} rows for {SAMPLES:,} samples" in out
    assert "stale" not in out
    code, out = check(project, capsys, "--repair")
    assert code == 0 and "rebuilt search index" in out
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT text FROM samples_fts WHERE rowid = 6").fetchone() == (wanted,)
        assert conn.execute("SELECT count(*) FROM samples_fts").fetchone() == (SAMPLES,)
        # the triggers still keep the rebuilt index: an edited turn is found by its text
        conn.execute("UPDATE turns SET text = 'a zebracorn crossing' WHERE sample_id = 11"
                     " AND idx = 1")
        assert conn.execute("SELECT rowid FROM samples_fts WHERE samples_fts MATCH"
                            " 'zebracorn'").fetchall() == [(11,)]
    assert check(project, capsys) == (0, f"project {project}: OK ({SAMPLES:,} samples, "
                                         f"{EVERY_CHECK})\n")


def test_check_of_a_missing_project_makes_no_file(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.db"
    code, out = check(missing, capsys)
    assert code == 2 and f"project {missing} does not exist" in out
    assert not missing.exists()



def test_review_writes_and_imports_wait_for_the_disk(project: Path, irtd_files: Path) -> None:
    """A reviewer's acknowledged decision survives a power loss: every connection commits
    with synchronous=FULL (2), also the one an import used (ADR 0013)."""
    with Project.open(project, create=False) as opened:
        session = ReviewSession(opened, annotator="Ada")
        first = session.query_ids(QueueFilter())[0]
        assert session.set_status(first, "approved")
        report = import_files(opened, [irtd_files / "AerialCounting.json"],
                              options=ImportOptions())
        assert report.ok
        with opened.engine.connect() as conn:  # the pool's one connection, as the import left it
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert opened.engine.pool.checkedout() == 1 and opened.engine.pool.checkedin() == 0
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT status FROM samples WHERE id = ?", (first,)).fetchone() == (
            "approved",)


@pytest.mark.parametrize("quick", [False, True])
def test_a_locked_project_gets_no_verdict_rather_than_damaged(
        project: Path, capsys: pytest.CaptureFixture[str], quick: bool) -> None:
    """The adversarial run's case: a sound project held by another program's write lock was
    called DAMAGED, with advice to repair it."""
    import sqlite3

    holder = sqlite3.connect(project, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, out = check(project, capsys, *(["--quick"] if quick else []))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code != 1 and "DAMAGED" not in out and "locked" in out, out
    assert check(project, capsys)[0] == 0


def test_an_unreachable_server_gets_no_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    """The adversarial run's case: check advised restoring a backup over a team database
    whose server was merely down."""
    assert cli.main(["check", "--db", "postgresql+psycopg://u@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err and "backup" not in err and "DAMAGED" not in err
