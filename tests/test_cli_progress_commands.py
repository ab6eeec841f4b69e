"""Each long command's progress through a pipe (issue 16): a few plain lines, each with
done/total and percent, one total from the first line to the last, the last at 100%; the
summary on standard output as before (--quiet: tests/test_cli_progress.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audit_data import build_audit_project
from irtd_annotator import cli
from progress_output import PlainLine, plain_lines

LOCATION_SAMPLES = 14_979  # Location.json (shared/data/README.md)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, irtd_files: Path) -> Path:
    """A project of the real Location.json (several chunks of every long command)."""
    db = tmp_path_factory.mktemp("progress") / "p.db"
    assert cli.main(["import", str(irtd_files / "Location.json"), "--db", str(db),
                     "--quiet"]) == 0
    return db


@pytest.fixture()
def db(imported: Path, tmp_path: Path) -> str:
    copy = tmp_path / "p.db"
    shutil.copyfile(imported, copy)
    return str(copy)


def _steady(lines: list[PlainLine], *, what: str | None = None) -> list[PlainLine]:
    """Check the lines a user reads: some, not one per sample; one total; the percent never
    going back; the last at 100%."""
    assert 1 <= len(lines) <= 6, lines
    assert len({line.total for line in lines}) == 1, lines
    assert [line.percent for line in lines] == sorted(line.percent for line in lines)
    assert lines[-1].percent == 100 and lines[-1].done == lines[-1].total
    if what is not None:
        assert {line.what for line in lines} == {what}
    return lines


def test_export_through_a_pipe(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", "--db", db, "--out", str(tmp_path / "rel"), "--status", "all"]) == 0
    captured = capsys.readouterr()
    lines = _steady(plain_lines(captured.err), what="export")
    assert lines[-1].total == f"{LOCATION_SAMPLES:,}" and lines[-1].unit == "samples"
    assert captured.out.startswith(f"release 1: {LOCATION_SAMPLES:,} samples exported to ")


def test_review_through_a_pipe(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["review", "--db", db, "--approve", "--yes"]) == 0
    captured = capsys.readouterr()
    lines = _steady(plain_lines(captured.err), what="deciding")
    assert lines[-1].total == f"{LOCATION_SAMPLES:,}"
    assert captured.out.startswith(f"set {LOCATION_SAMPLES:,} samples to approved:")


@pytest.mark.parametrize("repair", [False, True])
def test_check_through_a_pipe(db: str, repair: bool, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--db", db, *(["--repair"] if repair else [])]) == 0
    captured = capsys.readouterr()
    lines = _steady(plain_lines(captured.err))
    assert lines[-1].unit == "checks"
    assert lines[0].what == "checking the file integrity"
    assert captured.out.startswith(f"project {db}: OK ")


def test_report_through_a_pipe(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "--db", db, "--out", str(tmp_path / "page")]) == 0
    captured = capsys.readouterr()
    lines = _steady(plain_lines(captured.err))
    assert [line.what for line in lines] == ["reading the dashboard", "drawing the charts",
                                             "report written"]
    assert captured.out.startswith("wrote ")


def test_folders_look_again_through_a_pipe(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["folders", "--db", db, "--look-again"]) == 0
    lines = _steady(plain_lines(capsys.readouterr().err))
    assert lines[-1].unit == "pairs"


def test_audit_accept_through_a_pipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "a.db")
    build_audit_project(db)
    made = ["--max-error", "0.05", "--confidence", "0.95", "--seed", "3"]
    assert cli.main(["audit", "create", "--db", db, "--name", "a1", *made]) == 0
    assert cli.main(["review", "--db", db, "--audit", "a1", "--task", "Relationship",
                     "--approve", "--yes"]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "accept", "--db", db, "--name", "a1", "--yes"]) == 0
    captured = capsys.readouterr()
    lines = _steady(plain_lines(captured.err), what="accepting")
    assert lines[-1].total == "149"
    assert captured.out.startswith("accepted 149 samples by audit a1:")

