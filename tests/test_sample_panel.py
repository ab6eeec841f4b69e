"""The sample panel, driven as a user would: on a real store built from the real data."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QHelpEvent,
    QKeySequence,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QApplication, QMainWindow, QTextEdit, QToolTip
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.sample.diff_view import DELETED_COLOUR, INSERTED_COLOUR, DiffChunk, word_diff
from irtd_annotator.ui.sample.history_dialog import HistoryDialog
from irtd_annotator.ui.sample.panel import SamplePanel
from irtd_annotator.ui.sample.turn_editor import TurnEditor
from review_data import ReviewData

HIGHLIGHT_CAPTION = ("A red car is parked beside a brightly lit sign.\n"
                     "Two people walk past; their bodies are warm.")


@pytest.fixture()
def panel(qtbot: QtBot) -> SamplePanel:
    widget = SamplePanel()
    qtbot.addWidget(widget)
    widget.resize(700, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


class Recorder:
    """Every signal the panel emits, in order."""

    def __init__(self, panel: SamplePanel) -> None:
        self.calls: list[tuple[Any, ...]] = []
        for name in ("text_committed", "revert_requested", "sibling_selected",
                     "history_requested", "escape_pressed"):
            getattr(panel, name).connect(lambda *args, name=name: self.calls.append((name, *args)))


def show(panel: SamplePanel, session: ReviewSession, sample_id: int) -> None:
    view = session.sample(sample_id)
    panel.show_sample(view, session.pair_samples(view.pair.id))


def type_at_end(qtbot: QtBot, editor: TurnEditor, text: str) -> None:
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor, text)


def highlighted(editor: TurnEditor) -> list[tuple[str, QTextCharFormat]]:
    out = []
    block = editor.document().firstBlock()
    while block.isValid():
        for rng in block.layout().formats():
            out.append((block.text()[rng.start:rng.start + rng.length], QTextCharFormat(rng.format)))
        block = block.next()
    return out


def test_shows_the_sample_with_its_siblings(panel: SamplePanel, session: ReviewSession,
                                            data: ReviewData) -> None:
    sid = data.caption["190003"]
    show(panel, session, sid)
    assert panel.sample_id == sid
    assert panel.task_label.text() == "Caption"
    assert panel.original_label.text().startswith("190003")
    assert panel.source_label.text() == "Caption.json"
    assert panel.status_label.text() == "pending"
    assert panel.image_label.text() == "LLVIP/infrared/test/190003.jpg"
    assert panel.siblings.count() == 3
    texts = [panel.siblings.item(n).text() for n in range(3)]
    assert [t.split(" · ")[0] for t in texts] == ["Grounding", "Location", "Caption"]
    assert texts[2].endswith("← shown")
    view = session.sample(sid)
    for turn in view.turns:
        assert panel.turn_editor(turn.idx).toPlainText() == turn.text
        assert not panel.turn_widget(turn.idx).revert_button.isEnabled()
    # A caption's answer gets the large editor, a grounding answer a small one.
    assert panel.turn_editor(1).minimumHeight() >= 200
    show(panel, session, data.grounding["190003"])
    assert panel.turn_editor(1).minimumHeight() < 100
    # Missing images are named, and a rejection shows its reason and note.
    session.set_status(data.flir[0], "rejected", reason="wrong geometry", note="box too wide")
    show(panel, session, data.flir[0])
    assert "infrared missing" in panel.image_label.text()
    assert panel.status_label.text() == "rejected (wrong geometry): box too wide"  # as the history


def test_typing_burst_commits_old_and_new_after_idle(qtbot: QtBot, panel: SamplePanel,
                                                     session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190002"]
    show(panel, session, sid)
    recorder = Recorder(panel)
    editor = panel.turn_editor(1)
    old = editor.toPlainText()
    with qtbot.waitSignal(panel.text_committed, timeout=3000) as blocker:
        type_at_end(qtbot, editor, " Its engine is warm.")
    assert blocker.args == [sid, 1, old, old + " Its engine is warm."]
    # One burst, one commit: nothing more comes after the idle time.
    with qtbot.assertNotEmitted(panel.text_committed, wait=600):
        pass
    assert [c[0] for c in recorder.calls] == ["text_committed"]
    assert panel.turn_widget(1).revert_button.isEnabled()


def test_flush_and_focus_out_commit_at_once(qtbot: QtBot, panel: SamplePanel,
                                            session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190002"]
    show(panel, session, sid)
    recorder = Recorder(panel)
    editor = panel.turn_editor(1)
    old = editor.toPlainText()
    type_at_end(qtbot, editor, "!")
    panel.flush()  # D calls this before navigating or changing the status
    assert recorder.calls == [("text_committed", sid, 1, old, old + "!")]
    panel.flush()  # nothing new: nothing emitted
    assert len(recorder.calls) == 1

    qtbot.keyClicks(editor, "?")
    panel.siblings.setFocus()  # leaving the editor ends the burst
    qtbot.waitUntil(lambda: len(recorder.calls) == 2, timeout=1000)
    assert recorder.calls[1] == ("text_committed", sid, 1, old + "!", old + "!?")


def test_saved_edit_re_shown_keeps_cursor_and_shows_the_difference(
        qtbot: QtBot, panel: SamplePanel, session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190002"]
    show(panel, session, sid)

    def save(sample_id: int, idx: int, _old: str, new: str) -> None:  # what D's window does
        session.edit_turn(sample_id, idx, new)
        show(panel, session, sample_id)

    panel.text_committed.connect(save)
    editor = panel.turn_editor(1)
    original = editor.toPlainText()
    editor.setFocus()
    cursor = editor.textCursor()
    cursor.setPosition(original.index(" glow red"))
    cursor.setPosition(original.index(" glow red") + len(" glow red"), QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    with qtbot.waitSignal(panel.text_committed, timeout=3000):
        qtbot.keyClicks(editor, " are warm")
    expected = original.replace(" glow red", " are warm")
    assert session.sample(sid).turns[1].text == expected
    assert editor.toPlainText() == expected
    assert editor.textCursor().position() == expected.index(" are warm") + len(" are warm")
    assert editor.hasFocus()
    chunks = panel.turn_widget(1).diff.chunks()
    assert DiffChunk("delete", " glow red") in chunks
    assert DiffChunk("insert", " are warm") in chunks
    # Typing that was not committed yet survives a re-show of the same sample.
    qtbot.keyClicks(editor, ".")
    show(panel, session, sid)
    assert editor.toPlainText() == expected + "."


def test_revert_emits_and_the_store_goes_back(qtbot: QtBot, panel: SamplePanel,
                                              session: ReviewSession, data: ReviewData) -> None:
    sid = data.grounding["190002"]
    view = session.sample(sid)
    session.edit_turn(sid, 1, view.turns[1].text.replace("259", "260"))
    show(panel, session, sid)
    button = panel.turn_widget(1).revert_button
    assert button.isEnabled()
    with qtbot.waitSignal(panel.revert_requested, timeout=1000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == [sid, 1]
    session.revert_turn(sid, 1)
    show(panel, session, sid)
    assert panel.turn_editor(1).toPlainText() == view.turns[1].original
    assert not button.isEnabled()


def test_word_difference_colours(qtbot: QtBot) -> None:
    assert word_diff("A red car glows.", "A warm car glows.") == [
        DiffChunk("equal", "A"), DiffChunk("delete", " red"), DiffChunk("insert", " warm"),
        DiffChunk("equal", " car glows.")]
    for old, new in (("", "x"), (" lead and trail ", "lead  and\ntrail"), ("a, b; c", "a; c")):
        chunks = word_diff(old, new)
        assert "".join(c.text for c in chunks if c.op != "insert") == old
        assert "".join(c.text for c in chunks if c.op != "delete") == new
    assert "".join(c.text for c in word_diff("a b", "a b") if c.op == "equal") == "a b"
    from irtd_annotator.ui.sample.diff_view import DiffView
    view = DiffView()
    qtbot.addWidget(view)
    view.set_texts("A red car glows.", "A warm car glows.")
    seen = {}
    block = view.document().firstBlock()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            seen[fragment.text()] = (fmt.fontStrikeOut(), fmt.foreground().color().name())
            it += 1
        block = block.next()
    assert seen["red"] == (True, QColor(DELETED_COLOUR).name())
    assert seen["warm"] == (False, QColor(INSERTED_COLOUR).name())
    assert view.toPlainText() == "A red warm car glows."


def test_words_infrared_cannot_show_are_highlighted(panel: SamplePanel, session: ReviewSession,
                                                    data: ReviewData) -> None:
    view = session.sample(data.caption["190001"])
    turns = (view.turns[0], dataclasses.replace(view.turns[1], text=HIGHLIGHT_CAPTION))
    panel.show_sample(dataclasses.replace(view, turns=turns), [])
    editor = panel.turn_editor(1)
    marked = highlighted(editor)
    assert [word for word, _fmt in marked] == ["red", "brightly lit"]
    for _word, fmt in marked:
        assert fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.WaveUnderline
    hint = editor.hint_at(HIGHLIGHT_CAPTION.index("red") + 1)
    assert hint is not None and "colour" in hint
    assert editor.hint_at(HIGHLIGHT_CAPTION.index("warm")) is None
    # Hovering the word shows the hint as a tooltip.
    cursor = editor.textCursor()
    cursor.setPosition(HIGHLIGHT_CAPTION.index("brightly") + 2)
    where = editor.cursorRect(cursor).center()
    QApplication.sendEvent(editor.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, where, editor.viewport().mapToGlobal(where)))
    assert QToolTip.text() == editor.hint_at(cursor.position())
    assert QToolTip.text().startswith("“brightly lit”")
    # The highlight follows typing.
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    editor.insertPlainText(" The sky is blue.")
    assert [word for word, _fmt in highlighted(editor)] == ["red", "brightly lit", "blue"]


def test_show_sample_emits_nothing(qtbot: QtBot, panel: SamplePanel, session: ReviewSession,
                                   data: ReviewData) -> None:
    recorder = Recorder(panel)
    for sid in (data.caption["190001"], data.grounding["190001"], data.caption["190001"],
                data.caption["190001"], data.flir[0]):
        show(panel, session, sid)
    panel.clear()
    show(panel, session, data.location["190003"])
    with qtbot.assertNotEmitted(panel.text_committed, wait=600):
        pass
    assert recorder.calls == []


def test_switching_sample_commits_pending_typing_of_the_old_one(
        qtbot: QtBot, panel: SamplePanel, session: ReviewSession, data: ReviewData) -> None:
    first, second = data.caption["190001"], data.caption["190002"]
    show(panel, session, first)
    recorder = Recorder(panel)
    old = panel.turn_editor(1).toPlainText()
    type_at_end(qtbot, panel.turn_editor(1), " x")
    show(panel, session, second)
    assert recorder.calls == [("text_committed", first, 1, old, old + " x")]
    assert panel.sample_id == second


def test_siblings_and_history(qtbot: QtBot, panel: SamplePanel, session: ReviewSession,
                              data: ReviewData) -> None:
    sid = data.caption["190004"]
    show(panel, session, sid)
    recorder = Recorder(panel)
    shown = panel.siblings.item(2)
    other = panel.siblings.item(0)
    qtbot.mouseClick(panel.siblings.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.siblings.visualItemRect(shown).center())
    qtbot.mouseClick(panel.siblings.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.siblings.visualItemRect(other).center())
    qtbot.mouseClick(panel.history_button, Qt.MouseButton.LeftButton)
    assert recorder.calls == [("sibling_selected", data.grounding["190004"]),
                              ("history_requested", sid)]


def test_history_dialog_shows_who_when_what(qtbot: QtBot, session: ReviewSession,
                                            data: ReviewData) -> None:
    sid = data.caption["190005"]
    old = session.sample(sid).turns[1].text
    session.edit_turn(sid, 1, old.replace("glow red", "are warm"))
    session.set_status(sid, "approved")
    dialog = HistoryDialog(session.history(sid))
    qtbot.addWidget(dialog)
    table = dialog.table
    assert table.rowCount() == 2
    newest = [table.item(0, c).text() for c in range(5)]
    assert newest[1:] == ["Ada", "status: pending → approved", "pending", "approved"]
    older = [table.item(1, c).text() for c in range(5)]
    assert older[1:3] == ["Ada", "answer edited"]  # what changed in words (issue 13)
    assert older[3].endswith("glow red.") and older[4].endswith("are warm.")
    table.selectRow(1)
    assert DiffChunk("insert", " are warm") in dialog.detail.chunks()
    assert len(newest[0]) == len("2025-01-01 12:00:00")


def test_keyboard_letters_are_text_only_while_typing(qtbot: QtBot, session: ReviewSession,
                                                     data: ReviewData) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    panel = SamplePanel(window)
    window.setCentralWidget(panel)
    approve = QAction("Approve", window)
    approve.setShortcut(QKeySequence("A"))
    window.addAction(approve)
    fired: list[bool] = []
    approve.triggered.connect(lambda: fired.append(True))
    window.resize(700, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    show(panel, session, data.caption["190001"])

    editor = panel.turn_editor(1)
    type_at_end(qtbot, editor, "a")
    assert fired == [] and editor.toPlainText().endswith("a")

    panel.history_button.setFocus()
    qtbot.keyClick(panel.history_button, Qt.Key.Key_A)
    assert fired == [True]
    panel.siblings.setFocus()
    qtbot.keyClick(panel.siblings, Qt.Key.Key_A)
    assert fired == [True, True]


def test_tab_moves_between_editors_and_escape_leaves(qtbot: QtBot, panel: SamplePanel,
                                                     session: ReviewSession, data: ReviewData) -> None:
    show(panel, session, data.caption["190001"])
    first, second = panel.turn_editor(0), panel.turn_editor(1)
    before = second.toPlainText()
    panel.focus_editor()
    qtbot.waitUntil(second.hasFocus)
    qtbot.keyClick(second, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Tab)
    qtbot.waitUntil(second.hasFocus)
    assert second.toPlainText() == before  # no tab character typed
    with qtbot.waitSignal(panel.escape_pressed, timeout=1000):
        qtbot.keyClick(second, Qt.Key.Key_Escape)


def test_read_only_original_is_not_an_editor(panel: SamplePanel, session: ReviewSession,
                                             data: ReviewData) -> None:
    show(panel, session, data.caption["190001"])
    diff = panel.turn_widget(1).diff
    assert isinstance(diff, QTextEdit) and diff.isReadOnly()
    assert not panel.turn_editor(1).isReadOnly() and not panel.turn_editor(0).isReadOnly()
