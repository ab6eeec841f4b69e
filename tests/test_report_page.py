"""The report page (issue 15): one self-contained report.html with the totals, the period and
every chart as an embedded PNG, plus each chart as a PNG file; drawn without a screen."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from dashboard_data import sample_dashboard
from irtd_annotator import cli
from irtd_annotator.domain.errors import UserError
from irtd_annotator.ui.dashboard.charts import FRAME_PX, LIGHT, ROW_PX, build_charts
from irtd_annotator.ui.report_page import PAGE_NAME, write_report
from irtd_annotator.ui.status_colours import STATUS_COLOURS
from review_data import build_review_project

CHARTS = ("progress_by_task", "progress_by_source", "decisions_per_day", "throughput",
          "reject_reasons", "warning_kinds", "drafts", "audits")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def colours_in(image: QImage) -> set[str]:
    """The colours of every 3rd pixel of every 3rd row (enough to meet each bar)."""
    return {QColor(image.pixel(x, y)).name() for y in range(0, image.height(), 3)
            for x in range(0, image.width(), 3)}


def test_the_page_holds_the_totals_the_period_and_every_chart(qtbot: object, tmp_path: Path) -> None:
    dashboard = sample_dashboard()
    page = write_report(dashboard, tmp_path / "out")
    assert page == tmp_path / "out" / PAGE_NAME
    html = page.read_text(encoding="utf-8")
    assert f"<th>Samples</th><td>{dashboard.total:,}</td>" in html
    decided = sum(dashboard.totals[s] for s in ("approved", "accepted", "rejected"))
    assert f"<td>{decided:,} (" in html
    for status, n in dashboard.totals.items():
        assert re.search(rf"{status}</th><td>{n:,}</td>", html), status
    assert "Decisions from 2026-11-06 to 2026-12-05" in html
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', html)
    assert len(images) == len(CHARTS)
    for name, data in zip(CHARTS, images):
        png = (tmp_path / "out" / f"{name}.png").read_bytes()
        assert base64.b64decode(data) == png and png.startswith(PNG_MAGIC)
    # self-contained: nothing fetched, nothing run
    assert not re.search(r"https?:|<script|<link|@import|src=\"(?!data:)", html)
    # the progress chart is drawn, in the queue's colours
    drawn = colours_in(QImage(str(tmp_path / "out" / "progress_by_task.png")))
    assert {STATUS_COLOURS[s] for s in ("pending", "approved", "rejected")} <= drawn


def test_an_unwritable_folder_is_one_clear_line(qtbot: object, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(UserError) as caught:
        write_report(sample_dashboard(), blocker / "out")
    message = str(caught.value)
    assert message.startswith("cannot write the report into ") and "\n" not in message
    assert not (blocker / "out").exists()


def test_the_page_is_written_without_a_screen_or_an_application(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                            "QT_QPA_PLATFORM")}
    tests = Path(__file__).parent
    code = ("import sys; from pathlib import Path; from dashboard_data import sample_dashboard; "
            "from irtd_annotator.ui.report_page import write_report; "
            "print(write_report(sample_dashboard(), Path(sys.argv[1])).name)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")], env=env,
                          cwd=tests, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == PAGE_NAME
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == sorted(
        f"{name}.png" for name in CHARTS)


def test_a_fresh_project_gives_each_empty_chart_one_line_and_no_png(
        qtbot: object, tmp_path: Path, llvip_dir: Path, irtd_files: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = build_review_project(tmp_path / "p.db", llvip_dir=llvip_dir, irtd_files=irtd_files)
    out = tmp_path / "out"
    write_report(sample_dashboard(), out)  # an earlier page: it showed audits then
    assert (out / "audits.png").exists()
    assert cli.main(["report", "--db", str(data.path), "--out", str(out)]) == 0, (
        capsys.readouterr().err)
    html = (out / PAGE_NAME).read_text(encoding="utf-8")
    # no decisions, edits, audits or rejections yet: a line each, not a 300 px empty image
    for name, title in (("decisions_per_day", "Decisions per reviewer per day, "),
                        ("throughput", "Throughput: "), ("reject_reasons", "Rejection reasons "),
                        ("drafts", "LLM drafts: "), ("audits", "Audits: ")):
        assert not (out / f"{name}.png").exists(), name
        assert re.search(rf'<p class="empty">{re.escape(title)}([^<\n]*: )?none( edited)?( yet)?</p>', html), name
        assert f'<img alt="{title}' not in html
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', html)
    drawn = sorted(p.name for p in out.glob("*.png"))
    assert {"progress_by_task.png", "progress_by_source.png"} <= set(drawn)
    assert len(images) == len(drawn)


def test_a_long_source_name_keeps_its_count_and_a_small_chart_its_own_height(
        qtbot: object, tmp_path: Path) -> None:
    long_name = "57-KAIST_Multispectral_Pedestrian_Detection_Benchmark_Thermal_Subset_2015"
    base = sample_dashboard()
    bars = (*base.by_source[:-1], replace(base.by_source[-1], group=long_name))
    dashboard = replace(base, by_source=bars, reject_reasons={"wrong count": 3, "other": 1})
    charts = {c.name: c.chart for c in build_charts(dashboard, LIGHT)}
    axis = charts["progress_by_source"].axes(Qt.Orientation.Vertical)[0]
    label = next(c for c in axis.categories() if c.startswith("57-"))
    # the name loses its middle, never the count after it (Qt would cut the end with "…")
    assert label.endswith(f"Subset_2015  {bars[-1].total:,}") and "…" in label
    assert len(label) < len(long_name)
    page = write_report(dashboard, tmp_path / "out").read_text(encoding="utf-8")
    assert "numbers as of 2026-12-05 10:00 UTC." in page  # not the ISO stamp
    # two rejection reasons: two bars at their height, not stretched to 300 px
    height = QImage(str(tmp_path / "out" / "reject_reasons.png")).height()
    assert height == FRAME_PX + 2 * ROW_PX
