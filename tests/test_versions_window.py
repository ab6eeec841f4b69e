"""The window when another reviewer changed the Sample it shows (issue 12 item 2, ADR 0019):
the reviewer's change is refused with who and when, the panel shows the Sample as it is now,
and typed text is kept to be applied again - never lost silently, never saved over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from editing_data import sample_id, stored_answer
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.dialogs import FlagDialog
from irtd_annotator.ui.sample.panel import SamplePanel
from test_change_pipeline import Window
from test_main_window import activate, when_modal
from versions_support import revisions

LOCATION = "llvip-190002-location-0"


POS_END = "]</pos>"
LOOK, BEA = ", (9, 9)", ", (8, 8)"  # a point more: edits in the answer's released form


def with_point(answer: str, point: str) -> str:
    """``answer`` (a Location answer) with ``point`` added at the end of its point list."""
    return answer[:-len(POS_END)] + point + POS_END


class Scene:
    """The window of Ada on an LLVIP project showing a Location sample, and Bea's session on
    the same file (another window, another machine)."""

    def __init__(self, qtbot: QtBot, path: Path) -> None:
        self.qtbot = qtbot
        window = Window(qtbot, path)  # the window the change pipeline's tests drive
        self.win, self.errors = window.win, window.errors
        self.bea_project = Project.open(path, create=False)
        self.bea = ReviewSession(self.bea_project, annotator="Bea")
        self.sid = sample_id(self.bea_project, "Location", LOCATION)
        assert self.win.controller is not None
        self.win.controller.go_to(self.sid)
        assert self.win.controller.current_id == self.sid

    def answer(self) -> str:
        return stored_answer(self.bea_project, self.sid)

    def type_into_answer(self, typed: str) -> None:
        """E opens the answer's editor; the typing burst ends with Escape (and is saved)."""
        self.qtbot.keyClick(QApplication.focusWidget() or self.win, Qt.Key.Key_E)
        editor = self.win.panel.turn_editor(1)
        self.qtbot.waitUntil(editor.hasFocus)
        editor.moveCursor(editor.textCursor().MoveOperation.End)
        for _ in POS_END:  # inside the point list: the answer stays in its released form
            editor.moveCursor(editor.textCursor().MoveOperation.Left)
        self.qtbot.keyClicks(editor, typed)
        self.qtbot.keyClick(editor, Qt.Key.Key_Escape)


@pytest.fixture()
def scene(qtbot: QtBot, llvip_dir: Path, tmp_path: Path) -> Iterator[Scene]:
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
    s = Scene(qtbot, path)
    yield s
    s.win.close()
    s.bea_project.close()


def test_typing_over_a_sample_changed_meanwhile_is_refused_kept_and_applied_again(
        scene: Scene, qtbot: QtBot) -> None:
    win, sid = scene.win, scene.sid
    original = scene.answer()
    beas = with_point(original, BEA)
    scene.bea.edit_turn(sid, 1, beas)  # behind the window's back
    scene.type_into_answer(LOOK)
    typed = with_point(original, LOOK)

    assert scene.answer() == beas  # not saved over Bea's text
    assert len(set(scene.errors)) == 1, scene.errors
    reason = scene.errors[0].splitlines()[-1]  # under "The change was not saved."
    assert reason.startswith(f"Sample {sid} was changed by Bea at ")
    assert win.status.save_label.toolTip() == f"Not saved: {reason}"  # the label cuts it
    assert win.status.save_label.text().startswith(f"Not saved: Sample {sid} was changed by Bea")
    # the panel shows the Sample as it is now, and offers what was typed
    assert win.panel.turn_editor(1).text() == beas
    bar = win.panel.unsaved_bar
    assert bar.isVisible() and "was not saved" in bar.label.text()
    assert bar.label.toolTip() == typed

    qtbot.mouseClick(bar.apply_button, Qt.MouseButton.LeftButton)
    assert scene.answer() == typed
    assert win.panel.turn_editor(1).text() == typed
    assert not bar.isVisible()
    assert win.status.save_label.text() == "All changes saved"
    assert revisions(scene.bea_project, sid)[-1] == ("Ada", "turn 1", beas, typed)


