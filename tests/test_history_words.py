"""The history names what changed in words and marks what an undo or a redo wrote (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from import_support import grounding, write_samples
from irtd_annotator.cli import main
from irtd_annotator.services.changes import replaying, split_step
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.dialogs import FlagDialog
from irtd_annotator.ui.sample.history_dialog import HistoryDialog
from irtd_annotator.ui.sample.history_words import what_changed
from review_data import ReviewData
from test_main_window import key, open_window, shown, when_modal

BOX = "The target bounding box is <box>[[{}, {}, {}, {}]]</box>."


def what_column(dialog: HistoryDialog) -> list[str]:
    return [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]


@pytest.mark.parametrize("store_target", ["sqlite", "postgresql"], indirect=True)
def test_revisions_written_by_an_undo_or_a_redo_say_so(store_target: str,
                                                       tmp_path: Path) -> None:
    path = write_samples(tmp_path / "Detection.json", [grounding(1, 1, (10, 20, 200, 300))],
                         form="concat")
    assert main(["import", str(path), "--db", store_target, "--quiet"]) == 0
    with Project.open(store_target, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        sid = session.query_ids(QueueFilter())[0]
        changes = session.set_status(sid, "approved")
        assert changes.undo is not None
        with replaying("undo"):
            back = changes.undo.write()
        assert back.undo is not None
        with replaying("redo"):
            back.undo.write()
        session.set_status(sid, "flagged")  # a plain change after them is not marked
        steps = [(split_step(r.target), r.new) for r in session.history(sid)]
    assert steps == [(("status", None), "flagged"), (("status", "redo"), "approved"),
                     (("status", "undo"), "pending"), (("status", None), "approved")]
    with pytest.raises(ValueError), replaying("again"):
        pass


def test_the_history_names_decisions_and_marks_undo_and_redo(
        qtbot: QtBot, data: ReviewData) -> None:
    win, errors = open_window(qtbot, str(data.path))
    sid = shown(win)
    assert sid is not None
    win.pair_view.setFocus()
    key(qtbot, win, Qt.Key.Key_A)                                   # approve
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)                        # redo
    when_modal(FlagDialog, lambda dialog: dialog.accept())  # F asks for an optional note
    key(qtbot, win, Qt.Key.Key_F)                                   # flag
    assert errors == [] and win.session is not None
    dialog = HistoryDialog(win.session.history(sid), win)
    qtbot.addWidget(dialog)
    assert what_column(dialog) == [
        "status: approved → flagged", "Redo: status: pending → approved",
        "Undo: status: approved → pending", "status: pending → approved"]
    italic = [dialog.table.item(row, 2).font().italic() for row in range(4)]
    assert italic == [False, True, True, False]
    assert "undo" in dialog.table.item(2, 2).toolTip().lower()
    win.close()


@pytest.mark.parametrize(("action", "target", "old", "new", "words"), [
    ("geometry", "turn 1", BOX.format(10, 20, 30, 40), BOX.format(15, 25, 35, 45), "box 1 moved"),
    ("geometry", "turn 1", BOX.format(10, 20, 30, 40), BOX.format(10, 20, 50, 40),
     "box 1 resized"),
    ("text", "turn 1", "<ref>person</ref> at <pos>[(1, 2), (3, 4)]</pos>",
     "<ref>person</ref> at <pos>[(1, 2), (5, 4)]</pos>", "point 2 moved"),
    ("text", "turn 1", "<ref>car</ref> at <pos>[(1, 2)]</pos>",
     "<ref>car</ref> at <pos>[(1, 2), (7, 8)]</pos>", "point 2 added"),
    ("text", "turn 1", BOX.format(1, 2, 3, 4), "The box is " + BOX.format(1, 2, 3, 4),
     "answer edited"),
    ("text", "turn 1", "Two people walk.", "Three people walk.", "answer edited"),
    ("text", "turn 0", "<image>\nDescribe it.", "<image>\nDescribe the scene.",
     "question edited"),
    ("text", "turn 3", "a", "b", "answer 2 edited"),
    ("answer", "turn 1", "<num>3</num>", "<num>4</num>", "count: 3 → 4"),
    ("status", "status", "pending", "rejected (wrong count): one more", "status: pending → rejected"),
    ("markers", "markers", "2 marker(s)", "3 marker(s)", "markers: 2 → 3"),
    ("undo", "turn 1", BOX.format(10, 20, 30, 40), BOX.format(15, 25, 35, 45),
     "Undo: box 1 moved"),  # how geometry undos were logged before the marks
])
def test_what_changed_in_words(action: str, target: str, old: str, new: str,
                               words: str) -> None:
    assert what_changed(action, target, old, new).text == words
