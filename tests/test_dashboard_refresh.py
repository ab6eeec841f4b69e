"""The window's Dashboard shows decisions saved by another process (issue 15): a lead's dock
says when its numbers were read ("as of HH:MM"), reads them again on Refresh or F5, and by
itself while shown (the test sets a short interval instead of waiting a minute), but not
while a dialog holds the window, nor while the dock is hidden. The decisions come from
another connection to the same file, as the CLI's ``review`` or a teammate's would."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from irtd_annotator.domain.dashboard import Dashboard
from irtd_annotator.services.dashboard import read_dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData
from test_dashboard_window import expected, open_dashboard, progress
from test_main_window import Errors, key, open_window

Reads = list[Dashboard]


@pytest.fixture()
def win(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors, Reads]]:
    """The window on ``data`` with the real reader, each of its reads counted."""
    window, errors = open_window(qtbot, str(data.path), annotator="Lead")
    reads: Reads = []

    def counted(project: Project) -> Dashboard:
        reads.append(read_dashboard(project))
        return reads[-1]

    window.dashboard.reader = counted
    yield window, errors, reads
    window.close()


def approve_elsewhere(data: ReviewData, *names: str) -> None:
    """Bo approves the Grounding samples of the LLVIP pairs ``names`` through a connection of
    their own: no ``changed`` of the window hears of it."""
    with Project.open(str(data.path), create=False) as project:
        bo = ReviewSession(project, annotator="Bo")
        for name in names:
            bo.set_status(data.grounding[name], "approved")


def approved(win: MainWindow) -> int:
    return progress(win.dashboard.dock.view_of("progress_by_task"))[("Grounding", "approved")]


def test_refresh_shows_decisions_saved_by_another_connection_and_says_when_read(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Reads]) -> None:
    window, errors, _reads = win
    open_dashboard(qtbot, window)
    dock = window.dashboard.dock
    assert re.search(r" · as of \d\d:\d\d$", dock.totals.text()), dock.totals.text()
    assert approved(window) == 0
    approve_elsewhere(data, "190001")
    button = dock.findChild(QToolButton, "dashboardRefresh")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: approved(window) == 1)
    assert progress(dock.view_of("progress_by_task")) == expected(data, "task")
    assert dock.totals.text().startswith(f"{sum(expected(data, 'task').values()):,} samples · "
                                         "1 decided")
    assert re.search(r" · as of \d\d:\d\d$", dock.totals.text())

    # F5 with the focus in the dock (on a chart) reads them again too
    approve_elsewhere(data, "190002")
    view = dock.view_of("progress_by_task")
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    key(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: approved(window) == 2)
    assert not errors


def test_the_shown_dock_reads_others_decisions_by_itself_but_not_under_a_dialog_nor_hidden(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Reads]) -> None:
    window, errors, reads = win
    ticker = window.dashboard.ticker
    ticker.setInterval(50)  # a minute in the app
    open_dashboard(qtbot, window)
    assert ticker.isActive()
    approve_elsewhere(data, "190001")
    qtbot.waitUntil(lambda: approved(window) == 1)  # no click, no key: the tick read it

    # a dialog holds the window (Ctrl+Shift+M's): the ticks read nothing
    assert window.queue is not None
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    key(qtbot, window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.bulk.dialog is not None and window.bulk.dialog.isVisible())
    dialog = window.bulk.dialog
    assert dialog is not None
    n = len(reads)
    for _ in range(3):
        with qtbot.waitSignal(ticker.timeout):
            pass
    assert len(reads) == n
    dialog.reject()
    qtbot.waitUntil(lambda: len(reads) > n)  # the next tick reads again

    # hidden: no tick runs, and showing it again reads at once
    window.dashboard.toggle.trigger()
    qtbot.waitUntil(lambda: not window.dashboard.dock.isVisible())
    assert not ticker.isActive()
    approve_elsewhere(data, "190002")
    open_dashboard(qtbot, window)
    qtbot.waitUntil(lambda: approved(window) == 2)
    assert ticker.isActive()
    assert not errors
