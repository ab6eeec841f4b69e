"""``irtd-annotator export --with-report-page`` (issue 15): the report page comes into the
release folder (``report/``) with the release, or not at all; it is outside the manifest's
checksummed files, and a release holding it is still one ``--force`` may replace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from irtd_annotator import cli
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from review_data import ReviewData, build_review_project


@pytest.fixture()
def small(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    data = build_review_project(tmp_path / "p.db", llvip_dir=llvip_dir, irtd_files=irtd_files)
    with Project.open(data.path, create=False) as project:
        session = ReviewSession(project, annotator="ann")
        for sid in sorted(data.caption.values())[:2]:
            session.set_status(sid, "approved")
        session.set_status(sorted(data.caption.values())[2], "rejected", reason="hallucination")
    return data


def test_export_with_the_flag_writes_the_page_beside_the_manifest(
        small: ReviewData, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "release"
    assert cli.main(["export", "--db", str(small.path), "--out", str(out), "--quiet",
                     "--with-report-page"]) == 0
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    total = len(small.grounding) * 3 + len(small.flir)
    assert f"<th>Samples</th><td>{total:,}</td>" in page
    assert "<th>Decided (approved, accepted or rejected)</th><td>3 " in page
    assert not re.search(r"https?:|<script|<link|@import|src=\"(?!data:)", page)
    assert list((out / "report").glob("*.png"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert all(not f["name"].startswith("report") for f in manifest["files"])
    capsys.readouterr()
    notes = out / "report" / "notes.txt"  # someone's file beside the page: never replaced
    notes.write_text("mine", encoding="utf-8")
    assert cli.main(["export", "--db", str(small.path), "--out", str(out), "--quiet",
                     "--force"]) == 2
    assert "not a release" in capsys.readouterr().err and notes.read_text(encoding="utf-8") == "mine"
    notes.unlink()
    # Still a release of this program: --force replaces it, and without the flag the page goes.
    assert cli.main(["export", "--db", str(small.path), "--out", str(out), "--quiet",
                     "--force"]) == 0, capsys.readouterr().err
    assert not (out / "report").exists() and (out / "manifest.json").is_file()


def test_export_without_the_flag_writes_no_page(small: ReviewData, tmp_path: Path) -> None:
    out = tmp_path / "release"
    assert cli.main(["export", "--db", str(small.path), "--out", str(out), "--quiet"]) == 0
    assert (out / "manifest.json").is_file() and not (out / "report").exists()


def test_a_page_that_cannot_be_written_leaves_no_release(
        small: ReviewData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from irtd_annotator.domain.errors import UserError
    from irtd_annotator.ui import report_page

    def refuse(*_: object) -> Path:
        raise UserError("cannot write the report into report: disk full")

    monkeypatch.setattr(report_page, "write_report", refuse)
    out = tmp_path / "release"
    assert cli.main(["export", "--db", str(small.path), "--out", str(out), "--quiet",
                     "--with-report-page"]) == 2
    assert "disk full" in capsys.readouterr().err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["p.db"]
