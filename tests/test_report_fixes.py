"""What the adversarial tester found in the report page and its charts (issue 15): labels that
merged two days, a folder of the user's overwritten, a page drawn only with a screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QChartView, QStackedBarSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsTextItem

from dashboard_data import sample_dashboard
from irtd_annotator import cli
from irtd_annotator.domain.dashboard import ReviewerDay, Throughput
from irtd_annotator.services.dashboard import read_dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.dashboard.charts import LIGHT, Chart, build_charts
from irtd_annotator.ui.report_page import PAGE_NAME, write_report
from review_data import ReviewData, build_review_project


@pytest.fixture()
def small(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "p.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


def files_in(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` by relative path: a file's bytes, None for a folder."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_days_a_year_apart_are_two_bars_with_the_whole_date(qtbot: object) -> None:
    dashboard = replace(sample_dashboard(), since="2025-01-01", per_day=(
        ReviewerDay("bob", "2025-12-05", 900), ReviewerDay("alice", "2026-12-05", 412)))
    chart, = (c.chart for c in build_charts(dashboard, LIGHT, only={"decisions_per_day"}))
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QBarCategoryAxis)
    assert axis.categories() == ["2025-12-05", "2026-12-05"]  # not one "12-05"
    series = chart.series()[0]
    assert isinstance(series, QStackedBarSeries | QBarSeries)
    values = {s.label(): [s.at(i) for i in range(s.count())] for s in series.barSets()}
    assert values == {"alice": [0.0, 412.0], "bob": [900.0, 0.0]}


def test_days_within_one_year_keep_the_short_label(qtbot: object) -> None:
    chart, = (c.chart for c in build_charts(sample_dashboard(), LIGHT,
                                            only={"decisions_per_day"}))
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QBarCategoryAxis)
    labels = axis.categories()
    assert len(labels) == 30 and labels[-1] == "12-05" and len(set(labels)) == 30


@pytest.mark.parametrize("mine", [
    {"throughput.png": b"my own chart", "notes.txt": b"my notes"},
    {"throughput.png": b"my own chart", "drafts.png": b"another"},  # PNGs with no page
    {"report.html": b"<html>my page</html>", "audits.png": b"mine"},  # a page not ours
    {"report.html/": b""},  # a folder named as the page: it could never be written
])
def test_a_folder_of_the_users_is_refused_and_left_as_it_was(
        qtbot: object, small: ReviewData, tmp_path: Path, mine: dict[str, bytes],
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    for name, data in mine.items():
        if name.endswith("/"):
            (out / name).mkdir()
        else:
            (out / name).write_bytes(data)
    before = files_in(out)
    err = refused(["report", "--db", str(small.path), "--out", str(out)], capsys)
    assert err.startswith(f"irtd-annotator: error: will not write the report page into {out}: it")
    assert err.endswith("; give a new or empty folder")
    assert files_in(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "p.db"]  # no temporary left


def test_an_earlier_page_is_written_again_and_loses_its_stale_pngs(
        qtbot: object, tmp_path: Path) -> None:
    out = tmp_path / "weekly"
    write_report(sample_dashboard(), out)
    assert (out / "audits.png").is_file()
    write_report(replace(sample_dashboard(), audits=()), out)  # no audits now
    assert not (out / "audits.png").exists() and (out / PAGE_NAME).is_file()
    assert all(p.suffix == ".png" or p.name == PAGE_NAME for p in out.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weekly"]


def test_an_empty_out_is_refused_and_missing_parents_are_made(
        qtbot: object, small: ReviewData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for empty in ("", "  "):
        assert "--out is empty" in refused(["report", "--db", str(small.path), "--out", empty],
                                           capsys)
    assert not any(here.iterdir())
    deep = tmp_path / "a" / "b" / "c"
    assert cli.main(["report", "--db", str(small.path), "--out", str(deep)]) == 0
    assert (deep / PAGE_NAME).is_file()
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["c"]  # no temporary left


def run_without_a_screen(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The CLI in a shell whose Qt platform is a desktop's (xcb) with no display to reach."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    code = "import sys; from irtd_annotator import cli; sys.exit(cli.main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_report_and_export_draw_the_page_with_a_desktop_platform_and_no_display(
        small: ReviewData, tmp_path: Path) -> None:
    with Project.open(small.path, create=False) as project:  # something to export
        ReviewSession(project, annotator="ann").set_status(min(small.caption.values()),
                                                           "approved")
    done = run_without_a_screen(["report", "--db", str(small.path), "--out",
                                 str(tmp_path / "page"), "--quiet"])  # nothing but Qt's words
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and (tmp_path / "page" / PAGE_NAME).is_file()
    release = tmp_path / "release"
    done = run_without_a_screen(["export", "--db", str(small.path), "--out", str(release),
                                 "--quiet", "--with-report-page"])
    assert done.returncode == 0, done.stderr
    assert (release / "manifest.json").is_file() and (release / "report" / PAGE_NAME).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.db", "page", "release"]


def texts_drawn(chart: Chart) -> list[str]:
    """Every text the chart draws (title, axis labels, legend), as the reader sees it."""
    view = QChartView(chart.chart)
    view.resize(900, chart.height)
    view.grab()  # lays out and draws: the labels exist only then
    drawn = []
    for item in view.scene().items():
        shape = item.toGraphicsObject()  # Qt Charts' labels are QGraphicsTextItems, unwrapped
        if shape is not None and shape.inherits("QGraphicsTextItem"):
            text = shiboken6.wrapInstance(shiboken6.getCppPointer(shape)[0], QGraphicsTextItem)
            drawn.append(text.toPlainText())
    return drawn


def test_names_in_the_charts_are_shown_as_written_not_as_markup(qtbot: object) -> None:
    name, icon = "<script>x</script> & co", '<img src="a.png">'
    base = sample_dashboard()
    dashboard = replace(
        base, by_source=(replace(base.by_source[0], group=name), *base.by_source[1:]),
        per_day=(ReviewerDay(name, "2026-12-05", 3), ReviewerDay("ana", "2026-12-05", 1)),
        throughput=(Throughput(icon, 3, 1.0, 3.0),), reject_reasons={icon: 2},
        audits=(replace(base.audits[0], audit=name),))
    charts = {c.name: c for c in build_charts(dashboard, LIGHT)}
    per_day = charts["decisions_per_day"]
    series = per_day.chart.series()[0]
    assert isinstance(series, QStackedBarSeries) and per_day.tip is not None
    # hovering the day's bar (the dock passes the set's label): the reviewer's count
    tips = [per_day.tip(bar_set.label(), 29) for bar_set in series.barSets()]
    assert "3 decisions" in tips[0] and "1 decision" in tips[1]
    for chart, shown in (("progress_by_source", name), ("decisions_per_day", name),
                         ("throughput", icon), ("reject_reasons", icon), ("audits", name)):
        assert any(shown in text for text in texts_drawn(charts[chart])), chart


def test_an_empty_projects_progress_is_one_line_like_every_empty_chart(
        qtbot: object, tmp_path: Path) -> None:
    empty = replace(sample_dashboard(), totals=dict.fromkeys(sample_dashboard().totals, 0),
                    by_task=(), by_source=(), per_day=(), throughput=(), reject_reasons={},
                    warning_kinds={}, drafts=(), audits=())
    page = write_report(empty, tmp_path / "out").read_text(encoding="utf-8")
    for title in ("Progress per task", "Progress per source"):
        assert f'<p class="empty">{title}: none</p>' in page
    assert "<img" not in page and not list((tmp_path / "out").glob("*.png"))


def test_sources_are_in_the_order_of_their_numbers(
        tmp_path: Path, store_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["23-Alpha", "4-Beta", "63-FLIR_ADAS", "6-Gamma", "53-Delta"]
    samples = [{"id": str(n), "image": [f"/data/Data4MLLM/{name}/video/{n:04d}.jpg"],
                "conversations": [
                    {"from": "human", "value": "<image>\nLocate all person from left to right."},
                    {"from": "gpt", "value": "<ref>person</ref> at <pos>[(100, 200)]</pos>"}]}
               for n, name in enumerate(names)]
    (tmp_path / "Location.json").write_text(json.dumps(samples), encoding="utf-8")
    assert cli.main(["import", str(tmp_path / "Location.json"), "--db", store_target,
                     "--quiet"]) == 0, capsys.readouterr().err
    with Project.open(store_target, create=False) as project:
        shown = [bar.group for bar in read_dashboard(project).by_source]
    # the dock and the page draw them in this order (a string sort: 23-, 4-, 53-, 6-, 63-)
    assert shown == ["4-Beta", "6-Gamma", "23-Alpha", "53-Delta", "63-FLIR_ADAS"]
