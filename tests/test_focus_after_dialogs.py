"""After a dialog on the way to another sample, the keys are the window's (issue 13, H3): when
a question, the reject or flag dialog closes, Qt gives the focus back to the widget that had
it, an editor that now shows the NEXT sample; it must not keep it. Also: E and Tab reach the
Re-ID grid (M2), and a move into an editor from the hints popup is visible (M4). Driven by keys
on the real window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from editing_data import answer_of, first_of_kind, import_subset, released, sample_id, stored_answer
from irtd_annotator.services.project import Project
from irtd_annotator.ui.dialogs import RejectDialog
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.sample.hints_popup import HintsPopup
from review_data import ReviewData
from test_decide_keys import Modals
from test_main_window import Errors, activate, key, open_window, shown, store

CTRL = Qt.KeyboardModifier.ControlModifier


def _in_panel(window: MainWindow) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and window.panel.isAncestorOf(focus)


@contextmanager
def _answering(qtbot: QtBot, db: Path) -> Iterator[tuple[MainWindow, Errors, Modals]]:
    """The window on ``db`` with its dialogs answered by ``Modals``; both ended after."""
    window, errors = open_window(qtbot, str(db))
    modals = Modals(qtbot)
    try:
        yield window, errors, modals
    finally:
        modals.timer.stop()
        window.close()


def _decide(qtbot: QtBot, window: MainWindow, modals: Modals, how: str) -> None:
    """Decide the sample shown and move on, with a dialog in between."""
    if how.startswith("reject"):
        modals.expect(RejectDialog, modals.keys(Qt.Key.Key_2, Qt.Key.Key_Return))
        if how == "reject_button":  # from a text editor R is a letter: the toolbar's Reject
            window.actions_by_name["reject"].trigger()
        else:
            key(qtbot, window, Qt.Key.Key_R)
    else:  # approve and next: its images are missing, so the once-per-sitting question
        assert not window.review_keys.approve_without_images
        modals.expect(QMessageBox, modals.keys(Qt.Key.Key_Y))
        key(qtbot, window, Qt.Key.Key_Return, CTRL)


@pytest.mark.parametrize("how", ["approve", "reject_button"])
def test_a_text_editor_does_not_get_the_keys_back_on_the_next_sample(
        qtbot: QtBot, data: ReviewData, how: str) -> None:
    with _answering(qtbot, data.path) as (window, errors, modals):
        assert window.controller is not None and window.queue is not None
        first, second, _third = data.flir  # both images missing
        window.controller.go_to(first)
        window.queue.focus_table()
        key(qtbot, window, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: _in_panel(window))
        _decide(qtbot, window, modals, how)
        assert shown(window) == second
        before = store(data, "SELECT idx, text FROM turns WHERE sample_id=? ORDER BY idx", second)
        key(qtbot, window, Qt.Key.Key_F)  # a review key: the flag dialog, never an "f" typed
        assert modals.seen[-1] == "unexpected FlagDialog"  # closed with Esc by Modals
        assert not _in_panel(window)
        key(qtbot, window, Qt.Key.Key_J)
        assert store(data, "SELECT idx, text FROM turns WHERE sample_id=? ORDER BY idx",
                     second) == before
        assert store(data, "SELECT count(*) FROM revisions WHERE sample_id=? AND action='text'",
                     second) == [(0,)]
        assert errors == []


def _project(tmp_path: Path, irtd_files: Path, name: str,
             test: Callable[[dict], bool] = lambda s: True) -> tuple[Path, list[int], list[str]]:
    samples = first_of_kind(released(irtd_files, name), count=3, test=test)
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_subset(project, tmp_path / "files", {name: samples})
        task = {"ReID.json": "Re-ID"}.get(name, "Pedestrian Counting")
        ids = [sample_id(project, task, s["id"]) for s in samples]
    return db, ids, [answer_of(s) for s in samples]


@pytest.mark.parametrize("how", ["approve", "reject"])
def test_the_reid_grid_does_not_get_the_digits_back_on_the_next_sample(
        qtbot: QtBot, tmp_path: Path, irtd_files: Path, how: str) -> None:
    db, ids, _answers = _project(tmp_path, irtd_files, "ReID.json")
    with _answering(qtbot, db) as (window, errors, modals):
        assert shown(window) == ids[0]
        grid = window.editing_ui.editors
        qtbot.mouseClick(grid.reid_buttons["5"], Qt.MouseButton.LeftButton)  # answers 5
        qtbot.waitUntil(grid.reid_buttons["5"].hasFocus)
        with Project.open(db, create=False) as project:
            assert stored_answer(project, ids[0]) == "5"
            second = stored_answer(project, ids[1])
        _decide(qtbot, window, modals, how)
        assert shown(window) == ids[1]
        digit = "3" if second != "3" else "4"
        key(qtbot, window, digit)  # the palette, not the next sample's answer
        with Project.open(db, create=False) as project:
            assert stored_answer(project, ids[1]) == second
        assert not grid.reid_page.isAncestorOf(QApplication.focusWidget())
        assert errors == []


def test_the_count_box_does_not_get_the_arrows_back_on_the_next_sample(
        qtbot: QtBot, tmp_path: Path, irtd_files: Path) -> None:
    db, ids, _answers = _project(tmp_path, irtd_files, "PedestrianCounting.json")
    with _answering(qtbot, db) as (window, errors, modals):
        assert shown(window) == ids[0]
        spin = window.editing_ui.editors.count_spin
        qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(spin.hasFocus)
        qtbot.keyClick(spin, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(spin, "50")
        _decide(qtbot, window, modals, "approve")
        assert shown(window) == ids[1]
        with Project.open(db, create=False) as project:
            assert "50" in stored_answer(project, ids[0])
            second = stored_answer(project, ids[1])
        key(qtbot, window, Qt.Key.Key_Up)  # the previous sample, not a count one higher
        assert shown(window) == ids[0]
        with Project.open(db, create=False) as project:
            assert stored_answer(project, ids[1]) == second
        assert errors == []


def test_e_puts_the_keys_on_the_reid_grid_and_tab_stays_in_the_panel(
        qtbot: QtBot, tmp_path: Path, irtd_files: Path) -> None:
    db, ids, answers = _project(tmp_path, irtd_files, "ReID.json")
    window, errors = open_window(qtbot, str(db))
    try:
        assert window.queue is not None and shown(window) == ids[0]
        grid = window.editing_ui.editors
        window.queue.focus_table()
        key(qtbot, window, Qt.Key.Key_E)  # on Re-ID the answer is the grid's
        assert grid.reid_page.isAncestorOf(QApplication.focusWidget())
        wanted = "3" if answers[0] != "3" else "4"
        key(qtbot, window, wanted)
        with Project.open(db, create=False) as project:
            assert stored_answer(project, ids[0]) == wanted  # not "3" typed into the text
        assert grid.reid_buttons[wanted].hasFocus()

        prompt, answer = window.panel.turn_editor(0), window.panel.turn_editor(1)
        where = []
        for tab in (Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Backtab,
                    Qt.Key.Key_Backtab, Qt.Key.Key_Backtab):
            key(qtbot, window, tab)
            focus = QApplication.focusWidget()
            where.append("prompt" if focus is prompt else "answer" if focus is answer else
                         "grid" if grid.reid_page.isAncestorOf(focus) else type(focus).__name__)
        assert where == ["prompt", "answer", "grid", "answer", "prompt", "grid"]
        assert errors == []
    finally:
        window.close()


def test_going_to_a_hinted_word_says_the_keys_type_there_and_the_editor_shows_it(
        qtbot: QtBot, data: ReviewData) -> None:
    with _answering(qtbot, data.path) as (window, errors, modals):
        assert window.controller is not None and window.queue is not None
        window.controller.go_to(data.caption["190001"])  # its answer says "glow red"
        window.queue.focus_table()
        prompt, answer = window.panel.turn_editor(0), window.panel.turn_editor(1)
        frame = prompt.grab().toImage().pixelColor(0, prompt.height() // 2)  # not focused
        modals.expect(HintsPopup, modals.keys(Qt.Key.Key_Return))
        key(qtbot, window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.ShiftModifier)
        assert modals.seen == ["HintsPopup"]
        activate(qtbot, window)
        qtbot.waitUntil(answer.hasFocus)
        assert window.statusBar().currentMessage() == "Editing turn 2: Esc gives the keys back"
        # the focused editor's frame is the palette's highlight, the others' is not
        focused = answer.grab().toImage().pixelColor(0, answer.height() // 2)
        assert focused == answer.palette().highlight().color() and focused != frame
        assert errors == []


def test_the_focused_editor_is_framed_in_the_highlight_of_a_dark_palette_too(
        qtbot: QtBot, data: ReviewData) -> None:
    light = QApplication.palette()
    dark = QPalette(QColor("#202020"))  # a dark theme: its own highlight frames the editor
    dark.setColor(QPalette.ColorRole.Highlight, QColor("#ff8800"))
    QApplication.setPalette(dark)
    try:
        window, errors = open_window(qtbot, str(data.path))
        try:
            assert window.controller is not None and window.queue is not None
            window.controller.go_to(data.caption["190001"])
            window.queue.focus_table()
            key(qtbot, window, Qt.Key.Key_E)
            answer = window.panel.turn_editor(1)
            qtbot.waitUntil(answer.hasFocus)
            assert answer.grab().toImage().pixelColor(0, answer.height() // 2) == \
                QColor("#ff8800")
            assert errors == []
        finally:
            window.close()
    finally:
        QApplication.setPalette(light)
