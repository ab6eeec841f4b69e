"""Output paths of import: the report never lands on the project, its files, an input or an
image folder; a bad report path is refused before any work; reports honour the umask;
image roots are checked."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from import_support import GROUNDING_PROMPT, dump_store, grounding, query, sample, write_samples
from irtd_annotator import cli
from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project


@pytest.fixture()
def project_db(tmp_path: Path) -> Path:
    """A project holding three samples, with an image root (tmp/images) stored in it."""
    (tmp_path / "images").mkdir()
    db = tmp_path / "filled.db"
    good = write_samples(tmp_path / "first.json",
                         [grounding(i, i, (1, 2, 30, 40)) for i in range(3)])
    assert cli.main(["import", str(good), "--db", str(db), "--task", "Grounding", "--quiet",
                     "--image-root", str(tmp_path / "images")]) == 0
    return db


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    """An input with one good and one bad sample (so --skip-bad writes a report)."""
    return write_samples(tmp_path / "Detection.json", [
        grounding(10, 10, (1, 2, 3, 4)),
        sample("11", [grounding(11, 11, (1, 2, 3, 4))["image"][0]], GROUNDING_PROMPT, "no box")])


def refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    """Run the CLI, expect a refusal, return its one-line message."""
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("irtd-annotator: error: "), captured.err
    return lines[0]


def test_report_onto_the_project_is_refused_and_the_project_kept(
        project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, data = dump_store(project_db), project_db.read_bytes()
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--report", str(project_db)])
    assert "is the project itself" in message and str(project_db) in message
    assert project_db.read_bytes() == data and dump_store(project_db) == before
    assert query(project_db, "SELECT count(*) FROM samples") == [(3,)]


@pytest.mark.parametrize("how", ["dotdot", "symlink", "hardlink", "wal", "shm", "journal",
                                 "backup"])
def test_report_onto_the_projects_own_files_by_any_path_is_refused(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str],
        how: str) -> None:
    backup = project_db.with_name("filled.backup-20260101-000000-000000.db")
    shutil.copy(project_db, backup)
    (tmp_path / "sub").mkdir()
    target = {"dotdot": tmp_path / "sub" / ".." / project_db.name,
              "symlink": tmp_path / "sub" / "link.csv", "hardlink": tmp_path / "sub" / "hard.csv",
              "wal": Path(f"{project_db}-wal"), "shm": Path(f"{project_db}-shm"),
              "journal": Path(f"{project_db}-journal"), "backup": backup}[how]
    if how == "symlink":
        target.symlink_to(project_db)
    elif how == "hardlink":
        os.link(project_db, target)
    before, data, kept = dump_store(project_db), project_db.read_bytes(), backup.read_bytes()
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--report", str(target)])
    assert "project" in message and str(target) in message
    assert project_db.read_bytes() == data and dump_store(project_db) == before
    assert backup.read_bytes() == kept


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_report_onto_an_input_is_refused_and_the_input_kept(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str],
        how: str) -> None:
    target = {"same": mixed, "symlink": tmp_path / "in-link.csv",
              "hardlink": tmp_path / "in-hard.csv"}[how]
    if how == "symlink":
        target.symlink_to(mixed)
    elif how == "hardlink":
        os.link(mixed, target)
    data, before = mixed.read_bytes(), dump_store(project_db)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--report", str(target)])
    assert "input file" in message and "Detection.json" in message
    assert mixed.read_bytes() == data and dump_store(project_db) == before


def test_report_inside_an_image_root_stored_or_given_is_refused(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = dump_store(project_db)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--report", str(tmp_path / "images" / "r.csv")])
    assert "image folder" in message and str(tmp_path / "images") in message
    other = tmp_path / "flir"
    (other / "training").mkdir(parents=True)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--image-root", f"63-FLIR_ADAS={other}",
                               "--report", str(other / "training" / "r.csv")])
    assert "image folder" in message and str(other) in message
    assert dump_store(project_db) == before and not list(other.rglob("*.csv"))


@pytest.mark.parametrize("how", ["folder", "missing-folder", "parent-is-a-file"])
def test_a_report_path_that_cannot_be_written_is_refused_before_the_import(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str],
        how: str) -> None:
    target, reason = {"folder": (tmp_path, "is a folder"),
                      "missing-folder": (tmp_path / "nowhere" / "r.csv", "does not exist"),
                      "parent-is-a-file": (mixed / "r.csv", "is not a folder")}[how]
    before = dump_store(project_db)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--report", str(target)])
    assert reason in message and str(target) in message
    assert dump_store(project_db) == before  # checked before: nothing imported
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permissions do not stop the superuser")
def test_a_report_in_a_read_only_folder_is_refused_before_the_import(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    before = dump_store(project_db)
    try:
        message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                                   "--report", str(locked / "r.csv")])
    finally:
        locked.chmod(0o700)
    assert "cannot write in" in message and str(locked) in message
    assert dump_store(project_db) == before


def test_report_without_skip_bad_is_refused_with_a_hint(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = dump_store(project_db)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db),
                               "--report", str(tmp_path / "r.csv")])
    assert "--report" in message and "--skip-bad" in message
    assert dump_store(project_db) == before and not (tmp_path / "r.csv").exists()


def test_a_good_report_path_still_works_and_may_replace_an_old_report(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "r.csv"
    target.write_text("file,sample_id,line,reason\nold.json,7,3,an old reason\n")
    assert cli.main(["import", str(mixed), "--db", str(project_db), "--skip-bad", "--quiet",
                     "--report", str(target)]) == 1  # 1: some samples were rejected
    assert f"rejected samples listed in {target}" in capsys.readouterr().out
    assert target.read_text().splitlines()[0] == "file,sample_id,line,reason"
    assert query(project_db, "SELECT count(*) FROM samples") == [(4,)]


@pytest.fixture()
def set_umask() -> Iterator[Callable[[int], None]]:
    """Sets the process's umask for the test; the old one is put back after it."""
    old = os.umask(0o022)
    os.umask(old)

    def set_to(value: int) -> None:
        os.umask(value)

    yield set_to
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_reject_reports_honour_the_umask(tmp_path: Path, project_db: Path, mixed: Path,
                                         set_umask: Callable[[int], None], mask: int) -> None:
    set_umask(mask)
    with Project.open(project_db) as project:
        given = import_files(project, [mixed], options=ImportOptions(
            skip_bad=True, report_path=tmp_path / "given.csv"))
        default = import_files(project, [mixed], options=ImportOptions(skip_bad=True))
    for report in (given, default):
        assert report.report_path is not None
        assert report.report_path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_check_output_file_accepts_a_plain_new_file_and_refuses_the_project(
        tmp_path: Path) -> None:
    from irtd_annotator.services.output_paths import check_output_file

    with Project.open(tmp_path / "p.db") as project:
        check_output_file(tmp_path / "out.csv", project=project, inputs=[])
        with pytest.raises(UserError, match="is the project itself"):
            check_output_file(tmp_path / "p.db", project=project, inputs=[])
    assert not (tmp_path / "out.csv").exists()  # checking writes nothing
    assert [p.name for p in tmp_path.iterdir()] == ["p.db"]


