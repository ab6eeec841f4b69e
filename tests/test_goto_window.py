"""Go to (Ctrl+G) in the real window (issue 13): type a sample id, a task and original id or
an image file name, Return, and the panel shows that sample; nothing found keeps the dialog
open with one line saying so. Driven by key clicks on the window and the dialog's line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.ui.goto import GoToDialog
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData
from test_goto_search import NUMBERED, _two_pairs
from test_main_window import Errors, activate, key, open_window, shown, store


@pytest.fixture()
def win(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    window, errors = open_window(qtbot, str(data.path))
    # sample 17's images are not on disk: the once-per-sitting question is answered (its own
    # tests are in test_decide_keys); here A is about where the keys land
    window.review_keys.approve_without_images = True
    yield window, errors
    window.close()


def _go_to(qtbot: QtBot, window: MainWindow, typed: str) -> GoToDialog:
    """Ctrl+G on the window, the text typed into the dialog's line, Return."""
    key(qtbot, window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(GoToDialog)
    assert dialog is not None and dialog.isVisible()
    # the dialog gets the keys, as a window manager makes it active (offscreen does not)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.edit)
    qtbot.keyClicks(dialog.edit, typed)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    return dialog


def _remark(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def test_ctrl_g_17_return_shows_sample_17(qtbot: QtBot, win: tuple[MainWindow, Errors]) -> None:
    window, errors = win
    assert shown(window) != 17
    dialog = _go_to(qtbot, window, "17")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert shown(window) == 17 and window.panel.sample_id == 17
    assert window.queue is not None and window.queue.current_id() == 17
    assert errors == []


def test_task_and_original_id_and_hash_id(qtbot: QtBot, data: ReviewData,
                                          win: tuple[MainWindow, Errors]) -> None:
    window, _errors = win
    _go_to(qtbot, window, "location 190003")  # the task's name in any case
    assert window.panel.sample_id == data.location["190003"]
    _go_to(qtbot, window, "Grounding 1")  # IR-TD's id 1 of Detection.json
    assert window.panel.sample_id == data.flir[1]
    _go_to(qtbot, window, "#16")
    assert window.panel.sample_id == 16


def test_file_name_shows_the_first_of_its_samples_in_queue_order(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, _errors = win
    assert window.queue is not None
    _go_to(qtbot, window, "190004.jpg")
    assert window.panel.sample_id == data.grounding["190004"]  # first by id
    assert _remark(window) == "3 samples match; showing the first"
    # without the extension, a path tail, another case; the queue sorted by task
    window.queue.set_filter(QueueFilter(sort="task", descending=True))
    _go_to(qtbot, window, "Infrared/Test/190005")
    assert window.panel.sample_id == data.location["190005"]  # Location > Grounding > Caption
    _go_to(qtbot, window, "FLIR_01615")
    assert window.panel.sample_id == data.flir[1]
    assert _remark(window) == f"Sample {data.flir[1]}"


def test_nothing_found_keeps_the_dialog_open_with_one_line_and_esc_closes(
        qtbot: QtBot, win: tuple[MainWindow, Errors]) -> None:
    window, errors = win
    before = shown(window)
    dialog = _go_to(qtbot, window, "999999")
    assert dialog.isVisible()
    assert dialog.message.isVisible() and dialog.message.text() == "No sample 999999"
    assert shown(window) == before
    qtbot.keyClicks(dialog.edit, "Location 424242")  # the text was selected: replaced
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert dialog.message.text() == "No Location sample with original id 424242"
    qtbot.keyClicks(dialog.edit, "nowhere/190001.jpg")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert dialog.message.text() == "No sample of an image named nowhere/190001.jpg"
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert shown(window) == before and errors == []


def test_a_sample_the_filter_hides_is_pinned_said_so_and_reviewable(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, errors = win
    assert window.queue is not None
    window.queue.set_filter(QueueFilter(statuses=("approved",)))  # selects nothing
    assert shown(window) is None
    _go_to(qtbot, window, "17")
    assert shown(window) == 17 and window.queue.current_id() == 17  # pinned in the queue
    assert "the queue's filter hides it" in _remark(window)
    activate(qtbot, window)  # as the window manager does when the dialog closes
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    key(qtbot, window, Qt.Key.Key_A)  # review keys act on the pinned sample
    assert store(data, "SELECT status FROM samples WHERE id=17") == [("approved",)]
    assert errors == []


def test_go_to_is_in_the_go_menu_and_the_shortcuts_table(win: tuple[MainWindow, Errors]) -> None:
    window, _errors = win
    action = window.actions_by_name["go_to"]
    assert action in window.menus["&Go"].actions() and action.isEnabled()
    assert [s.toString() for s in action.shortcuts()] == ["Ctrl+G"]


def test_go_to_from_an_editor_gives_the_keys_back_to_the_window(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, errors = win
    before = store(data, "SELECT idx, text FROM turns WHERE sample_id=17 ORDER BY idx")
    key(qtbot, window, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: window.panel.turn_editor(1).hasFocus())
    dialog = _go_to(qtbot, window, "17")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert shown(window) == 17
    key(qtbot, window, Qt.Key.Key_A)  # approves; types nothing into sample 17's answer
    assert store(data, "SELECT status FROM samples WHERE id=17") == [("approved",)]
    assert store(data, "SELECT idx, text FROM turns WHERE sample_id=17 ORDER BY idx") == before
    assert errors == []


def test_numbered_file_names_go_to_the_file_and_ids_say_an_image_is_named_so(
        qtbot: QtBot, tmp_path: Path) -> None:
    """M5: "0002" is LLCM's 0002.jpg (not sample 2); "1" is sample 1, and the status bar
    says an image 1.jpg exists too."""
    location = str(tmp_path / "numbered.db")
    _two_pairs(location, *NUMBERED)
    window, errors = open_window(qtbot, location)
    try:
        window.review_keys.approve_without_images = True
        key(qtbot, window, Qt.Key.Key_J)
        qtbot.waitUntil(lambda: shown(window) == 2)
        dialog = _go_to(qtbot, window, "0002")
        qtbot.waitUntil(lambda: not dialog.isVisible())
        assert shown(window) == 1 and _remark(window) == "Sample 1"
        _go_to(qtbot, window, "3")
        qtbot.waitUntil(lambda: not dialog.isVisible())
        _go_to(qtbot, window, "1")
        qtbot.waitUntil(lambda: not dialog.isVisible())
        assert shown(window) == 1
        assert _remark(window) == "Sample 1; an image 1.jpg exists too: type 1.jpg"
        _go_to(qtbot, window, "FLIR_03641.jpg")
        qtbot.waitUntil(lambda: not dialog.isVisible())
        assert shown(window) == 3
        assert errors == []
    finally:
        window.close()
