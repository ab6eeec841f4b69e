"""Deciding from the keyboard and moving on (issue 13): R, a digit, Return rejects and goes to
the next pending sample; F asks an optional note and moves on the same way; approving a sample
with no image asks once per sitting; Ctrl+Shift+R reverts the focused turn; Ctrl+Shift+I lists
the focused turn's underlined words and goes to one. Driven by keys on the real window."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from irtd_annotator.domain.infrared_words import find_infrared_issues
from irtd_annotator.domain.model import RejectReason
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.actions import shortcut_rows
from irtd_annotator.ui.dialogs import FlagDialog, RejectDialog
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.sample.hints_popup import HintsPopup
from irtd_annotator.ui.sample.panel import SamplePanel
from irtd_annotator.ui.sample.text_height import MAX_LINES
from review_data import ReviewData
from test_main_window import Errors, activate, key, open_window, shown, store

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


class Modals:
    """Answers the modal dialogs the window opens, in order, with the answers queued; a
    dialog nobody expected is closed (Esc) and recorded, so a test cannot hang on it."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.answers: list[tuple[type[QWidget], Callable[[Any], None]]] = []
        self.seen: list[str] = []
        self._handled: list[QWidget] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def expect(self, kind: type[QWidget], answer: Callable[[Any], None]) -> None:
        self.answers.append((kind, answer))

    def keys(self, *keys: Qt.Key | str) -> Callable[[QWidget], None]:
        """An answer: these keys, each to the dialog's focused widget."""
        def press(dialog: QWidget) -> None:
            for k in keys:
                target = dialog.focusWidget() or dialog  # where the dialog's keys go
                if isinstance(k, str) and len(k) > 1:
                    self.qtbot.keyClicks(target, k)
                else:
                    self.qtbot.keyClick(target, k)
        return press

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog in self._handled:
            return
        self._handled.append(dialog)
        if not self.answers or not isinstance(dialog, self.answers[0][0]):
            self.seen.append(f"unexpected {type(dialog).__name__}")
            self.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
            return
        kind, answer = self.answers.pop(0)
        self.seen.append(kind.__name__)
        answer(dialog)


@pytest.fixture()
def win(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors, Modals]]:
    window, errors = open_window(qtbot, str(data.path))
    modals = Modals(qtbot)
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    yield window, errors, modals
    modals.timer.stop()
    window.close()


def _decision(data: ReviewData, sid: int) -> list[tuple]:
    return store(data, "SELECT status, reject_reason, note FROM samples WHERE id=?", sid)


def _turn_texts(data: ReviewData, sid: int) -> list[tuple]:
    return store(data, "SELECT idx, text, original FROM turns WHERE sample_id=? ORDER BY idx", sid)


