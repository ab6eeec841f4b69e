"""The Dashboard at 1366x768 (issue 15): opened with Ctrl+Shift+D it sits beside the queue,
not under it, so the queue keeps its rows; its charts go one to a row where two would be cut;
and a window layout saved before (the old corners) comes back with the queue's corner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, Qt
from pytestqt.qtbot import QtBot

from irtd_annotator.ui.dashboard.dock import MIN_CHART_WIDTH
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings
from review_data import ReviewData, build_review_project
from test_dashboard_window import open_dashboard
from test_main_window import open_window
from test_window_fit import LAPTOP, small_screen


@pytest.fixture()
def data(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


def laptop_window(qtbot: QtBot, data: ReviewData) -> MainWindow:
    win, errors = open_window(qtbot, str(data.path))
    qtbot.waitUntil(lambda: win.queue is not None and win.queue.model.rowCount() > 0)
    assert (win.width(), win.height()) <= (1366, 768) and not errors
    return win


def queue_rows(win: MainWindow) -> int:
    """How many rows the queue's table has room to show."""
    assert win.queue is not None
    table = win.queue.table
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


@pytest.fixture()
def laptop(qtbot: QtBot, data: ReviewData, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    small_screen(monkeypatch, LAPTOP)
    win = laptop_window(qtbot, data)
    yield win
    win.close()


def test_the_queue_keeps_its_rows_with_the_dashboard_open(
        qtbot: QtBot, laptop: MainWindow) -> None:
    win = laptop
    before = queue_rows(win)
    assert before >= 10
    open_dashboard(qtbot, win)
    dock = win.dashboard.dock
    qtbot.waitUntil(lambda: dock.height() >= win.height() // 2)  # room for the charts
    assert queue_rows(win) >= before - 2
    assert dock.geometry().left() >= win.queue.geometry().right()  # type: ignore[union-attr]


def test_the_charts_go_one_to_a_row_where_two_would_be_cut(
        qtbot: QtBot, laptop: MainWindow) -> None:
    win = laptop
    open_dashboard(qtbot, win)
    dock = win.dashboard.dock
    qtbot.waitUntil(lambda: dock.height() >= win.height() // 2)
    width = dock.scroller.viewport().width()
    assert width < 2 * MIN_CHART_WIDTH  # beside the queue at 1366 px: one to a row
    lefts = {view.geometry().left() for view in dock.views}
    assert len(lefts) == 1 and all(v.width() >= MIN_CHART_WIDTH for v in dock.views)
    win.resizeDocks([win.queue], [300], Qt.Orientation.Horizontal)  # type: ignore[list-item]
    qtbot.waitUntil(lambda: dock.scroller.viewport().width() >= 2 * MIN_CHART_WIDTH + 6)
    qtbot.waitUntil(lambda: len({view.geometry().left() for view in dock.views}) == 2)


def test_a_layout_saved_with_the_old_corners_keeps_the_queue_tall(
        qtbot: QtBot, data: ReviewData, monkeypatch: pytest.MonkeyPatch) -> None:
    small_screen(monkeypatch, LAPTOP)
    old = laptop_window(qtbot, data)
    old.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
    open_dashboard(qtbot, old)  # the layout of a version before: the dock under the queue
    qtbot.waitUntil(lambda: old.dashboard.dock.height() >= old.height() // 2)
    AppSettings().save_window_state(QByteArray(old.saveGeometry()), QByteArray(old.saveState()))
    old.close_project()  # closing would save this window's layout over the old one
    old.hide()

    win = laptop_window(qtbot, data)
    dock = win.dashboard.dock
    qtbot.waitUntil(lambda: dock.isVisible() and bool(dock.views))  # restored open
    assert win.corner(Qt.Corner.BottomLeftCorner) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert win.queue is not None
    qtbot.waitUntil(lambda: queue_rows(win) >= 10)
    assert dock.geometry().left() >= win.queue.geometry().right()
    win.close()
