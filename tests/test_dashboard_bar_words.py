"""What a dashboard bar's filter is called (issue 15): after a click on a reviewer's day, a
reject reason or a warning kind, the status bar and the bulk decision's dialog (Ctrl+Shift+M)
name that reviewer and day, that reason, that warning, as the line under the queue does;
they said "all samples" and "any status" of a queue narrowed to them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QStackedBarSeries
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from dashboard_data import sample_dashboard
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData
from test_dashboard_window import click_value, open_dashboard
from test_main_window import Errors, key, open_window


@pytest.fixture()
def win(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    window, errors = open_window(qtbot, str(data.path), annotator="Lead")
    yield window, errors
    window.close()


def bulk_dialog_says(qtbot: QtBot, window: MainWindow) -> str:
    """Ctrl+Shift+M where the bar's click left the keys (the queue): the dialog's text about
    which samples it decides; the dialog is cancelled with Escape."""
    key(qtbot, window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.bulk.dialog is not None and window.bulk.dialog.isVisible())
    dialog = window.bulk.dialog
    assert dialog is not None
    what = dialog.findChild(QLabel, "bulkWhat")
    assert what is not None
    text = what.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    return text


def test_a_reviewer_day_bar_is_named_in_the_status_bar_and_the_bulk_dialog(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, errors = win
    g1, l1 = data.grounding["190001"], data.location["190001"]
    with Project.open(str(data.path), create=False) as project:
        ann = ReviewSession(project, annotator="ann")
        ann.set_status(g1, "approved")
        ann.set_status(l1, "rejected", reason="hallucination")
    open_dashboard(qtbot, window)
    dock = window.dashboard.dock
    assert dock.dashboard is not None
    day = dock.dashboard.until[:10]
    view = dock.view_of("decisions_per_day")
    (series,) = view.chart().series()
    assert isinstance(series, QStackedBarSeries)
    (axis,) = [a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis)]
    today = axis.categories().index(day[5:])
    dock.scroller.ensureWidgetVisible(view)
    click_value(qtbot, view, series, QPointF(today, 1))  # the middle of ann's 2
    queue = window.queue
    assert queue is not None
    qtbot.waitUntil(lambda: queue.current_filter() == QueueFilter(decided_by="ann",
                                                                  decided_day=day))
    qtbot.waitUntil(lambda: queue.model.rowCount() == 2 and queue.table.hasFocus())
    said = window.statusBar().currentMessage()
    assert said == f"The queue shows the samples of the bar: any status; decided by ann on {day}"
    assert bulk_dialog_says(qtbot, window) == (
        f"All 2 samples matching the queue's filter: any status; decided by ann on {day}.")
    assert not errors


@pytest.mark.parametrize(("chart", "row", "words"), [
    ("reject_reasons", 1, "rejected; reason: wrong geometry"),
    ("warning_kinds", 0, "any status; warning: outside-image"),
])
def test_a_reason_or_warning_bar_is_named_in_the_status_bar_and_the_bulk_dialog(
        qtbot: QtBot, win: tuple[MainWindow, Errors], chart: str, row: int, words: str) -> None:
    window, errors = win
    shown = sample_dashboard()
    dashboard = dataclasses.replace(  # the filters the real reader gives these bars
        shown,
        reason_filters={r: QueueFilter(statuses=("rejected",), reasons=(r,))
                        for r in shown.reject_reasons},
        warning_filters={k: QueueFilter(warning_kinds=(k,)) for k in shown.warning_kinds})
    window.dashboard.reader = lambda _project: dashboard
    open_dashboard(qtbot, window)
    dock = window.dashboard.dock
    view = dock.view_of(chart)
    values = dashboard.reject_reasons if chart == "reject_reasons" else dashboard.warning_kinds
    name = list(values)[row]
    dock.scroller.ensureWidgetVisible(view)
    click_value(qtbot, view, view.chart().series()[0],
                QPointF(values[name] / 2, len(values) - 1 - row))  # Qt counts rows bottom up
    queue = window.queue
    assert queue is not None
    qtbot.waitUntil(lambda: name in (*queue.current_filter().reasons,
                                     *queue.current_filter().warning_kinds))
    qtbot.waitUntil(queue.table.hasFocus)
    assert window.statusBar().currentMessage() == \
        f"The queue shows the samples of the bar: {words}"
    n = queue.model.rowCount()
    assert bulk_dialog_says(qtbot, window) == (
        f"All {n:,} samples matching the queue's filter: {words}.")
    assert not errors