def test_discarding_the_kept_text_leaves_the_other_reviewers_text(scene: Scene,
                                                                  qtbot: QtBot) -> None:
    original = scene.answer()
    scene.bea.edit_turn(scene.sid, 1, with_point(original, BEA))
    scene.type_into_answer(LOOK)
    bar = scene.win.panel.unsaved_bar
    assert bar.isVisible()
    qtbot.mouseClick(bar.discard_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    assert scene.answer() == with_point(original, BEA)
    assert scene.win.panel.turn_editor(1).text() == with_point(original, BEA)


def test_a_decision_on_a_sample_decided_meanwhile_is_refused_and_shown_fresh(
        scene: Scene, qtbot: QtBot) -> None:
    win = scene.win
    scene.bea.set_status(scene.sid, "flagged", note="look again")
    win.queue.focus_table()
    qtbot.waitUntil(lambda: win.queue.table.hasFocus())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)  # approve
    assert scene.bea.sample(scene.sid).status.value == "flagged"
    assert scene.errors and "changed by Bea" in scene.errors[0]
    assert win.panel.status_label.text() == "flagged: look again"
    # shown again, the Sample is Ada's to decide
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)
    assert scene.bea.sample(scene.sid).status.value == "approved"


def test_ctrl_z_across_another_reviewers_change_is_refused_and_dropped(
        scene: Scene, qtbot: QtBot) -> None:
    win, sid = scene.win, scene.sid
    original = scene.answer()
    scene.type_into_answer(LOOK)  # saved: Ada's edit
    win.queue.focus_table()
    qtbot.waitUntil(lambda: win.queue.table.hasFocus())
    table = QApplication.focusWidget()
    when_modal(FlagDialog, lambda dialog: qtbot.keyClick(dialog.note, Qt.Key.Key_Return))
    qtbot.keyClick(table, Qt.Key.Key_F)  # flagged: Ada's second change (and on to the next)
    activate(qtbot, win)  # as a window manager does after a dialog closes
    assert scene.bea.sample(sid).status.value == "flagged"
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # own: undone
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # own: undone
    assert scene.answer() == original and scene.bea.sample(sid).status.value == "pending"
    qtbot.keyClick(table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # redo the text
    assert scene.answer() == with_point(original, LOOK)
    scene.bea.sample(sid)  # Bea looks at it (as it is now) and approves it
    scene.bea.set_status(sid, "approved")
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert scene.answer() == with_point(original, LOOK)  # the undo would cross Bea's decision
    assert "The undo of edit answer" in scene.errors[-1] and "Bea changed" in scene.errors[-1]
    assert win.panel.status_label.text() == "approved"  # shown as it is now
    # refused every time, the step would block the ones before it: it is dropped
    assert not win.undo_stack.canUndo()
    assert "Ctrl+Z goes on with the change before it" in scene.errors[-1]
    # the flag Ada undid was made before Bea's decision: redoing it is refused, dropped too
    qtbot.keyClick(table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert scene.bea.sample(sid).status.value == "approved"
    assert "The redo of flag" in scene.errors[-1] and "Ctrl+Y goes on" in scene.errors[-1]
    assert not win.undo_stack.canRedo()


def test_typing_not_yet_saved_over_a_turn_changed_meanwhile_is_offered_not_saved_over(
        qtbot: QtBot, session: ReviewSession) -> None:
    """The panel shown again (after an import, say) while its typing waits for the pause:
    had another reviewer changed that turn, the typing would be saved over their text."""
    panel = SamplePanel(idle_ms=60_000)  # the typing stays uncommitted for the test
    qtbot.addWidget(panel)
    panel.show()
    sid = session.query_ids(QueueFilter())[0]
    view = session.sample(sid)
    panel.show_sample(view, [])
    editor = panel.turn_editor(1)
    original = editor.text()
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " Typed.")
    committed: list[tuple[int, int, str, str]] = []
    panel.text_committed.connect(lambda *args: committed.append(args))
    bea = ReviewSession(session.project, annotator="Bea")
    bea.edit_turn(sid, 1, original + " Bea's.")
    panel.show_sample(session.sample(sid), [])  # the same Sample, shown again
    assert editor.text() == original + " Bea's."
    assert panel.unsaved_bar.isVisible()
    assert panel.unsaved_bar.label.toolTip() == original + " Typed."
    editor.clearFocus()  # leaving the editor commits typing: there is none any more
    assert committed == []
    qtbot.mouseClick(panel.unsaved_bar.apply_button, Qt.MouseButton.LeftButton)
    assert committed == [(sid, 1, original + " Bea's.", original + " Typed.")]
