"""The window's Dashboard (issue 15) used as a lead would: Ctrl+Shift+D shows it, its bars
hold the project's counts, a click on a bar filters the queue to those samples, an approve
(A) moves the numbers, and the charts follow a dark palette."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCharts import (
    QAbstractSeries,
    QBarCategoryAxis,
    QChartView,
    QHorizontalStackedBarSeries,
)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dashboard_data import counted_dashboard, sample_dashboard
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.ui.dashboard.charts import STATUS_ORDER
from irtd_annotator.ui.dashboard_ui import NO_PROJECT, NO_READER
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData, build_review_project
from test_main_window import Errors, key, open_window

Opened = tuple[MainWindow, ReviewData, Errors]


@pytest.fixture()
def window(qtbot: QtBot, tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> Iterator[Opened]:
    """The window on the review project (LLVIP's Grounding, Location and Caption samples)."""
    data = build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir, irtd_files=irtd_files)
    win, errors = open_window(qtbot, str(data.path))
    win.dashboard.reader = counted_dashboard  # the store's counts, read at every refresh
    yield win, data, errors
    win.close()


def open_dashboard(qtbot: QtBot, win: MainWindow) -> None:
    key(qtbot, win, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: win.dashboard.dock.isVisible() and bool(win.dashboard.dock.views))


def progress(view: QChartView) -> dict[tuple[str, str], int]:
    """(group, status) -> the value of that bar segment, as drawn."""
    (series,) = view.chart().series()
    assert isinstance(series, QHorizontalStackedBarSeries)
    (axis,) = [a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis)]
    groups = [label.split("  ")[0] for label in axis.categories()]
    return {(group, bar_set.label()): int(bar_set.at(i))
            for bar_set in series.barSets() for i, group in enumerate(groups)}


def expected(data: ReviewData, by: str) -> dict[tuple[str, str], int]:
    """(task or source, status) -> samples, counted in the store."""
    with Project.open(str(data.path)) as project:
        dashboard = counted_dashboard(project)
    bars = dashboard.by_task if by == "task" else dashboard.by_source
    return {(b.group, s): b.counts[s] for b in bars for s in STATUS_ORDER}


def click_bar(qtbot: QtBot, view: QChartView, group: str, status: str) -> None:
    """A left click in the middle of ``group``'s ``status`` segment."""
    (series,) = view.chart().series()
    assert isinstance(series, QHorizontalStackedBarSeries)
    (axis,) = [a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis)]
    row = [label.split("  ")[0] for label in axis.categories()].index(group)
    sets = series.barSets()
    n = [s.label() for s in sets].index(status)
    before = sum(s.at(row) for s in sets[:n])
    middle = QPointF(before + sets[n].at(row) / 2, row)
    at = view.chart().mapToScene(view.chart().mapToPosition(middle, series))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(at))


def test_ctrl_shift_d_shows_the_bars_of_the_store_counts(
        qtbot: QtBot, window: Opened) -> None:
    win, data, errors = window
    assert not win.dashboard.dock.isVisible()
    open_dashboard(qtbot, win)
    dock = win.dashboard.dock
    assert progress(dock.view_of("progress_by_task")) == expected(data, "task")
    assert progress(dock.view_of("progress_by_source")) == expected(data, "source")
    total = sum(expected(data, "task").values())
    assert dock.totals.text().startswith(f"{total:,} samples · 0 decided")
    qtbot.waitUntil(lambda: dock.height() >= win.height() // 2)  # room to read the charts
    assert not errors


def test_a_click_on_a_task_bar_filters_the_queue_to_its_samples(
        qtbot: QtBot, window: Opened) -> None:
    win, data, _errors = window
    open_dashboard(qtbot, win)
    assert win.queue is not None and win.session is not None
    click_bar(qtbot, win.dashboard.dock.view_of("progress_by_task"), "Location", "pending")
    wanted = QueueFilter(tasks=("Location",), statuses=("pending",))
    qtbot.waitUntil(lambda: win.queue is not None and win.queue.current_filter() == wanted)
    ids = win.session.query_ids(wanted)
    assert len(ids) == expected(data, "task")[("Location", "pending")] > 0
    assert set(ids) == set(data.location.values())
    qtbot.waitUntil(lambda: win.queue is not None and win.queue.table.hasFocus())


def test_an_approve_moves_the_numbers_while_the_dashboard_is_shown(
        qtbot: QtBot, window: Opened) -> None:
    win, data, _errors = window
    open_dashboard(qtbot, win)
    dock = win.dashboard.dock
    before = progress(dock.view_of("progress_by_task"))
    assert before[("Grounding", "approved")] == 0
    assert win.queue is not None
    win.queue.focus_table()
    key(qtbot, win, Qt.Key.Key_A)  # the first sample shown: a Grounding one
    qtbot.waitUntil(lambda: progress(dock.view_of("progress_by_task"))[("Grounding", "approved")] == 1)
    after = progress(dock.view_of("progress_by_task"))
    assert after[("Grounding", "pending")] == before[("Grounding", "pending")] - 1
    assert after == expected(data, "task")
    assert dock.totals.text().startswith(f"{sum(after.values()):,} samples · 1 decided")


def test_without_a_reader_the_dock_says_no_data(
        qtbot: QtBot, window: Opened) -> None:
    win, _data, errors = window
    win.dashboard.reader = None
    open_dashboard_plain(qtbot, win)
    assert win.dashboard.dock.message.text() == NO_READER
    assert win.dashboard.dock.message.isVisible() and not win.dashboard.dock.views
    assert not errors


def open_dashboard_plain(qtbot: QtBot, win: MainWindow) -> None:
    key(qtbot, win, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(win.dashboard.dock.isVisible)


def test_the_charts_follow_a_dark_palette(
        qtbot: QtBot, window: Opened) -> None:
    win = window[0]
    win.dashboard.reader = lambda _project: sample_dashboard()
    open_dashboard(qtbot, win)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = QPalette(light)
    for role, colour in ((QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Window, "#2b2b2b"),
                         (QPalette.ColorRole.Text, "#e6e6e6"),
                         (QPalette.ColorRole.WindowText, "#e6e6e6")):
        dark.setColor(role, QColor(colour))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: all(
            v.chart().backgroundBrush().color() == QColor("#1e1e1e")
            for v in win.dashboard.dock.views))
        for view in win.dashboard.dock.views:
            assert view.chart().titleBrush().color() == QColor("#e6e6e6")
    finally:
        app.setPalette(light)
    qtbot.waitUntil(lambda: all(v.chart().backgroundBrush().color() == light.color(
        QPalette.ColorRole.Base) for v in win.dashboard.dock.views))


def click_value(qtbot: QtBot, view: QChartView, series: QAbstractSeries, at: QPointF) -> None:
    """A left click on the chart where ``series`` draws the value ``at``."""
    where = view.chart().mapToScene(view.chart().mapToPosition(at, series))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(where))


