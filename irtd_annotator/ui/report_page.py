"""The report page (issue 15): ``write_report(dashboard, out_dir)`` writes ``report.html``, one
self-contained file a lead can mail or put in a release folder, and each chart as a PNG.

The page states the totals (samples, decided, per status), the period the decisions are
counted over and the time it was read, then every chart of the dashboard, drawn by the same
builders as the window's dock (ui/dashboard/charts.py) in the light look and embedded as PNG
``data:`` URIs: no network, no script, no file beside it needed. A chart with nothing to draw
(no decisions yet, no audits, ...) is one line of the page ("TITLE: none") and no PNG. The charts are drawn on
Qt's ``offscreen`` platform when no application runs yet (ADR 0022), so ``irtd-annotator
report`` works on a machine without a screen.
"""

from __future__ import annotations

import base64
import html
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QBrush, QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from irtd_annotator.domain.dashboard import Dashboard
from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.dashboard import read_dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.folder import REPORT_FOLDER, REPORT_PAGE
from irtd_annotator.ui.dashboard.charts import (
    CHART_NAMES,
    LIGHT,
    STATUS_ORDER,
    build_charts,
    period,
)
from irtd_annotator.ui.status_colours import STATUS_COLOURS

__all__ = ["MARKER", "NO_IMAGE", "PAGE_NAME", "WIDTH_PX", "check_folder", "release_page",
           "render_report", "write_files", "write_report"]

PAGE_NAME = REPORT_PAGE
# in the page's head: a folder whose report.html has it (and nothing but the page and chart
# PNGs) is one this tool wrote, and may be written again; any other folder is the user's
MARKER = '<meta name="generator" content="irtd-annotator report">'
_OURS = frozenset({PAGE_NAME, *(f"{name}.png" for name in CHART_NAMES)})
NO_IMAGE = b""  # render_report's value for a chart with nothing to draw: no PNG
WIDTH_PX = 900  # each chart's PNG: the width of a mail or a printed page at 96 dpi
_APP: list[QApplication] = []  # the one this module made, when no other was running
_CSS = """
body { font-family: sans-serif; color: #212121; background: #fff; margin: 24px auto;
       max-width: 940px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin: 28px 0 6px; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; } td, th { padding: 3px 12px 3px 0; text-align: right; }
th { text-align: left; font-weight: normal; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 6px;
          vertical-align: baseline; }
p.empty { font-size: 15px; font-weight: bold; margin: 22px 0 0; }
img { display: block; max-width: 100%; border: 1px solid #e0e0e0; }
"""


def write_report(dashboard: Dashboard, out_dir: Path) -> Path:
    """Write ``out_dir/report.html`` and one PNG per chart into ``out_dir`` (made with its
    parents when missing); returns the page's path. A folder that is not new, empty or an
    earlier page's, or cannot be written, is one UserError, with nothing written."""
    check_folder(out_dir)  # before drawing: a folder that is the user's stops it at once
    return write_files(render_report(dashboard), out_dir)


def check_folder(out_dir: Path) -> None:
    """Refuse (UserError, one line) ``out_dir`` unless it is missing, empty, or holds an
    earlier report page (a report.html with MARKER, chart PNGs, nothing else): the page
    replaces its files and removes stale PNGs, which in any other folder are the user's."""
    reason = _foreign(out_dir)
    if reason is not None:
        raise UserError(f"will not write the report page into {out_dir}: {reason}")


def _foreign(out_dir: Path) -> str | None:
    if not out_dir.exists() and not out_dir.is_symlink():
        return None
    if not out_dir.is_dir():
        return "it exists and is not a folder"
    try:
        names = sorted(os.listdir(out_dir))
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"
    if not names:
        return None
    mine = "; give a new or empty folder"
    for name in names:
        entry = out_dir / name
        if entry.is_dir() and not entry.is_symlink():
            return f"it holds the folder {name}{mine}"
        if name not in _OURS or entry.is_symlink() or not entry.is_file():
            return f"it holds {name}, which is not a file of a report page{mine}"
    try:
        with open(out_dir / PAGE_NAME, encoding="utf-8", errors="replace") as page:
            marked = MARKER in page.read(4096)
    except OSError:  # no page: PNGs of these names, but not ours
        return f"it holds {names[0]} and no report page of irtd-annotator{mine}"
    return None if marked else f"its {PAGE_NAME} is not one irtd-annotator wrote{mine}"


