"""``irtd-annotator report --db P --out DIR [--since DATE]`` (issue 15), its data part: it
reads the project's Dashboard and hands it to ``ui.report_page.write_report`` (stood in for
here: the page's drawing is tested with the window's charts), and refuses bad input with one
line and exit status 2, writing nothing."""

from __future__ import annotations

import json
import sys
import types
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from irtd_annotator import cli
from irtd_annotator.cli_report import REPORT_MODULE
from irtd_annotator.domain.dashboard import Dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from review_data import ReviewData, build_review_project


@pytest.fixture()
def small(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "p.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


@pytest.fixture()
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Dashboard, Path]]:
    """A stand-in for the report page's writer: what it was given, and a report.html."""
    given: list[tuple[Dashboard, Path]] = []

    def write_report(dashboard: Dashboard, out_dir: Path) -> Path:
        given.append((dashboard, out_dir))
        out_dir.mkdir(parents=True, exist_ok=True)  # as the real writer: made when missing
        page = out_dir / "report.html"
        page.write_text("<html></html>", encoding="utf-8")
        return page

    module: Any = types.ModuleType(REPORT_MODULE)
    module.write_report = write_report
    module.check_folder = lambda _out_dir: None  # the real one's rules: test_report_fixes.py
    monkeypatch.setitem(sys.modules, REPORT_MODULE, module)
    return given


def test_report_reads_the_dashboard_and_writes_the_page(
        small: ReviewData, tmp_path: Path, drawn: list[tuple[Dashboard, Path]],
        capsys: pytest.CaptureFixture[str]) -> None:
    with Project.open(small.path, create=False) as project:
        session = ReviewSession(project, annotator="ann")
        for sid in sorted(small.caption.values())[:2]:
            session.set_status(sid, "rejected", reason="hallucination")
    out = tmp_path / "reports" / "week 49"
    (tmp_path / "reports").mkdir()
    assert cli.main(["report", "--db", str(small.path), "--out", str(out),
                     "--since", "2026-11-01"]) == 0
    (dashboard, folder), = drawn
    assert folder == out and (out / "report.html").is_file()
    assert dashboard.since == "2026-11-01" and dashboard.reject_reasons == {"hallucination": 2}
    assert dashboard.total == len(small.grounding) * 3 + len(small.flir)
    said = capsys.readouterr().out
    assert f"wrote {out / 'report.html'}: {dashboard.total} samples, 2 decided" in said
    assert cli.main(["report", "--db", str(small.path), "--out", str(out)]) == 0  # again
    assert drawn[1][0].since is None
    assert date.fromisoformat(drawn[1][0].until[:10])


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and err.startswith("irtd-annotator: error:")
    return err


def test_bad_input_is_one_line_and_writes_nothing(
        small: ReviewData, tmp_path: Path, drawn: list[tuple[Dashboard, Path]],
        capsys: pytest.CaptureFixture[str]) -> None:
    db = str(small.path)
    images = tmp_path / "images"
    images.mkdir()
    with Project.open(small.path, create=False) as project:
        project.set_setting("image_roots", {"*": str(images)})
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    cases = {
        "does not exist": ["--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "r")],
        "holds the project": ["--db", db, "--out", str(tmp_path)],
        "inside the image folder": ["--db", db, "--out", str(images / "report")],
        "exists and is not a folder": ["--db", db, "--out", str(a_file)],
        "cannot be made": ["--db", db, "--out", str(a_file / "report")],
        "give a date as YYYY-MM-DD": ["--db", db, "--out", str(tmp_path / "r"),
                                      "--since", "last week"],
        "is after today": ["--db", db, "--out", str(tmp_path / "r"), "--since",
                           (datetime.now(timezone.utc).date() + timedelta(days=1)).isoformat()],
    }
    for words, argv in cases.items():
        assert words in _refused(["report", *argv], capsys)
    assert drawn == [] and sorted(p.name for p in tmp_path.iterdir()) == before
    assert not any(images.iterdir())


def test_without_the_page_writer_it_says_so_in_one_line(
        small: ReviewData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, REPORT_MODULE, None)  # an import of it fails
    err = _refused(["report", "--db", str(small.path), "--out", str(tmp_path / "r")], capsys)
    assert "cannot draw the report page" in err


def test_the_folder_the_project_was_imported_from_is_refused(
        tmp_path: Path, store_target: str, drawn: list[tuple[Dashboard, Path]],
        capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    sample = {"id": "1", "image": ["/data/Data4MLLM/63-FLIR_ADAS/video/0001.jpg"], "conversations": [
        {"from": "human", "value": "<image>\nLocate all person from left to right."},
        {"from": "gpt", "value": "<ref>person</ref> at <pos>[(100, 200)]</pos>"}]}
    (inputs / "Location.json").write_text(json.dumps([sample]), encoding="utf-8")
    db = store_target
    assert cli.main(["import", str(inputs / "Location.json"), "--db", db, "--quiet"]) == 0
    capsys.readouterr()
    err = _refused(["report", "--db", db, "--out", str(inputs)], capsys)
    assert "it holds Location.json, a file the project was imported from" in err
    assert drawn == [] and [p.name for p in inputs.iterdir()] == ["Location.json"]
