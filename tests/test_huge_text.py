"""A huge caption (100 KB, 10 MB) does not freeze the window: typed through the real window,
saved, and the work per keystroke on the GUI thread is bounded (ADR 0017).

The bound is asserted by counting what each keystroke hands to the quadratic word matcher and
to the infrared hints, never by timing.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from huge_text_data import build_huge_project, huge_caption
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.sample import turn_editor
from irtd_annotator.ui.sample.diff_view import (
    DISPLAY_LIMIT,
    MAX_DIFF_CHARS,
    MAX_DIFF_WORDS,
    difference,
    word_diff,
)
from irtd_annotator.ui.sample.history_dialog import HistoryDialog
from irtd_annotator.ui.sample.turn_editor import EDIT_WINDOW, HINT_LIMIT
from irtd_annotator.ui.settings import AppSettings


class Spy:
    """What the word matcher and the infrared hints were given, call by call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.matched: list[tuple[int, int]] = []  # tokens a side handed to SequenceMatcher
        self.hinted: list[int] = []  # characters handed to find_infrared_issues, call by call
        real_matcher, real_hints = difflib.SequenceMatcher, turn_editor.find_infrared_issues

        def matcher(isjunk: Any = None, a: Any = "", b: Any = "", **kw: Any) -> Any:
            self.matched.append((len(a), len(b)))
            # fail at once rather than freeze for minutes on an unbounded comparison
            assert len(a) <= MAX_DIFF_WORDS and len(b) <= MAX_DIFF_WORDS, self.matched[-1]
            return real_matcher(isjunk, a, b, **kw)

        def hints(text: str, **kw: Any) -> Any:
            self.hinted.append(len(text))
            assert len(text) <= HINT_LIMIT, len(text)
            return real_hints(text, **kw)

        monkeypatch.setattr(difflib, "SequenceMatcher", matcher)
        monkeypatch.setattr(turn_editor, "find_infrared_issues", hints)


def stored_answer(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        (text,), = conn.execute("SELECT text FROM turns WHERE idx=1").fetchall()
    return text


@pytest.fixture()
def open_huge(qtbot: QtBot, tmp_path: Path) -> Iterator[Any]:
    windows: list[MainWindow] = []

    def open_(caption: str) -> tuple[MainWindow, Path]:
        db = build_huge_project(tmp_path, caption)
        window = MainWindow(AppSettings(), annotator="Ada")
        window.show_error = lambda title, message: pytest.fail(message)  # type: ignore[method-assign]
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        assert window.open_project(str(db))
        windows.append(window)
        return window, db

    yield open_
    for window in windows:
        window.close()


def edit_start_and_end(qtbot: QtBot, window: MainWindow) -> None:
    """E, a word typed at the start of the caption, Ctrl+End, a sentence at its end, Escape."""
    assert window.queue is not None
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue.table.hasFocus())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_E)
    editor = window.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "Warm ")
    qtbot.keyClick(editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, " End.")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # ends the burst: saved, back to the queue


@pytest.mark.parametrize("size, paragraph", [(100_000, None), (10_000_000, None),
                                             (10_000_000, 2_000)],
                         ids=["100KB-one-paragraph", "10MB-one-paragraph", "10MB-paragraphs"])
def test_typing_into_a_huge_caption_is_saved_with_bounded_work(
        qtbot: QtBot, open_huge: Any, monkeypatch: pytest.MonkeyPatch, size: int,
        paragraph: int | None) -> None:
    caption = huge_caption(size, paragraph=paragraph)
    spy = Spy(monkeypatch)
    window, db = open_huge(caption)
    widget = window.panel.turn_widget(1)
    editor = window.panel.turn_editor(1)
    assert editor.text() == caption
    # Qt lays out only a part of a huge text: the panel says which, and how to move
    assert len(editor.toPlainText()) <= EDIT_WINDOW + 1000
    if size > EDIT_WINDOW:
        assert widget.note.text().startswith("Editing characters 1–")
        assert widget.later_button.isVisible() and not widget.earlier_button.isEnabled()
    # Shown unchanged: a bounded view of the original, not megabytes of rich text.
    assert len(widget.diff.toPlainText()) <= DISPLAY_LIMIT + 200

    edit_start_and_end(qtbot, window)

    assert stored_answer(db) == "Warm " + caption + " End."
    assert window.save_label.text() == "All changes saved"
    # The change spans the whole caption: the difference is cut, and the panel says so.
    assert widget.note.isVisible()
    assert f"first {MAX_DIFF_WORDS:,} changed words only" in widget.note.text()
    shown = widget.diff.toPlainText()
    assert "difference shown for the first 1,000 changed words only" in shown
    assert len(shown) <= 2 * MAX_DIFF_CHARS + DISPLAY_LIMIT
    # the start of the change is marked
    assert next(c for c in widget.diff.chunks() if c.op == "insert").text.startswith("Warm")
    # Every keystroke compared at most the cap of words, and the hints saw a bounded paragraph.
    assert len(spy.matched) >= 10
    assert max(max(pair) for pair in spy.matched) <= MAX_DIFF_WORDS
    assert spy.hinted and sum(spy.hinted) <= 20 * HINT_LIMIT
    assert f"Infrared hints checked in the first {HINT_LIMIT:,} characters shown only" in \
        widget.note.text()


