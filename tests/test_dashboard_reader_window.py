"""The window's Dashboard with the real reader (issue 15): no hand-built numbers, the ones
``services.dashboard.read_dashboard`` reads. A reviewer opens it (Ctrl+Shift+D), approves
with A and rejects with R, a digit and Return, and the dock's bars, its totals line and the
decisions-per-day chart follow the store; before any decision those charts say "none"
instead of drawing empty axes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QStackedBarSeries
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from irtd_annotator.services.dashboard import read_dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.dialogs import RejectDialog
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData
from test_dashboard_window import click_value, expected, open_dashboard, progress
from test_decide_keys import Modals
from test_main_window import Errors, key, open_window, shown, store


@pytest.fixture()
def win(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors, Modals]]:
    window, errors = open_window(qtbot, str(data.path), annotator="Ada")
    modals = Modals(qtbot)
    yield window, errors, modals
    modals.timer.stop()
    window.close()


def decisions_today(win: MainWindow) -> dict[str, int]:
    """Reviewer -> the height of their segment of today's bar, as drawn."""
    view = win.dashboard.dock.view_of("decisions_per_day")
    (series,) = view.chart().series()
    assert isinstance(series, QStackedBarSeries)
    (axis,) = [a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis)]
    dashboard = win.dashboard.dock.dashboard
    assert dashboard is not None
    today = axis.categories().index(dashboard.until[5:10])  # "MM-DD", the last day
    return {s.label(): int(s.at(today)) for s in series.barSets() if s.at(today)}


def test_a_and_r_through_the_window_move_the_real_readers_numbers(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, modals = win
    assert window.dashboard.reader is read_dashboard  # the services' numbers, not a stand-in
    open_dashboard(qtbot, window)
    dock = window.dashboard.dock
    assert progress(dock.view_of("progress_by_task")) == expected(data, "task")
    # nothing to draw yet: the title says so, no empty axes under it
    for name in ("decisions_per_day", "throughput", "reject_reasons", "audits"):
        chart = dock.view_of(name).chart()
        assert chart.title().endswith((": none", ": none yet")), chart.title()
        assert not chart.series() and not chart.axes()

    assert window.queue is not None
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    g1, l1 = data.grounding["190001"], data.location["190001"]
    assert shown(window) == g1
    key(qtbot, window, Qt.Key.Key_A)  # approves, and stays
    key(qtbot, window, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: shown(window) == l1)
    modals.expect(RejectDialog, modals.keys(Qt.Key.Key_2, Qt.Key.Key_Return))
    key(qtbot, window, Qt.Key.Key_R)
    assert store(data, "SELECT id, status FROM samples WHERE status != 'pending' ORDER BY id"
                 ) == sorted([(g1, "approved"), (l1, "rejected")])

    qtbot.waitUntil(lambda: progress(dock.view_of("progress_by_task"))[
        ("Location", "rejected")] == 1)
    assert progress(dock.view_of("progress_by_task")) == expected(data, "task")
    assert progress(dock.view_of("progress_by_source")) == expected(data, "source")
    (total,) = store(data, "SELECT count(*) FROM samples")[0]
    assert dock.totals.text().startswith(f"{total:,} samples · 2 decided")
    assert "approved 1 · accepted 0 · rejected 1 · flagged 0" in dock.totals.text()
    assert decisions_today(window) == {"Ada": 2}
    assert not dock.view_of("throughput").chart().title().endswith(": none")
    assert modals.seen == ["RejectDialog"] and not errors


def test_an_approve_redraws_only_the_charts_whose_numbers_moved(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, _modals = win
    open_dashboard(qtbot, window)
    dock = window.dashboard.dock
    before = {chart.name: view for chart, view in zip(dock.charts, dock.views)}
    assert window.queue is not None
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    key(qtbot, window, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: progress(dock.view_of("progress_by_task")) == expected(data, "task"))
    assert progress(dock.view_of("progress_by_source")) == expected(data, "source")
    assert decisions_today(window) == {"Ada": 1}
    moved = {"progress_by_task", "progress_by_source", "decisions_per_day", "throughput"}
    assert list(before) == [chart.name for chart in dock.charts]  # the same order
    for name, view in before.items():  # the others were not drawn again
        assert (dock.view_of(name) is view) == (name not in moved), name
    qtbot.waitUntil(lambda: all(view.isVisible() for view in dock.views))  # shown, placed

    # light <-> dark: every chart drawn again, in the new colours
    now = list(dock.views)
    palette = QPalette(dock.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dock.setPalette(palette)
    qtbot.waitUntil(lambda: all(v.chart().backgroundBrush().color() == QColor("#1e1e1e")
                                for v in dock.views))
    assert not any(view is old for view in dock.views for old in now)
    assert not errors


def test_a_reviewer_day_bar_shows_as_many_samples_in_the_queue_as_it_counts(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    """ann approved a Sample and bo rejected it the same day; ann decided another twice:
    a click on ann's part of today's bar shows the two Samples ann decided, as its tip says."""
    window, errors, _modals = win
    g1, g2 = data.grounding["190001"], data.location["190001"]
    with Project.open(str(data.path), create=False) as project:
        ann, bo = (ReviewSession(project, annotator=who) for who in ("ann", "bo"))
        ann.set_status(g1, "approved")
        bo.set_status(g1, "rejected", reason="hallucination")
        ann.set_status(g2, "approved")
        ann.set_status(g2, "flagged", note="look again")
    open_dashboard(qtbot, window)
    dock = window.dashboard.dock
    assert decisions_today(window) == {"ann": 3, "bo": 1}
    view = dock.view_of("decisions_per_day")
    (series,) = view.chart().series()
    assert isinstance(series, QStackedBarSeries)
    (axis,) = [a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis)]
    assert dock.dashboard is not None
    today = axis.categories().index(dock.dashboard.until[5:10])
    chart = next(c for c in dock.charts if c.name == "decisions_per_day")
    assert chart.tip is not None
    assert chart.tip("ann", today).endswith("ann 3 decisions on 2 samples")
    assert chart.tip("bo", today).endswith("bo 1 decision")
    queue = window.queue
    assert queue is not None
    for who, segment, samples in (("ann", QPointF(today, 1.5), 2), ("bo", QPointF(today, 3.5), 1)):
        dock.scroller.ensureWidgetVisible(view)
        click_value(qtbot, view, series, segment)
        qtbot.waitUntil(lambda w=who: queue.current_filter().decided_by == w)
        qtbot.waitUntil(lambda n=samples: queue.model.rowCount() == n)
    assert not errors
