"""Every kind of change in the window goes through one pipeline: when the store is locked, a
review decision, typed text, a geometry nudge, an answer chosen and a marker all end the same
way (the same "Not saved: ..." save state and the same message), and the next change that
saves says "All changes saved" again."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from editing_data import sample_id, stored_answer
from irtd_annotator.domain.model import Box
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.dialogs import FlagDialog
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.settings import AppSettings
from test_main_window import activate, when_modal

GROUNDING = "llvip-190002-grounding-0"
LOCATION = "llvip-190002-location-0"
COUNTING = "llvip-190002-pedestrian-counting-0"


class Window:
    """The real window on an imported LLVIP project, and what it showed."""

    def __init__(self, qtbot: QtBot, path: Path) -> None:
        self.qtbot = qtbot
        self.path = path
        self.errors: list[str] = []
        self.win = MainWindow(AppSettings(), annotator="Ada")
        self.win.show_error = lambda _title, message: self.errors.append(message)  # type: ignore[method-assign]
        qtbot.addWidget(self.win)
        self.win.show()
        qtbot.waitExposed(self.win)
        assert self.win.open_project(str(path)), self.errors
        assert self.win.session is not None
        # the lock wait shortened for the test (the window never sees this): a locked store
        # fails in 50 ms instead of the busy timeout's seconds
        engine = self.win.session.project.engine
        engine.dispose()
        event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=50"))

    def go_to(self, sid: int) -> None:
        assert self.win.controller is not None
        self.win.controller.go_to(sid)
        assert self.win.controller.current_id == sid

    def key(self, widget: object, k: Qt.Key) -> None:
        self.qtbot.keyClick(widget, k)  # type: ignore[arg-type]

    def revisions(self) -> int:
        with sqlite3.connect(self.path) as conn:
            return int(conn.execute("SELECT count(*) FROM revisions").fetchone()[0])

    def locked(self, change: Callable[[], None]) -> str:
        """Make ``change`` while another connection holds the store's write lock; the
        message the window showed, after checking nothing was written. (Typing that was not
        saved stays pending and is tried again when the editor loses focus: it may say so
        twice, in the same words.)"""
        before = self.revisions()
        self.errors.clear()
        blocker = sqlite3.connect(self.path)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            change()
        finally:
            blocker.rollback()
            blocker.close()
        assert len(set(self.errors)) == 1, self.errors
        assert self.revisions() == before
        return self.errors[0]


@pytest.fixture()
def window(qtbot: QtBot, llvip_dir: Path, tmp_path: Path) -> Iterator[Window]:
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
    w = Window(qtbot, path)
    yield w
    w.win.close()


def at(pane: ImagePane, x: float, y: float) -> QPoint:
    return pane.mapFromScene(QPointF(x, y))


def test_every_kind_of_write_to_a_locked_store_says_not_saved_the_same_way(
        window: Window, qtbot: QtBot) -> None:
    w, win = window, window.win
    with Project.open(w.path) as project:
        grounding = sample_id(project, "Grounding", GROUNDING)
        location = sample_id(project, "Location", LOCATION)
        counting = sample_id(project, "Pedestrian Counting", COUNTING)
        answer = stored_answer(project, grounding)
    pane = win.pair_view.ir_view

    def approve() -> None:  # A in the queue
        win.queue.focus_table()
        qtbot.waitUntil(lambda: win.queue.table.hasFocus())
        w.key(QApplication.focusWidget(), Qt.Key.Key_A)

    def type_text() -> None:  # E, typing, Escape ends the burst
        w.key(QApplication.focusWidget() or win, Qt.Key.Key_E)
        editor = win.panel.turn_editor(1)
        qtbot.waitUntil(editor.hasFocus)
        editor.moveCursor(editor.textCursor().MoveOperation.End)
        for _ in "]</pos>":  # a point more, inside the list: the released form stays
            editor.moveCursor(editor.textCursor().MoveOperation.Left)
        qtbot.keyClicks(editor, ", (9, 9)")
        qtbot.keyClick(editor, Qt.Key.Key_Escape)

    def nudge() -> None:  # the selected box, one pixel right; another key ends the burst
        pane.setFocus()
        qtbot.keyClick(pane, Qt.Key.Key_Right)
        qtbot.keyClick(pane, Qt.Key.Key_Escape)

    def count() -> None:  # the count typed into the answer editor
        spin = win.editing_ui.editors.count_spin
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, "7")
        qtbot.keyClick(spin, Qt.Key.Key_Return)

    def marker() -> None:  # a click in count mode
        pane.setFocus()
        qtbot.keyClick(pane, Qt.Key.Key_M)
        qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton, pos=at(pane, 300, 850))

    def select_box() -> None:
        win.pair_view.editor.set_mode("select")
        box = win.pair_view.editor.items(pane)[("sample", 0)]
        qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton,
                         pos=pane.mapFromScene(box.mapToScene(box.rect().center())))
        assert win.pair_view.editor.selected == ("sample", 0)

    kinds: list[tuple[str, int, Callable[[], None], Callable[[], None]]] = [
        ("geometry", grounding, select_box, nudge),
        ("status", location, lambda: None, approve),
        ("text", location, lambda: None, type_text),
        ("answer", counting, lambda: None, count),
        ("marker", counting, lambda: None, marker),
    ]
    states: dict[str, str] = {}
    messages: dict[str, str] = {}
    for kind, sid, prepare, change in kinds:
        w.go_to(sid)
        prepare()
        messages[kind] = w.locked(change)
        states[kind] = win.save_label.toolTip()
        assert win.save_label.text().startswith("Not saved: "), kind
        assert "locked" in states[kind], kind
        # the lock is gone: the same gesture saves, and the status bar says so
        win.pair_view.editor.set_mode("select")
        w.go_to(sid)
        prepare()
        before = w.revisions()
        change()
        assert w.revisions() > before, kind
        assert win.save_label.text() == "All changes saved", kind
    assert len(set(states.values())) == 1, states
    assert len(set(messages.values())) == 1, messages
    with Project.open(w.path) as project:
        assert stored_answer(project, grounding) != answer  # the nudge that saved
        assert stored_answer(project, counting) == "<num>7</num>"


def test_an_operations_undo_is_the_same_kind_of_operation_in_reverse(
        llvip_dir: Path, tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
        session = ReviewSession(project, annotator="Ada")
        editing = AnswerEditing(project, annotator="Ada")
        sid = sample_id(project, "Grounding", GROUNDING)
        answer = stored_answer(project, sid)

        flagged = session.set_status(sid, "flagged", note="too dark")
        assert flagged.undo is not None and flagged.undo.sample_id == sid
        back = flagged.undo.write()
        assert back.status and session.sample(sid).status.value == "pending"
        assert back.undo is not None
        back.undo.write()  # the redo
        view = session.sample(sid)
        assert (view.status.value, view.note) == ("flagged", "too dark")

        moved = editing.set_boxes(sid, [Box(10, 20, 30, 40, "person")])
        assert moved.geometry and moved.undo is not None
        assert stored_answer(project, sid) != answer
        undone = moved.undo.write()
        assert undone.geometry and stored_answer(project, sid) == answer
        assert undone.undo is not None
        undone.undo.write()
        assert session.sample(sid).boxes == (Box(10, 20, 30, 40, "person"),)
        # every one of them saved and logged like any change
        assert [r.action for r in session.history(sid)][:6] == [
            "undo", "undo", "geometry", "status", "status", "status"]  # a restore says "undo"
        assert not session.set_status(sid, "flagged", note="too dark")  # nothing to undo
        assert session.set_status(sid, "flagged", note="too dark").undo is None


def test_an_undo_that_cannot_be_saved_stays_to_be_tried_again(window: Window) -> None:
    """The review's case: Ctrl+Z failed on a locked store and its step was dropped, so the
    next Ctrl+Z undid an earlier change and the failed one could never be undone."""
    win = window.win
    assert win.controller is not None and win.queue is not None
    sid = win.controller.current_id
    assert sid is not None

    def status() -> str:
        with sqlite3.connect(window.path) as conn:
            return str(conn.execute("SELECT status FROM samples WHERE id = ?",
                                    (sid,)).fetchone()[0])

    table = win.queue.table
    table.setFocus()
    when_modal(FlagDialog, lambda dialog: window.qtbot.keyClick(dialog.note, Qt.Key.Key_Return))
    window.key(table, Qt.Key.Key_F)  # flag, and on to the next pending sample
    window.go_to(sid)
    activate(window.qtbot, win)  # as a window manager does after a dialog closes
    window.key(table, Qt.Key.Key_A)  # approve
    assert status() == "approved" and win.undo_stack.index() == 2

    def undo() -> None:
        window.qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    assert "locked" in window.locked(undo)
    assert status() == "approved" and win.undo_stack.index() == 2
    undo()  # the lock is gone: the same step again
    assert status() == "flagged" and win.undo_stack.index() == 1
    undo()
    assert status() == "pending" and win.undo_stack.index() == 0
    window.qtbot.keyClick(table, Qt.Key.Key_Z,
                          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert status() == "flagged" and win.undo_stack.index() == 1


def test_a_geometry_change_saves_pending_typing_first(window: Window) -> None:
    """The review's case: typing left unsaved by a locked store, then an alignment change
    once the lock was gone: "All changes saved" while the editor held text the store did not."""
    from irtd_annotator.domain.geometry_edit import Alignment

    win = window.win
    assert win.controller is not None and win.editing_ui.controller is not None
    with Project.open(window.path) as project:
        loc = sample_id(project, "Location", LOCATION)
    window.go_to(loc)

    def type_text() -> None:
        window.key(QApplication.focusWidget() or win, Qt.Key.Key_E)
        editor = win.panel.turn_editor(1)
        window.qtbot.waitUntil(editor.hasFocus)
        editor.moveCursor(editor.textCursor().MoveOperation.End)
        for _ in "]</pos>":  # a point more, inside the list: the released form stays
            editor.moveCursor(editor.textCursor().MoveOperation.Left)
        window.qtbot.keyClicks(editor, ", (9, 9)")
        window.qtbot.keyClick(editor, Qt.Key.Key_Escape)

    assert "locked" in window.locked(type_text)
    assert win.status.save_label.text().startswith("Not saved")
    win.editing_ui.controller.edit_alignment(Alignment(dx=5.0), False)
    with Project.open(window.path) as project:
        stored = stored_answer(project, loc)
    assert stored.endswith(", (9, 9)]</pos>")
    assert win.status.save_label.text() == "All changes saved"


def test_opening_another_project_clears_the_last_ones_not_saved(window: Window,
                                                                  tmp_path: Path) -> None:
    win = window.win
    assert win.controller is not None
    other = tmp_path / "other.db"
    other.write_bytes(window.path.read_bytes())
    window.locked(lambda: win.controller.set_status("flagged") if win.controller else None)
    assert win.status.save_label.text().startswith("Not saved")
    assert win.open_project(str(other))
    assert win.status.save_label.text() == "All changes saved"


def test_an_answer_with_trailing_text_is_refused_everywhere_at_once_and_not_approved(
        window: Window, qtbot: QtBot) -> None:
    """Issue 13: the panel said "Not saved" while the status bar said "All changes saved",
    and A approved the stored answer while the editor showed another."""
    win = window.win
    with Project.open(window.path) as project:
        counting = sample_id(project, "Pedestrian Counting", COUNTING)
        answer = stored_answer(project, counting)
    window.go_to(counting)
    window.key(QApplication.focusWidget() or win, Qt.Key.Key_E)
    editor = win.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " (checked)")
    window.key(editor, Qt.Key.Key_Escape)  # the typing burst ends: it is committed
    # The panel and the status bar tell the same: not saved, what is wrong, the form.
    assert win.editing_ui.editors is not None
    panel_says = win.editing_ui.editors.error_label.text()
    assert panel_says.startswith("Not saved") and "' (checked)' after it" in panel_says
    assert "<num>N</num>" in panel_says
    assert win.status.save_label.text().startswith("Not saved")
    assert "(checked)" in win.status.save_label.text()
    with Project.open(window.path) as project:
        assert stored_answer(project, counting) == answer  # nothing stored
    # A in the queue does not approve an answer the editor shows differently.
    window.errors.clear()
    queue = win.queue
    assert queue is not None
    queue.focus_table()
    qtbot.waitUntil(queue.table.hasFocus)
    window.key(queue.table, Qt.Key.Key_A)
    with Project.open(window.path) as project:
        assert ReviewSession(project, annotator="t").sample(counting).status.value == "pending"
    assert any("is not approved" in e for e in window.errors), window.errors
