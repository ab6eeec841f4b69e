"""The queue's selection follows the Sample shown (issue 14's tester): every way of moving the
current row (keys with or without Ctrl, J/K, next pending, Ctrl+G, clicks) leaves the rows
selected on the row shown, unless Shift extends them; so Ctrl+D decides what the reviewer
sees highlighted, never a row they moved away from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from irtd_annotator.ui.goto import GoToDialog
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData
from test_bulk_window import confirmation, focused_window, open_dialog, press, statuses
from test_main_window import Errors, key, shown

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture()
def window(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    yield from focused_window(qtbot, data)


def click(qtbot: QtBot, win: MainWindow, row: int,
          mods: Qt.KeyboardModifier = NONE) -> None:
    assert win.queue is not None
    table, model = win.queue.table, win.queue.model
    table.scrollTo(model.index(row, 0))
    spot = table.visualRect(model.index(row, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, mods, spot)


def ids(win: MainWindow) -> list[int]:
    assert win.queue is not None
    return [sid for sid in map(win.queue.model.id_at, range(win.queue.model.rowCount()))
            if sid is not None]


def highlighted(win: MainWindow) -> list[int]:
    """The rows the table paints selected, read from the view (not from the dock)."""
    assert win.queue is not None
    table = win.queue.table
    return [sid for row, sid in enumerate(ids(win))
            if table.selectionModel().isRowSelected(row)]


@pytest.mark.parametrize(("k", "mods", "end"), [
    (Qt.Key.Key_End, CTRL, -1), (Qt.Key.Key_Home, CTRL, 0), (Qt.Key.Key_End, NONE, -1),
    (Qt.Key.Key_PageDown, CTRL, None), (Qt.Key.Key_PageUp, CTRL, 0),
    # Ctrl+Down/Up show the next/previous image's sample (the window's shortcut)
    (Qt.Key.Key_Down, CTRL, None), (Qt.Key.Key_Up, CTRL, None)])
def test_a_key_that_moves_the_shown_row_selects_that_row_alone(
        qtbot: QtBot, window: tuple[MainWindow, Errors], k: Qt.Key,
        mods: Qt.KeyboardModifier, end: int | None) -> None:
    win = window[0]
    every = ids(win)
    click(qtbot, win, 3)
    assert highlighted(win) == [every[3]] and shown(win) == every[3]
    key(qtbot, win, k, mods)
    if end is not None:
        assert shown(win) == every[end]
    assert shown(win) != every[3]
    assert highlighted(win) == [shown(win)]


def test_ctrl_end_then_ctrl_d_decides_the_last_row_shown_not_the_row_clicked_before(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]  # the tester's steps: click row 3, Ctrl+End, Ctrl+D, Return, confirm
    every = ids(win)
    before = statuses(data, every)
    click(qtbot, win, 3)
    key(qtbot, win, Qt.Key.Key_End, CTRL)
    assert shown(win) == every[-1]
    dialog = open_dialog(qtbot, win)
    what = dialog.findChild(QLabel, "bulkWhat")
    assert what is not None and what.text() == "The 1 selected sample of the queue."
    box = confirmation(qtbot, win, dialog)
    press(qtbot, box, "bulkGo")
    qtbot.waitUntil(lambda: statuses(data, [every[-1]])[every[-1]][0] == "approved")
    assert statuses(data, every[:-1]) == {s: before[s] for s in every[:-1]}


def test_shift_ctrl_end_and_home_extend_the_selection_from_the_row_shown(
        qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]
    every = ids(win)
    click(qtbot, win, 2)
    key(qtbot, win, Qt.Key.Key_End, CTRL | SHIFT)
    assert shown(win) == every[-1] and highlighted(win) == every[2:]
    assert win.queue is not None and win.queue.selected_ids() == every[2:]
    key(qtbot, win, Qt.Key.Key_Home, CTRL | SHIFT)  # from the same anchor, the other way
    assert shown(win) == every[0] and highlighted(win) == every[:3]
    dialog = open_dialog(qtbot, win)
    what = dialog.findChild(QLabel, "bulkWhat")
    assert what is not None and what.text() == "The 3 selected samples of the queue."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


@pytest.mark.parametrize("how", ["J", "K", "N", "Ctrl+G", "click"])
def test_moving_with_review_keys_go_to_or_a_click_leaves_the_selection_on_the_row_shown(
        qtbot: QtBot, window: tuple[MainWindow, Errors], how: str) -> None:
    win = window[0]
    every = ids(win)
    click(qtbot, win, 2)
    for _ in range(2):
        key(qtbot, win, Qt.Key.Key_Down, SHIFT)
    assert highlighted(win) == every[2:5] and shown(win) == every[4]
    if how == "Ctrl+G":
        key(qtbot, win, Qt.Key.Key_G, CTRL)
        dialog = win.findChild(GoToDialog)
        assert dialog is not None and dialog.isVisible()
        qtbot.keyClicks(dialog.edit, str(every[7]))
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: shown(win) == every[7])
    elif how == "click":
        click(qtbot, win, 6)
    else:
        key(qtbot, win, getattr(Qt.Key, f"Key_{how}"))
    assert shown(win) != every[4]
    assert highlighted(win) == [shown(win)]
