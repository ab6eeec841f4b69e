"""Only commands that make projects write a schema; every other one refuses what is not a
project, and a store that cannot be written is one clear line (issue 10, case 5)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from import_support import grounding, write_samples
from irtd_annotator import cli
from irtd_annotator.store.engine import head_revision
from migration_support import backups, dump, make_old_project

READERS = [["stats"], ["releases"], ["export", "--out", "OUT"]]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    err = capsys.readouterr().err.strip()
    return code, err


def reader(command: list[str], db: Path) -> list[str]:
    return [a.replace("OUT", str(db.parent / "release")) for a in command] + ["--db", str(db)]


def other_program_db(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        for table in ("a", "b", "c"):
            conn.execute(f"CREATE TABLE {table} (x INTEGER)")
        conn.execute("INSERT INTO a VALUES (1)")
    conn.close()
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_a_command_that_reads_refuses_an_empty_file(tmp_path: Path, command: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    code, err = run(capsys, *reader(command, db))
    assert code != 0
    assert err == (f"irtd-annotator: error: {db} is empty, not an IRTD Annotator project; create "
                   f"one with `irtd-annotator init --db {db}` or import into it")
    assert db.stat().st_size == 0 and files_in(tmp_path) == ["empty.db"]


@pytest.mark.parametrize("command", READERS + [["import", "FILE"], ["init"]],
                         ids=lambda c: c[0])
def test_no_command_writes_into_another_programs_database(
        tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    db = other_program_db(tmp_path / "other.db")
    before = db.read_bytes()
    source = write_samples(tmp_path / "Detection.json", [grounding(1, 2410, (1, 2, 30, 40))])
    args = [a.replace("FILE", str(source)) for a in reader(command, db)]
    code, err = run(capsys, *args)
    assert code != 0
    assert err == (f"irtd-annotator: error: {db} is an SQLite database of another program "
                   "(tables a, b, c); IRTD Annotator will not write into it")
    assert db.read_bytes() == before
    assert not (tmp_path / "release").exists()


@pytest.mark.parametrize("command", READERS + [["init"]], ids=lambda c: c[0])
def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path, command: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "notes.db"
    db.write_text("shopping list\n" * 50)
    code, err = run(capsys, *reader(command, db))
    assert code != 0 and err.startswith(f"irtd-annotator: error: {db} is not an SQLite database")
    assert db.read_text() == "shopping list\n" * 50


def test_import_into_an_empty_file_makes_the_project(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "new.db"
    db.touch()
    source = write_samples(tmp_path / "Detection.json", [grounding(1, 2410, (1, 2, 30, 40))])
    assert cli.main(["import", str(source), "--db", str(db), "--quiet"]) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM samples").fetchone() == (1,)
    conn.close()


def test_init_makes_an_empty_project_once(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.db"
    assert cli.main(["init", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == f"created an empty project: {db}"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),)
        assert conn.execute("SELECT count(*) FROM samples").fetchone() == (0,)
    conn.close()
    before = dump(db)
    code, err = run(capsys, "init", "--db", str(db))
    assert code != 0 and err == (f"irtd-annotator: error: {db} is already an IRTD Annotator "
                                 "project; nothing was changed")
    assert dump(db) == before
    assert cli.main(["stats", "--db", str(db)]) == 0


def test_the_window_shows_what_a_file_is_and_leaves_it_alone(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from irtd_annotator.ui.main_window import MainWindow
    from irtd_annotator.ui.settings import AppSettings

    window = MainWindow(AppSettings(), annotator="Ada")
    errors: list[str] = []
    window.show_error = lambda _title, message: errors.append(message)  # type: ignore[method-assign]
    qtbot.addWidget(window)
    empty = tmp_path / "empty.db"
    empty.touch()
    other = other_program_db(tmp_path / "other.db")
    before = other.read_bytes()
    assert not window.open_project(str(empty))
    assert not window.open_project(str(other))
    assert errors == [
        f"{empty} is empty, not an IRTD Annotator project; create one with "
        f"`irtd-annotator init --db {empty}` or import into it",
        f"{other} is an SQLite database of another program (tables a, b, c); IRTD Annotator "
        "will not write into it"]
    assert empty.stat().st_size == 0 and other.read_bytes() == before
    assert window.project is None
    window.close()


# ---- a store that cannot be written ----------------------------------------------------------


@pytest.fixture()
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Makes a file or folder read-only: by its mode, or for root (whom modes do not stop) by a
    read-only bind mount of it."""
    mounted: list[Path] = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
            return
        for step in (["mount", "--bind", str(path), str(path)],
                     ["mount", "-o", "remount,bind,ro", str(path)]):
            if subprocess.run(step, capture_output=True).returncode != 0:
                pytest.skip("needs a read-only bind mount (root) or a non-root user")
            if not mounted or mounted[-1] != path:
                mounted.append(path)

    try:
        yield make
    finally:
        for where in reversed(mounted):
            subprocess.run(["umount", "-l", str(where)], check=False)


