"""What the window does with a reviewer's work another reviewer's change refused (issue 12,
ADR 0019), driven by keys and clicks: every refused text is kept, even one Apply again cannot
save; a refused undo does not block the steps before it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from editing_data import first_of_kind, import_subset, released, sample_id, stored_answer
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.session import ReviewSession
from test_change_pipeline import Window

Z, Y = Qt.Key.Key_Z, Qt.Key.Key_Y
CTRL = Qt.KeyboardModifier.ControlModifier
COUNTING = QueueFilter(tasks=("Pedestrian Counting",))


class Team:
    """Ada's window on a project, and Bob's session on the same file (another machine)."""

    def __init__(self, qtbot: QtBot, path: Path) -> None:
        self.qtbot = qtbot
        window = Window(qtbot, path)
        self.win, self.errors = window.win, window.errors
        self.bob_project = Project.open(path, create=False)
        self.bob = ReviewSession(self.bob_project, annotator="Bob")

    def go_to(self, sid: int) -> None:
        assert self.win.controller is not None
        self.win.controller.go_to(sid)
        assert self.win.controller.current_id == sid

    def type_over_answer(self, typed: str) -> None:
        """E opens the answer's editor, Ctrl+A and the typing replace it, Escape ends the
        typing burst (and saves it)."""
        self.qtbot.keyClick(QApplication.focusWidget() or self.win, Qt.Key.Key_E)
        editor = self.win.panel.turn_editor(1)
        self.qtbot.waitUntil(editor.hasFocus)
        self.qtbot.keyClick(editor, Qt.Key.Key_A, CTRL)
        self.qtbot.keyClicks(editor, typed)
        self.qtbot.keyClick(editor, Qt.Key.Key_Escape)

    def ctrl(self, k: Qt.Key) -> None:
        """Ctrl+k from the queue, as a reviewer moving through the queue does."""
        self.win.queue.focus_table()
        self.qtbot.waitUntil(lambda: self.win.queue.table.hasFocus())
        self.qtbot.keyClick(QApplication.focusWidget(), k, CTRL)

    def close(self) -> None:
        self.win.close()
        self.bob_project.close()


@pytest.fixture()
def llvip(qtbot: QtBot, llvip_dir: Path, tmp_path: Path) -> Iterator[Team]:
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
    team = Team(qtbot, path)
    yield team
    team.close()


@pytest.fixture()
def counting(qtbot: QtBot, irtd_files: Path, tmp_path: Path) -> Iterator[tuple[Team, int]]:
    """A project of real Aerial Counting samples; the id of the first."""
    path = tmp_path / "c.db"
    real = first_of_kind(released(irtd_files, "AerialCounting.json"), count=2)
    with Project.open(path) as project:
        import_subset(project, tmp_path / "files", {"AerialCounting.json": real})
        sid = sample_id(project, "Aerial Counting", real[0]["id"])
    team = Team(qtbot, path)
    team.go_to(sid)
    yield team, sid
    team.close()


def test_apply_again_of_text_that_does_not_parse_keeps_it_in_the_bar_with_why(
        counting: tuple[Team, int], qtbot: QtBot) -> None:
    team, sid = counting
    bar = team.win.panel.unsaved_bar
    team.bob.edit_turn(sid, 1, "<num>9</num>")  # behind Ada's back
    team.type_over_answer("ADA1 ")
    assert stored_answer(team.bob_project, sid) == "<num>9</num>"
    assert bar.isVisible() and bar.label.toolTip() == "ADA1 "

    qtbot.mouseClick(bar.apply_button, Qt.MouseButton.LeftButton)
    # it does not parse: not saved, and still offered, with the reason
    assert stored_answer(team.bob_project, sid) == "<num>9</num>"
    assert bar.isVisible() and bar.label.toolTip() == "ADA1 "
    assert bar.kept_texts() == ["ADA1 "]
    assert "needs <num>N</num>" in bar.label.text(), bar.label.text()
    assert team.win.panel.turn_editor(1).text() == "<num>9</num>"
    # the editor holds Bob's text, which is stored: nothing pending is saved behind the bar
    team.win.panel.flush()
    assert stored_answer(team.bob_project, sid) == "<num>9</num>"
    qtbot.mouseClick(bar.discard_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


def test_every_refused_text_of_a_turn_is_kept_newest_first(llvip: Team, qtbot: QtBot) -> None:
    team = llvip
    sid = team.bob.query_ids(COUNTING)[0]
    team.go_to(sid)
    bar = team.win.panel.unsaved_bar
    team.bob.edit_turn(sid, 1, "<num>1</num>")
    team.type_over_answer("<num>2</num>")
    assert bar.isVisible() and bar.label.toolTip() == "<num>2</num>"
    team.bob.edit_turn(sid, 1, "<num>3</num>")
    team.type_over_answer("<num>4</num>")
    assert stored_answer(team.bob_project, sid) == "<num>3</num>"
    assert bar.label.toolTip() == "<num>4</num>"  # the newest shown ...
    assert "(+1 earlier)" in bar.label.text()      # ... the first still kept
    assert bar.kept_texts() == ["<num>2</num>", "<num>4</num>"]

    qtbot.mouseClick(bar.discard_button, Qt.MouseButton.LeftButton)
    assert bar.isVisible() and bar.label.toolTip() == "<num>2</num>"
    assert "earlier" not in bar.label.text()
    qtbot.mouseClick(bar.apply_button, Qt.MouseButton.LeftButton)
    assert stored_answer(team.bob_project, sid) == "<num>2</num>"
    assert team.win.panel.turn_editor(1).text() == "<num>2</num>"
    assert not bar.isVisible()


def test_an_undo_refused_as_stale_is_dropped_and_ctrl_z_goes_on_before_it(
        llvip: Team, qtbot: QtBot) -> None:
    team = llvip
    two, three = team.bob.query_ids(COUNTING)[1:3]
    first_two = stored_answer(team.bob_project, two)
    team.go_to(two)
    team.type_over_answer("<num>21</num>")
    team.go_to(three)
    team.type_over_answer("<num>31</num>")
    team.bob.sample(three)
    team.bob.edit_turn(three, 1, "<num>39</num>")
    team.errors.clear()

    team.ctrl(Z)  # would undo over Bob's text: refused, and said so
    assert stored_answer(team.bob_project, three) == "<num>39</num>"
    assert len(team.errors) == 1, team.errors
    message = team.errors[0].splitlines()[-1]  # under "The change was not saved."
    assert message.startswith(f"The undo of edit answer of sample {three} was not saved: "
                              f"Bob changed sample {three} at "), message
    assert message.endswith("Ctrl+Z goes on with the change before it.")
    team.ctrl(Z)  # the edit of the sample before: undone
    assert stored_answer(team.bob_project, two) == first_two
    assert stored_answer(team.bob_project, three) == "<num>39</num>"
    assert len(team.errors) == 1, team.errors
    team.ctrl(Y)
    assert stored_answer(team.bob_project, two) == "<num>21</num>"
    team.ctrl(Y)  # the dropped step has nothing to redo: Bob's text stays
    assert stored_answer(team.bob_project, three) == "<num>39</num>"
    assert not team.win.undo_stack.canRedo() and len(team.errors) == 1


def test_an_alignment_undo_refused_is_dropped_too(llvip: Team, qtbot: QtBot) -> None:
    team = llvip
    sid = team.bob.query_ids(COUNTING)[0]
    first = stored_answer(team.bob_project, sid)
    team.go_to(sid)
    team.type_over_answer("<num>21</num>")
    pair = team.bob.sample(sid).pair
    assert team.win.editing_ui.controller is not None  # Alt+drag in the overlay ends here
    team.win.editing_ui.controller.edit_alignment(Alignment(dx=5.0), False)
    bob = AnswerEditing(team.bob_project, annotator="Bob")
    bob.set_alignment(pair.id, Alignment(dx=9.0))
    team.errors.clear()

    team.ctrl(Z)
    assert bob.alignment(pair.id)[0] == Alignment(dx=9.0)  # Bob's stays
    assert len(team.errors) == 1, team.errors
    message = team.errors[0].splitlines()[-1]
    assert message == (f"The undo of align pair {pair.id} of sample {sid} was not saved: the "
                       f"alignment of {pair.source} was changed by someone else since, and "
                       "Ctrl+Z goes on with the change before it.")
    team.ctrl(Z)  # the typing before it
    assert stored_answer(team.bob_project, sid) == first
    assert bob.alignment(pair.id)[0] == Alignment(dx=9.0) and len(team.errors) == 1
