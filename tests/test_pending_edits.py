"""Edits not saved yet when the reviewer decides, undoes or moves on (issue 13, adversarial
scripts t13, t33, t34), driven by keys through the real window:

- a count typed within the count box's pause is saved before Ctrl+Return approves;
- Ctrl+Z right after typing undoes the typing, never an older change of another Sample;
- an answer refused as typed (not in its task's form) is never stored: Ctrl+Z and
  Ctrl+Shift+R drop it, leaving the Sample puts it in the unsaved bar, closing drops it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from editing_data import sample_id, stored_answer
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from test_change_pipeline import COUNTING, GROUNDING, Window

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture()
def w(qtbot: QtBot, llvip_dir: Path, tmp_path: Path) -> Iterator[Window]:
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
    window = Window(qtbot, path)
    window.win.review_keys.approve_without_images = True  # never ask about missing images
    yield window
    window.win.close()


def ids(w: Window) -> tuple[int, int, str]:
    """(a grounding sample, the counting sample, the counting sample's stored answer)."""
    with Project.open(w.path) as project:
        return (sample_id(project, "Grounding", GROUNDING),
                sample_id(project, "Pedestrian Counting", COUNTING),
                stored_answer(project, sample_id(project, "Pedestrian Counting", COUNTING)))


def status(w: Window, sid: int) -> str:
    with Project.open(w.path) as project:
        return str(ReviewSession(project, annotator="t").sample(sid).status.value)


def answer(w: Window, sid: int) -> str:
    with Project.open(w.path) as project:
        return stored_answer(project, sid)


def focused(w: Window) -> QWidget:
    widget = QApplication.focusWidget()
    return widget if widget is not None else w.win


def approve_in_queue(w: Window, qtbot: QtBot, sid: int) -> None:
    w.go_to(sid)
    queue = w.win.queue
    assert queue is not None
    queue.focus_table()
    qtbot.waitUntil(queue.table.hasFocus)
    qtbot.keyClick(queue.table, Qt.Key.Key_A)
    assert status(w, sid) == "approved"


def type_invalid_answer(w: Window, qtbot: QtBot, sid: int) -> None:
    """E, " (checked)" after the count; the pause ends the burst and the panel refuses it."""
    w.go_to(sid)
    qtbot.keyClick(focused(w), Qt.Key.Key_E)
    editor = w.win.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " (checked)")
    editors = w.win.editing_ui.editors
    qtbot.waitUntil(lambda: editors.error_label.text().startswith("Not saved"))
    assert editor.text().endswith(" (checked)")


def type_count(w: Window, qtbot: QtBot, digits: str) -> None:
    """Click the count box, Ctrl+A, type ``digits`` (within the box's pause)."""
    spin = w.win.editing_ui.editors.count_spin
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(focused(w), Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(w), digits)
    assert spin.value() == int(digits)


def test_a_count_typed_just_before_ctrl_return_is_saved_then_approved(
        w: Window, qtbot: QtBot) -> None:
    """t33: the 5 was dropped and the sample approved with the count shown before it."""
    _grounding, counting, _answer = ids(w)
    w.go_to(counting)
    type_count(w, qtbot, "5")
    qtbot.keyClick(focused(w), Qt.Key.Key_Return, CTRL)
    assert answer(w, counting) == "<num>5</num>"
    assert status(w, counting) == "approved"


def test_ctrl_z_right_after_typing_a_count_undoes_only_the_count(
        w: Window, qtbot: QtBot) -> None:
    """t34: Ctrl+Z undid the approval of the sample before (and saved the 5 afterwards)."""
    grounding, counting, stored = ids(w)
    approve_in_queue(w, qtbot, grounding)
    w.go_to(counting)
    type_count(w, qtbot, "5")
    qtbot.keyClick(focused(w), Qt.Key.Key_Z, CTRL)
    assert status(w, grounding) == "approved"
    assert answer(w, counting) == stored
    assert w.win.controller is not None and w.win.controller.current_id == counting
    assert w.win.editing_ui.editors.count_spin.value() != 5


def test_ctrl_z_drops_an_answer_refused_as_typed_not_an_older_decision(
        w: Window, qtbot: QtBot) -> None:
    """t13: with the typing held back as invalid, Ctrl+Z undid the approval of the sample
    before and saved, then undid, the invalid text on this one."""
    grounding, counting, stored = ids(w)
    approve_in_queue(w, qtbot, grounding)
    type_invalid_answer(w, qtbot, counting)
    revisions = w.revisions()
    qtbot.keyClick(focused(w), Qt.Key.Key_Z, CTRL)
    assert status(w, grounding) == "approved"
    assert answer(w, counting) == stored and w.revisions() == revisions  # nothing written
    assert w.win.panel.turn_editor(1).text() == stored  # the panel shows what is stored
    assert not w.win.editing_ui.editors.error_label.isVisibleTo(w.win)
    assert w.win.status.save_label.text() == "All changes saved"
    # the next Ctrl+Z is the approval's
    qtbot.keyClick(focused(w), Qt.Key.Key_Z, CTRL)
    assert status(w, grounding) == "pending"


def test_revert_drops_an_answer_refused_as_typed(w: Window, qtbot: QtBot) -> None:
    """M1: Ctrl+Shift+R said "Turn 2 is the original text already" with the invalid text shown."""
    _grounding, counting, stored = ids(w)
    type_invalid_answer(w, qtbot, counting)
    remarks: list[str] = []
    assert w.win.controller is not None
    w.win.controller.message.connect(remarks.append)
    qtbot.keyClick(focused(w), Qt.Key.Key_R, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert w.win.panel.turn_editor(1).text() == stored == answer(w, counting)
    assert not any("original text already" in r for r in remarks), remarks


def test_leaving_a_sample_keeps_an_invalid_answer_in_the_bar_not_in_the_store(
        w: Window, qtbot: QtBot) -> None:
    """M1: leaving stored the text refused as typed (bad markup) and said "All changes saved"."""
    _grounding, counting, stored = ids(w)
    type_invalid_answer(w, qtbot, counting)
    qtbot.keyClick(w.win.panel.turn_editor(1), Qt.Key.Key_Escape)  # to the queue
    queue = w.win.queue
    assert queue is not None
    qtbot.waitUntil(queue.table.hasFocus)
    qtbot.keyClick(queue.table, Qt.Key.Key_J)  # the next sample
    assert w.win.controller is not None and w.win.controller.current_id != counting
    assert answer(w, counting) == stored
    bar = w.win.panel.unsaved_bar
    assert bar.isVisibleTo(w.win) and bar.kept == (counting, 1, stored + " (checked)")
    says = w.win.status.save_label.toolTip()
    assert says.startswith("Not saved") and f"answer of sample {counting} was invalid" in says


def test_closing_with_an_invalid_answer_does_not_store_it(w: Window, qtbot: QtBot) -> None:
    _grounding, counting, stored = ids(w)
    type_invalid_answer(w, qtbot, counting)
    w.win.close()
    assert answer(w, counting) == stored