def test_a_small_edit_in_a_huge_caption_is_shown_exactly_without_a_note(
        qtbot: QtBot, open_huge: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    caption = huge_caption(10_000_000, paragraph=2_000)
    middle = caption.index(" red car", 20_000)
    spy = Spy(monkeypatch)
    window, db = open_huge(caption)
    editor = window.panel.turn_editor(1)
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    cursor = editor.textCursor()
    cursor.setPosition(middle + 1)
    cursor.setPosition(middle + 4, cursor.MoveMode.KeepAnchor)  # "red"
    editor.setTextCursor(cursor)
    qtbot.keyClicks(editor, "warm")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    expected = caption[:middle] + " warm car" + caption[middle + len(" red car"):]
    assert stored_answer(db) == expected
    widget = window.panel.turn_widget(1)
    ops = [(c.op, c.text) for c in widget.diff.chunks() if c.op != "equal"]
    assert ops == [("delete", " red"), ("insert", " warm")]
    assert "Difference shown" not in widget.note.text()
    assert "unchanged characters" in widget.diff.toPlainText()  # the rest elided, said so
    assert spy.matched and max(max(pair) for pair in spy.matched) <= 10


def test_the_history_of_a_huge_edit_shows_bounded_cells_and_difference(
        qtbot: QtBot, open_huge: Any) -> None:
    caption = huge_caption(100_000)
    window, _db = open_huge(caption)
    edit_start_and_end(qtbot, window)
    assert window.session is not None and window.panel.sample_id is not None
    dialog = HistoryDialog(window.session.history(window.panel.sample_id))
    qtbot.addWidget(dialog)
    row = next(r for r in range(dialog.table.rowCount())
               if dialog.table.item(r, 2).text() == "answer edited")  # issue 13: in words
    old, new = dialog.table.item(row, 3), dialog.table.item(row, 4)
    assert old.text().startswith("A red car") and old.text().endswith("…")
    assert new.text().startswith("Warm A red car") and len(new.text()) <= 80
    # the tooltips hold a readable start, not 100,000 characters for Qt to lay out
    assert new.toolTip().startswith("Warm A red car") and len(new.toolTip()) <= 2001
    dialog.table.selectRow(row)
    assert "difference shown for the first 1,000 changed words only" in dialog.detail.toPlainText()
    assert len(dialog.detail.toPlainText()) <= 2 * MAX_DIFF_CHARS + DISPLAY_LIMIT


def test_a_huge_caption_is_edited_part_by_part_and_saved_whole(
        qtbot: QtBot, open_huge: Any) -> None:
    caption = huge_caption(10_000_000)
    window, db = open_huge(caption)
    widget = window.panel.turn_widget(1)
    editor = widget.editor
    first = editor.toPlainText()
    qtbot.mouseClick(widget.later_button, Qt.MouseButton.LeftButton)
    second = editor.toPlainText()
    assert widget.note.text().startswith(f"Editing characters {len(first) + 1:,}–")
    assert widget.earlier_button.isEnabled()
    assert caption[len(first):len(first) + len(second)] == second  # the next part, no gap
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)  # text start
    assert editor.toPlainText() == first and editor.textCursor().position() == 0
    qtbot.keyClicks(editor, "At night. ")
    qtbot.mouseClick(widget.later_button, Qt.MouseButton.LeftButton)  # the typing goes along
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert stored_answer(db) == "At night. " + caption


@pytest.mark.parametrize("edit", ["ends", "middle", "all", "no space"])
def test_a_cut_difference_still_rebuilds_both_texts(monkeypatch: pytest.MonkeyPatch,
                                                    edit: str) -> None:
    spy = Spy(monkeypatch)
    old = huge_caption(100_000)
    new = {"ends": "Warm " + old + " End.", "middle": old[:50_000] + " warm" + old[50_000:],
           "all": "Something else entirely.", "no space": "x" * 100_000}[edit]
    if edit == "no space":
        old = "y" * 100_000
    chunks = word_diff(old, new)
    assert "".join(c.text for c in chunks if c.op != "insert") == old
    assert "".join(c.text for c in chunks if c.op != "delete") == new
    assert difference(old, new).shortened == (edit != "middle")
    assert max(max(pair) for pair in spy.matched) <= MAX_DIFF_WORDS