def render_report(dashboard: Dashboard) -> dict[str, bytes]:
    """The page and its charts' PNGs as bytes by file name, drawn in memory (on the GUI
    thread when the window runs: Qt draws widgets there only); NO_IMAGE for a chart with
    nothing to draw."""
    _application()
    files: dict[str, bytes] = {}
    sections: list[str] = []
    for chart in build_charts(dashboard, LIGHT):
        if not chart.chart.series():  # nothing to draw: a line, not a big empty image
            sections.append(f'<p class="empty">{html.escape(chart.chart.title())}</p>')
            files[f"{chart.name}.png"] = NO_IMAGE
            continue
        png = _png(chart.chart, chart.height)
        files[f"{chart.name}.png"] = png
        data = base64.b64encode(png).decode("ascii")
        sections.append(f'<h2>{html.escape(chart.title)}</h2>\n<img alt="{html.escape(chart.title)}" '
                        f'src="data:image/png;base64,{data}">')
    files[PAGE_NAME] = _page(dashboard, sections).encode("utf-8")
    return files


def write_files(files: Mapping[str, bytes], out_dir: Path) -> Path:
    """Write ``render_report``'s files into ``out_dir`` (see ``check_folder``; no Qt: any
    thread may); returns the page's path. The files are written into a temporary folder first
    (beside a missing ``out_dir``, inside an existing one) and moved into place once all are:
    a file that cannot be written is one UserError and leaves nothing half-written."""
    check_folder(out_dir)
    fresh = not out_dir.exists()
    if fresh:
        _make(out_dir.parent)
    token = secrets.token_hex(6)
    staging = (out_dir.with_name(f".{out_dir.name}.partial-{token}") if fresh
               else out_dir / f".partial-{token}")
    _make(staging)
    try:
        for name, data in files.items():
            if data != NO_IMAGE:
                _write(staging / name, data)
        if fresh:
            _move(staging, out_dir)
        else:  # the page last: until it comes in, the old page is whole
            for name in sorted(files, key=lambda n: n == PAGE_NAME):
                if files[name] == NO_IMAGE:  # an earlier PNG of it shows what is no longer so
                    _remove(out_dir / name)
                else:
                    _move(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / PAGE_NAME


def release_page(project: Project) -> Callable[[], Callable[[Project, Path], None]]:
    """For the Export dialog's "Report page" box: a call that reads ``project``'s dashboard
    and draws the page now (the GUI thread), and returns the export's ``extras``, which
    writes the drawn files into the release's partial folder (``report/``, outside the
    manifest's checksums, as ``export --with-report-page``) on the export's worker thread."""

    def draw() -> Callable[[Project, Path], None]:
        files = render_report(read_dashboard(project))

        def extras(_project: Project, folder: Path) -> None:
            write_files(files, folder / REPORT_FOLDER)

        return extras

    return draw


def _page(d: Dashboard, sections: list[str]) -> str:
    first, last = period(d)
    decided = sum(d.totals.get(s, 0) for s in ("approved", "accepted", "rejected"))
    share = f" ({decided / d.total:.1%})" if d.total else ""
    rows = [f"<tr><th>Samples</th><td>{d.total:,}</td></tr>",
            f"<tr><th>Decided (approved, accepted or rejected)</th><td>{decided:,}{share}</td></tr>"]
    rows += [f'<tr><th><span class="swatch" style="background:{STATUS_COLOURS[s]}"></span>{s}'
             f"</th><td>{d.totals.get(s, 0):,}</td></tr>" for s in STATUS_ORDER]
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', MARKER,
        "<title>IRTD review report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>IRTD review report</h1>",
        f'<p class="meta">Decisions from {first} to {last}; numbers as of '
        f"{html.escape(_moment(d.until))}.</p>",
        "<h2>Totals</h2>", "<table>", *rows, "</table>", *sections, "</body></html>", ""])


def _moment(until: str) -> str:
    """The dashboard's read time (UTC ISO-8601) as a reader writes it: 2026-12-05 11:49 UTC."""
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        return until
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if moment.tzinfo else until


def _application() -> None:
    """Qt Charts draws with widgets: an application must run (one without a screen when
    none is running: the report is a file, never a window)."""
    if QApplication.instance() is None:
        # "-platform" overrides QT_QPA_PLATFORM: a shell's xcb or wayland without a display
        # would abort the process (exit 134) for a page that never needs a screen; kept in
        # _APP: a QApplication dropped by Python is destroyed
        _APP.append(QApplication(["irtd-annotator", "-platform", "offscreen"]))


def _png(chart: QChart, height: int) -> bytes:
    """``chart`` drawn as PNG bytes."""
    view = QChartView(chart)  # never shown: grab() lays it out and paints it
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setBackgroundBrush(QBrush(QColor(LIGHT.background)))  # no grey frame round the chart
    view.resize(WIDTH_PX, height)  # the chart's own: two bars are not stretched to 300 px
    image: QImage = view.grab().toImage()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # the stubs want bytes, Qt a str
        raise UserError(f"cannot draw the chart {chart.title()!r}")
    buffer.close()
    return bytes(data.data())


def _make(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot write the report into {folder}: {exc.strerror or exc}") from exc


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise UserError(f"cannot remove the old {path}: {exc.strerror or exc}") from exc