def test_importing_into_a_read_only_project_is_one_line(
        tmp_path: Path, read_only: Callable[[Path], None],
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.db"
    assert cli.main(["init", "--db", str(db)]) == 0
    before = dump(db)
    read_only(db)
    source = write_samples(tmp_path / "Detection.json", [grounding(1, 2410, (1, 2, 30, 40))])
    code, err = run(capsys, "import", str(source), "--db", str(db), "--quiet")
    assert code != 0 and "\n" not in err
    assert err.startswith(f"irtd-annotator: error: project {db} is read-only")
    assert dump(db) == before


def test_an_old_project_in_a_read_only_folder_is_one_line(
        tmp_path: Path, read_only: Callable[[Path], None],
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db = make_old_project(folder / "old.db", samples=50)
    before = dump(db)
    read_only(folder)
    code, err = run(capsys, "stats", "--db", str(db))
    # read-only, or cannot be opened at all when SQLite cannot make its -shm file there
    assert code != 0 and "\n" not in err
    assert err in (f"irtd-annotator: error: project {db} is read-only; copy it somewhere "
                   "writable or change its permissions (of the file and of its folder)",
                   f"irtd-annotator: error: project {db} cannot be opened: its folder must be "
                   "writable (SQLite keeps its -wal and -shm files beside it)")
    assert dump(db) == before and backups(db) == []


def test_an_old_project_locked_by_another_program_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = make_old_project(tmp_path / "old.db", samples=50)
    before = dump(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing, for longer than we wait
    try:
        code, err = run(capsys, "stats", "--db", str(db))
    finally:
        other.rollback()
        other.close()
    assert code != 0 and err == (f"irtd-annotator: error: project {db} is locked by another "
                                 "program; close it there and try again")
    assert dump(db) == before


def test_import_into_a_database_that_has_a_samples_table_is_refused_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "theirs.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, label TEXT)")
        conn.execute("INSERT INTO samples VALUES (1, 'theirs')")
    conn.close()
    before = db.read_bytes()
    source = write_samples(tmp_path / "Detection.json", [grounding(1, 2410, (1, 2, 30, 40))])
    for _attempt in range(2):  # the same answer again: nothing was left behind the first time
        code, err = run(capsys, "import", str(source), "--db", str(db), "--quiet")
        assert code != 0 and err == (f"irtd-annotator: error: {db} is an SQLite database of "
                                     "another program (tables samples); IRTD Annotator will not "
                                     "write into it")
    assert db.read_bytes() == before and files_in(tmp_path) == ["Detection.json", "theirs.db"]


def test_a_backup_is_never_opened_as_a_project(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The adversarial run's case: stats on a backup upgraded the backup in place and made a
    backup of the backup."""
    db = make_old_project(tmp_path / "old.db")
    backup = tmp_path / "old.backup-0003.db"
    backup.write_bytes(db.read_bytes())
    data = backup.read_bytes()
    for command in (["stats"], ["import", str(write_samples(
            tmp_path / "Detection.json", [grounding(1, 1, (1, 2, 3, 4))]))]):
        code, err = run(capsys, *command, "--db", str(backup))
        assert code == 2 and "is a backup of a project" in err and "\n" not in err
    assert backup.read_bytes() == data
    assert files_in(tmp_path) == ["Detection.json", "old.backup-0003.db", "old.db"]


@pytest.mark.parametrize("db", ["LOOP", "x" * 5000 + ".db", "foo://bar"])
def test_a_project_name_no_file_system_takes_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str) -> None:
    if db == "LOOP":
        (tmp_path / "a.db").symlink_to(tmp_path / "b.db")
        (tmp_path / "b.db").symlink_to(tmp_path / "a.db")
        db = str(tmp_path / "a.db")
    code, err = run(capsys, "stats", "--db", db)
    assert code == 2 and err.startswith("irtd-annotator: error: ") and "\n" not in err, err


def test_a_relative_sqlite_url_is_the_file_beside_the_current_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "init", "--db", "sqlite:///rel.db")[0] == 0
    code, err = run(capsys, "stats", "--db", "sqlite:///rel.db")
    assert code == 0 and err == "" and (tmp_path / "rel.db").is_file()