def test_r_2_return_rejects_with_reason_2_and_shows_the_next_pending(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, modals = win
    g1, l1, c1 = data.grounding["190001"], data.location["190001"], data.caption["190001"]
    assert shown(window) == g1
    second = list(RejectReason)[1].value  # "wrong geometry"

    modals.expect(RejectDialog, modals.keys(Qt.Key.Key_2, Qt.Key.Key_Return))
    key(qtbot, window, Qt.Key.Key_R)
    assert _decision(data, g1) == [("rejected", second, None)]
    assert shown(window) == l1 and window.panel.sample_id == l1  # the next pending one
    assert window.panel.status_label.text() == "pending"

    # the note is one Tab away; typing it and Return rejects too, and moves on again
    modals.expect(RejectDialog, modals.keys(Qt.Key.Key_5, Qt.Key.Key_Tab, "too blurry",
                                            Qt.Key.Key_Return))
    key(qtbot, window, Qt.Key.Key_R)
    assert _decision(data, l1) == [("rejected", "ambiguous", "too blurry")]
    assert shown(window) == c1
    assert modals.seen == ["RejectDialog", "RejectDialog"] and errors == []


def test_f_asks_an_optional_note_flags_and_moves_on_and_esc_changes_nothing(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, modals = win
    g1, l1, c1 = data.grounding["190001"], data.location["190001"], data.caption["190001"]
    before = store(data, "SELECT count(*) FROM revisions")

    modals.expect(FlagDialog, modals.keys("too dark", Qt.Key.Key_Escape))
    key(qtbot, window, Qt.Key.Key_F)
    assert _decision(data, g1) == [("pending", None, None)]
    assert store(data, "SELECT count(*) FROM revisions") == before
    assert shown(window) == g1

    modals.expect(FlagDialog, modals.keys("too dark", Qt.Key.Key_Return))
    key(qtbot, window, Qt.Key.Key_F)
    assert _decision(data, g1) == [("flagged", None, "too dark")]  # the reject note's column
    assert shown(window) == l1

    modals.expect(FlagDialog, modals.keys(Qt.Key.Key_Return))  # no note: Return flags at once
    key(qtbot, window, Qt.Key.Key_F)
    assert _decision(data, l1) == [("flagged", None, None)]
    assert shown(window) == c1
    assert modals.seen == ["FlagDialog"] * 3 and errors == []


def test_approving_a_sample_without_images_asks_once_per_sitting(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, modals = win
    assert window.controller is not None and window.queue is not None
    first, second, third = data.flir  # FLIR samples: both images missing
    window.controller.go_to(first)

    modals.expect(QMessageBox, modals.keys(Qt.Key.Key_N))
    key(qtbot, window, Qt.Key.Key_A)
    assert _decision(data, first) == [("pending", None, None)]  # No: nothing changes
    assert shown(window) == first
    question = window.findChild(QMessageBox, "questionBox")
    assert question is None or "Both images of this sample are missing." in question.text()

    modals.expect(QMessageBox, modals.keys(Qt.Key.Key_Y))
    key(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # Shift+A asks too
    assert _decision(data, first) == [("approved", None, None)]
    assert shown(window) == second  # approved and on to the next pending
    assert modals.seen == ["QMessageBox", "QMessageBox"]

    # not asked again in this sitting: A, then Ctrl+Return
    key(qtbot, window, Qt.Key.Key_A)
    assert _decision(data, second) == [("approved", None, None)]
    window.controller.go_to(third)
    key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _decision(data, third) == [("approved", None, None)]
    assert modals.seen == ["QMessageBox", "QMessageBox"] and errors == []

    # a sample whose images are there never asks
    g1 = data.grounding["190001"]
    window.close()
    again, _errors = open_window(qtbot, str(data.path))
    try:
        assert again.controller is not None
        again.controller.go_to(g1)
        again.queue.focus_table()
        key(qtbot, again, Qt.Key.Key_A)
        assert _decision(data, g1) == [("approved", None, None)]
        again.controller.go_to(first)  # a new sitting asks again
        key(qtbot, again, Qt.Key.Key_U)
        modals.expect(QMessageBox, modals.keys(Qt.Key.Key_N))
        key(qtbot, again, Qt.Key.Key_A)
        assert _decision(data, first) == [("pending", None, None)]
        assert modals.seen == ["QMessageBox"] * 3
    finally:
        again.close()


def test_ctrl_shift_r_reverts_the_focused_turn_or_the_answer_in_one_undo_step(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, _modals = win
    assert window.controller is not None
    c1 = data.caption["190001"]
    window.controller.go_to(c1)
    (_, prompt, _), (_, answer, _) = _turn_texts(data, c1)
    key(qtbot, window, Qt.Key.Key_E)  # the answer
    editor = window.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClicks(editor, "Warm. ")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # the prompt: the answer's typing is saved
    prompt_editor = window.panel.turn_editor(0)
    qtbot.waitUntil(prompt_editor.hasFocus)
    prompt_editor.moveCursor(prompt_editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(prompt_editor, " Briefly.")
    assert [t[1] for t in _turn_texts(data, c1)] == [prompt, "Warm. " + answer]

    # in the prompt: the prompt goes back (its typing saved first), the answer stays edited
    key(qtbot, window, Qt.Key.Key_R, CTRL_SHIFT)
    assert [t[1] for t in _turn_texts(data, c1)] == [prompt, "Warm. " + answer]
    assert prompt_editor.toPlainText() == prompt
    steps = window.undo_stack.index()

    # from the queue (no turn focused): the answer goes back, one undo step
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    key(qtbot, window, Qt.Key.Key_R, CTRL_SHIFT)
    assert [t[1] for t in _turn_texts(data, c1)] == [prompt, answer]
    assert window.undo_stack.index() == steps + 1
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [t[1] for t in _turn_texts(data, c1)] == [prompt, "Warm. " + answer]
    assert errors == []


def test_ctrl_shift_i_lists_the_underlined_words_and_return_goes_to_one(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, errors, modals = win
    assert window.controller is not None
    c1, g1 = data.caption["190001"], data.grounding["190001"]
    window.controller.go_to(c1)
    answer = _turn_texts(data, c1)[1][1]
    issues = find_infrared_issues(answer)
    assert issues  # "glow red"
    listed: list[list[str]] = []

    def go_to_last(popup: HintsPopup) -> None:
        listed.append([popup.words.item(i).text() for i in range(popup.words.count())])
        for _ in issues[1:]:
            qtbot.keyClick(popup.words, Qt.Key.Key_Down)
        qtbot.keyClick(popup.words, Qt.Key.Key_Return)

    modals.expect(HintsPopup, go_to_last)
    key(qtbot, window, Qt.Key.Key_I, CTRL_SHIFT)
    assert listed == [[f"“{i.word}”: {i.hint}" for i in issues]]
    editor = window.panel.turn_editor(1)
    activate(qtbot, window)  # as a window manager does after a dialog closes
    qtbot.waitUntil(editor.hasFocus)  # the cursor is on the word, selected
    cursor = editor.textCursor()
    assert (cursor.selectionStart(), cursor.selectionEnd()) == (issues[-1].start, issues[-1].end)
    assert cursor.selectedText() == issues[-1].word

    # a turn with no underlined word: nothing opens, the status bar says so
    window.controller.go_to(g1)
    activate(qtbot, window)
    key(qtbot, window, Qt.Key.Key_I, CTRL_SHIFT)
    assert "No underlined words in the answer (turn 2)" in window.statusBar().currentMessage()
    assert modals.seen == ["HintsPopup"] and errors == []


def test_f1_lists_the_revert_and_hints_keys_and_they_collide_with_none(
        win: tuple[MainWindow, Errors, Modals]) -> None:
    window, _errors, _modals = win
    rows = shortcut_rows(window.menus)
    assert ("Edit", "Revert to original", "Ctrl+Shift+R") in rows
    assert ("Edit", "Infrared hints", "Ctrl+Shift+I") in rows
    keys = [k for r in rows for k in r[2].split(", ")]
    assert len(keys) == len(set(keys))  # neither collides with another key


def test_the_prompt_box_keeps_one_height_rule_whatever_was_shown_before(
        qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    g1, g2 = data.grounding["190001"], data.grounding["190002"]
    short = session.sample(g1)
    view = session.sample(g2)
    long_prompt = view.turns[0].text + " Look closely." * 60
    long = dataclasses.replace(view, turns=(
        dataclasses.replace(view.turns[0], text=long_prompt, original=long_prompt),
        *view.turns[1:]))
    panel = SamplePanel()
    qtbot.addWidget(panel)
    panel.resize(700, 800)
    panel.show()
    qtbot.waitExposed(panel)

    def laid_out() -> tuple[int, int]:
        """The prompt box's (minimum, maximum) height once the panel's layout has run."""
        QApplication.sendPostedEvents()  # the layout's posted requests: the boxes' widths
        QApplication.processEvents()
        editor = panel.turn_editor(0)
        return editor.minimumHeight(), editor.maximumHeight()

    panel.show_sample(short, ())
    height = laid_out()
    assert height[0] == height[1]  # fits its text: neither grows nor shrinks with the dock
    assert panel.turn_editor(0).verticalScrollBar().maximum() == 0  # all of it is seen
    panel.show_sample(long, ())  # the same widgets, another Sample: the same rule
    tall = laid_out()
    editor = panel.turn_editor(0)
    assert tall[0] == tall[1] and tall[0] > height[0]
    assert editor.verticalScrollBar().maximum() > 0  # MAX_LINES, then it scrolls
    assert tall[0] <= (MAX_LINES + 1) * editor.fontMetrics().lineSpacing() + 2 * editor.frameWidth()
    panel.show_sample(short, ())
    assert laid_out() == height
    assert panel.turn_widget(0).diff.height() == panel.turn_editor(0).height()


def test_the_free_text_hint_points_at_the_answer_above(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors, Modals]) -> None:
    window, _errors, _modals = win
    assert window.controller is not None and window.queue is not None
    window.queue.set_filter(QueueFilter(tasks=("Caption",)))
    qtbot.waitUntil(lambda: shown(window) == data.caption["190001"])
    tools = window.editing_ui.editors
    texts = [w.text() for w in tools.findChildren(QWidget) if hasattr(w, "text")
             and isinstance(w.text(), str) and "Free text" in w.text()]
    assert texts
    turns = window.panel.turn_scroll.mapTo(window.panel, window.panel.turn_scroll.rect().topLeft())
    below = tools.mapTo(window.panel, tools.rect().topLeft())
    assert turns.y() < below.y()  # the answer's text is above the answer tools...
    assert all("below" not in t and "above" in t for t in texts)  # ...and the hint says so