# ---------------------------------------------------------------- --image-root


@pytest.mark.parametrize("value, reason", [
    ("63-FLIR_ADAS=", "the folder after '=' is empty"),
    ("=/data", "the source name before '=' is empty"),
    ("", "is empty"),
])
def test_an_empty_image_root_is_refused(project_db: Path, mixed: Path, value: str, reason: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = dump_store(project_db)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db),
                               "--image-root", value])
    assert "--image-root" in message and reason in message
    assert dump_store(project_db) == before


def test_a_missing_image_root_is_stored_with_a_warning(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "not-here"
    assert cli.main(["import", str(mixed), "--db", str(project_db), "--skip-bad", "--quiet",
                     "--report", str(tmp_path / "r.csv"),
                     "--image-root", f"63-FLIR_ADAS={missing}"]) == 1
    err = capsys.readouterr().err
    assert f"irtd-annotator: warning: image folder {missing} (63-FLIR_ADAS) does not exist" in err
    with Project.open(project_db) as project:
        assert project.setting("image_roots")["63-FLIR_ADAS"] == str(missing)


def test_a_report_that_fails_after_the_import_still_gives_the_summary(
        tmp_path: Path, project_db: Path, mixed: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()

    def progress(done: int, total: int, what: str) -> None:
        if what.startswith("checking"):  # the folder goes away while the import runs
            folder.rmdir()

    with Project.open(project_db) as project:
        report = import_files(project, [mixed], progress=progress, options=ImportOptions(
            skip_bad=True, report_path=folder / "r.csv"))
    assert not report.ok and report.total("added") == 1  # the import itself was committed
    summary = report.summary()
    assert "1 added" in summary and "1 sample(s) rejected" in summary
    assert f"cannot write the report of rejected samples to {folder / 'r.csv'}" in summary
    assert query(project_db, "SELECT count(*) FROM samples") == [(4,)]


def test_the_default_report_beside_a_project_kept_among_its_images_is_written(
        tmp_path: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = tmp_path / "dataset"
    images.mkdir()
    db = images / "p.db"
    assert cli.main(["import", str(mixed), "--db", str(db), "--skip-bad", "--quiet",
                     "--image-root", str(images)]) == 1
    assert "rejected samples listed in " + str(images / "p.db.import-rejects-") in (
        capsys.readouterr().out)


@pytest.mark.parametrize("kind", ["another project", "someone's notes"])
def test_report_onto_an_existing_file_that_is_not_a_report_is_refused(
        tmp_path: Path, project_db: Path, mixed: Path, capsys: pytest.CaptureFixture[str],
        kind: str) -> None:
    """The adversarial run's case: --report other.db turned a 40,200-sample project into a
    232-byte CSV."""
    target = tmp_path / "other.db"
    if kind == "another project":
        shutil.copy(project_db, target)
    else:
        target.write_text("my notes\n")
    data, before = target.read_bytes(), dump_store(project_db)
    message = refused(capsys, ["import", str(mixed), "--db", str(project_db), "--skip-bad",
                               "--report", str(target)])
    assert "give a new file name" in message and str(target) in message
    assert ("SQLite database" in message) == (kind == "another project")
    assert target.read_bytes() == data and dump_store(project_db) == before


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_earlier_report_is_replaced(tmp_path: Path, project_db: Path, mixed: Path,
                                       suffix: str) -> None:
    target = tmp_path / f"rejects{suffix}"
    args = ["import", str(mixed), "--db", str(project_db), "--skip-bad", "--quiet",
            "--report", str(target)]
    assert cli.main(args) == 1  # one sample rejected
    first = target.read_text()
    assert cli.main(args) == 1
    assert target.read_text() == first and "11" in first