def test_every_kind_of_bar_filters_the_queue_to_its_own_samples(
        qtbot: QtBot, window: Opened) -> None:
    win = window[0]
    dashboard = sample_dashboard()
    win.dashboard.reader = lambda _project: dashboard
    open_dashboard(qtbot, win)
    dock = win.dashboard.dock
    assert win.queue is not None
    # (chart, its rows, the row from the top, the value in the row's middle, its filter)
    wanted = [
        ("reject_reasons", len(dashboard.reject_reasons), 1,
         dashboard.reject_reasons["wrong geometry"] / 2, dashboard.reason_filters["wrong geometry"]),
        ("warning_kinds", len(dashboard.warning_kinds), 0,
         dashboard.warning_kinds["outside-image"] / 2, dashboard.warning_filters["outside-image"]),
        ("drafts", len(dashboard.drafts), 3, 50 * dashboard.drafts[3].share_edited,
         dashboard.drafts[3].filter),
        ("audits", len(dashboard.audits), 1,
         50 * (dashboard.audits[1].low + dashboard.audits[1].high), dashboard.audits[1].filter),
    ]
    for name, rows, row, value, flt in wanted:
        view = dock.view_of(name)
        bottom_up = rows - 1 - row  # Qt counts the rows from the bottom
        # the audits chart: an interval line and a max-error tick per row, bottom up
        series = view.chart().series()[2 * bottom_up if name == "audits" else 0]
        dock.scroller.ensureWidgetVisible(view)
        click_value(qtbot, view, series, QPointF(value, bottom_up))
        qtbot.waitUntil(lambda f=flt: win.queue is not None and win.queue.current_filter() == f)
        assert win.statusBar().currentMessage().startswith("The queue shows the samples of the bar")


def test_a_closed_project_leaves_no_numbers_behind(qtbot: QtBot, window: Opened) -> None:
    win = window[0]
    open_dashboard(qtbot, win)
    win.close_project()
    dock = win.dashboard.dock
    qtbot.waitUntil(lambda: dock.message.isVisible())
    assert dock.message.text() == NO_PROJECT and not dock.views and not dock.totals.text()


def test_a_reason_bar_says_so_under_the_queue_until_a_filter_is_changed_by_hand(
        qtbot: QtBot, window: Opened) -> None:
    """The queue dock has no widget for a reject reason: its count line names it, and a
    filter chosen by hand afterwards drops it instead of narrowing the queue unseen."""
    win = window[0]
    dashboard = dataclasses.replace(sample_dashboard(), reason_filters={
        r: QueueFilter(statuses=("rejected",), reasons=(r,)) for r in sample_dashboard().reject_reasons})
    win.dashboard.reader = lambda _project: dashboard
    open_dashboard(qtbot, win)
    queue = win.queue
    assert queue is not None
    view = win.dashboard.dock.view_of("reject_reasons")
    rows = len(dashboard.reject_reasons)
    win.dashboard.dock.scroller.ensureWidgetVisible(view)
    click_value(qtbot, view, view.chart().series()[0],
                QPointF(dashboard.reject_reasons["wrong geometry"] / 2, rows - 2))
    qtbot.waitUntil(lambda: queue.current_filter().reasons == ("wrong geometry",))
    qtbot.waitUntil(lambda: "reason: wrong geometry" in queue.count_label.text())
    queue.task_combo.setFocus()
    qtbot.keyClick(queue.task_combo, Qt.Key.Key_Down)  # a task chosen by hand
    qtbot.waitUntil(lambda: queue.current_filter().tasks != ())
    assert queue.current_filter().reasons == ()
    assert "reason" not in queue.count_label.text()
