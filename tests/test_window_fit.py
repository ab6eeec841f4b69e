"""The window fits the screen it opens on, from 1366x768 up (issue 13): its frame, every dock
usable, the toolbars on one row with no tool behind ">>", the queue's short columns in view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtWidgets import QMainWindow, QScrollArea, QToolBar, QToolButton
from pytestqt.qtbot import QtBot

from irtd_annotator.ui import screen_fit
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.queue.model import COLUMN_OF
from irtd_annotator.ui.settings import AppSettings
from review_data import ReviewData, build_review_project
from test_main_window import open_window

LAPTOP = QRect(0, 0, 1366, 768)       # the commonest laptop screen
LAPTOP_PANEL = QRect(0, 0, 1366, 728)  # ... with a desktop panel of 40 px at the bottom
# a usable dock: the queue shows its filters and short columns, the panel its editors, and
# the images keep a third of the width
MIN_QUEUE, MIN_PANEL, MIN_IMAGES = 300, 300, 400


@pytest.fixture()
def data(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


def small_screen(monkeypatch: pytest.MonkeyPatch, area: QRect) -> None:
    """The screen the window opens on has ``area`` available (the test's own is larger)."""
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _widget: QRect(area))


@pytest.fixture()
def laptop(qtbot: QtBot, data: ReviewData, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    small_screen(monkeypatch, LAPTOP)
    win, errors = open_window(qtbot, str(data.path))
    qtbot.waitUntil(lambda: win.queue is not None and win.queue.model.rowCount() > 0)
    yield win
    assert errors == []
    win.close()


def inside(rect: QRect, area: QRect) -> bool:
    return area.contains(rect.topLeft()) and area.contains(rect.bottomRight())


def hidden_tools(bar: QToolBar) -> list[str]:
    """The toolbar's actions a user cannot click: behind the ">>" extension or not shown."""
    hidden = []
    for action in bar.actions():
        if action.isSeparator():
            continue
        widget = bar.widgetForAction(action)
        if widget is None or not widget.isVisible() or not bar.rect().contains(widget.geometry()):
            hidden.append(action.objectName() or action.text())
    return hidden


def extension_shown(bar: QToolBar) -> bool:
    return any(button.isVisible() for button in bar.findChildren(QToolButton)
               if button.objectName() == "qt_toolbar_ext_button")


def test_the_window_opens_inside_a_small_screen_with_every_dock_usable(
        laptop: MainWindow) -> None:
    win = laptop
    assert inside(win.frameGeometry(), LAPTOP), win.frameGeometry()
    assert win.width() >= 1300  # it uses the screen, too
    assert win.queue is not None
    assert win.queue.width() >= MIN_QUEUE and win.panel_dock.width() >= MIN_PANEL
    assert win.pair_view.width() >= MIN_IMAGES
    for dock in (win.queue, win.panel_dock):
        assert inside(dock.geometry(), win.rect()) and dock.isVisible()
    # the sample panel never scrolls sideways, even beside its vertical scroll bar
    holder = win.panel_dock.widget()
    assert isinstance(holder, QScrollArea)
    bar = holder.verticalScrollBar().sizeHint().width()
    assert win.panel.minimumSizeHint().width() + bar <= holder.width() - 2 * holder.frameWidth()


def test_no_tool_is_hidden_behind_the_toolbar_extension_at_1366(laptop: MainWindow) -> None:
    bars = laptop.findChildren(QToolBar)
    assert {bar.objectName() for bar in bars} >= {"reviewToolbar", "geometryToolbar"}
    for bar in bars:
        if bar.isVisible():
            assert not extension_shown(bar), bar.objectName()
            assert hidden_tools(bar) == [], bar.objectName()
    # the words stay on the decisions; the other tools are icons that say what they do
    approve = laptop.toolbar.widgetForAction(laptop.actions_by_name["approve"])
    assert isinstance(approve, QToolButton) and approve.text() == "Approve"
    for bar in (laptop.toolbar, laptop.editing_ui.toolbar):
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if not action.isSeparator() and widget is not None:
                assert widget.toolTip() or action.toolTip(), action.objectName()
                if isinstance(widget, QToolButton):
                    assert not action.icon().isNull(), action.objectName()


def test_the_queue_shows_edited_and_warnings_at_the_default_width(laptop: MainWindow) -> None:
    assert laptop.queue is not None
    table = laptop.queue.table
    header = table.horizontalHeader()
    for key in ("id", "status", "task", "source", "edited", "warnings", "held"):
        column = COLUMN_OF[key]
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert not table.isColumnHidden(column) and right <= table.viewport().width(), key
    image = COLUMN_OF["image"]  # the last column stretches over what is left
    assert header.sectionViewportPosition(image) < table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0  # nothing to scroll to


def test_a_remembered_geometry_too_big_for_this_screen_is_not_restored(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    big = QMainWindow()
    qtbot.addWidget(big)
    big.setGeometry(10, 10, 1880, 1100)  # saved on a large monitor
    AppSettings().save_window_state(QByteArray(big.saveGeometry()), QByteArray())
    small_screen(monkeypatch, LAPTOP_PANEL)
    win, _errors = open_window(qtbot, None)
    assert inside(win.frameGeometry(), LAPTOP_PANEL), win.frameGeometry()
    win.close()

    # one that fits is restored as it was
    fits = QMainWindow()
    qtbot.addWidget(fits)
    fits.setGeometry(40, 30, 1000, 600)
    AppSettings().save_window_state(QByteArray(fits.saveGeometry()), QByteArray())
    again, _errors = open_window(qtbot, None)
    assert (again.width(), again.height()) == (1000, 600)
    again.close()


def test_a_dock_layout_too_wide_for_this_screen_leaves_the_images_room(
        qtbot: QtBot, data: ReviewData, monkeypatch: pytest.MonkeyPatch) -> None:
    wide, _errors = open_window(qtbot, str(data.path))  # on a large monitor: wide docks
    assert wide.queue is not None
    wide.resizeDocks([wide.queue, wide.panel_dock], [760, 700], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: wide.queue is not None and wide.queue.width() >= 700)
    wide.close()

    small_screen(monkeypatch, LAPTOP)
    win, errors = open_window(qtbot, str(data.path))
    assert inside(win.frameGeometry(), LAPTOP)
    qtbot.waitUntil(lambda: win.pair_view.width() >= MIN_IMAGES)
    assert win.queue is not None and win.queue.width() >= MIN_QUEUE
    assert win.panel_dock.width() >= MIN_PANEL and errors == []
    win.close()


def test_the_first_start_layout_scales_with_the_window() -> None:
    queue, panel = screen_fit.default_dock_widths(1366)
    assert queue >= MIN_QUEUE and panel >= MIN_PANEL and 1366 - queue - panel >= MIN_IMAGES
    assert screen_fit.default_dock_widths(2560) == screen_fit.default_dock_widths(1920)
    rect = screen_fit.fitted_rect(LAPTOP, screen_fit.DEFAULT_SIZE)
    assert inside(rect, LAPTOP) and rect.width() < 1366 and rect.height() < 768
    big = QRect(0, 0, 2560, 1440)
    assert screen_fit.fitted_rect(big, screen_fit.DEFAULT_SIZE).size() == screen_fit.DEFAULT_SIZE
