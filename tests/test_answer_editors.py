"""The task-aware answer editors write each answer exactly as IR-TD's released files do:
real samples are imported, their answer changed, then set back through the editor by
clicking as a reviewer would, and compared with the released string."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QCheckBox, QRadioButton

from editing_data import answer_of, first_of_kind, import_subset, released, sample_id, stored_answer
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.edit_controller import EditController
from irtd_annotator.ui.pair.view import PairView
from irtd_annotator.ui.sample.answer_editors import AnswerEditors

PER_FILE = 8  # real samples per released file


@dataclass
class Editors:
    project: Project
    session: ReviewSession
    editing: AnswerEditing
    widget: AnswerEditors
    controller: EditController
    stack: QUndoStack

    def show(self, sid: int) -> None:
        self.controller.show_sample(self.session.sample(sid))


@pytest.fixture()
def make(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    opened: list[Project] = []

    def build(files: dict[str, list[dict[str, Any]]]) -> Editors:
        project = Project.open(tmp_path / "p.db")
        opened.append(project)
        import_subset(project, tmp_path / "files", files)
        session = ReviewSession(project, annotator="ana")
        editing = AnswerEditing(project, annotator="ana")
        view = PairView()
        qtbot.addWidget(view)
        widget = AnswerEditors()
        qtbot.addWidget(widget)
        widget.show()
        stack = QUndoStack()
        controller = EditController(editing, session, pair_view=view, stack=stack, editors=widget)
        return Editors(project, session, editing, widget, controller, stack)

    yield build
    for project in opened:
        project.close()


def _click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisibleTo(button.window()) and button.isEnabled(), button.text()
    # on the indicator: a check box or radio button stretched by its layout is clickable
    # on its indicator and text only
    pos = QPoint(8, button.height() // 2) if isinstance(button, (QCheckBox, QRadioButton)) \
        else button.rect().center()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)


def test_security_check_boxes_write_the_options_in_option_order(make, irtd_files: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    samples = first_of_kind(released(irtd_files, "Security.json"), count=PER_FILE)
    e = make({"Security.json": samples})
    for real in samples:
        sid = sample_id(e.project, "Security", real["id"])
        chosen = [c for c in "ABCD" if f"({c})" in answer_of(real)]
        e.editing.set_options(sid, ["A"] if chosen != ["A"] else ["B"])
        e.show(sid)
        boxes = e.widget.option_buttons
        assert all(isinstance(b, QCheckBox) for b in boxes.values()) and list(boxes) == list("ABCD")
        # tick what the released answer has, untick what it has not, in a scrambled order
        for letter in sorted("ABCD", reverse=True):
            last_ticked = boxes[letter].isChecked() and sum(b.isChecked() for b in boxes.values()) == 1
            if boxes[letter].isChecked() != (letter in chosen) and not last_ticked:
                _click(qtbot, boxes[letter])
        for letter in "ABCD":  # the last untick, once another one is ticked
            if boxes[letter].isChecked() != (letter in chosen):
                _click(qtbot, boxes[letter])
        assert stored_answer(e.project, sid) == answer_of(real), real["id"]
        assert not e.session.sample(sid).edited


@pytest.mark.parametrize("file, task", [("Recognition.json", "Recognition")])
def test_one_option_radio_buttons(make, irtd_files: Path, qtbot, file: str, task: str) -> None:  # type: ignore[no-untyped-def]
    samples = first_of_kind(released(irtd_files, file), count=PER_FILE)
    e = make({file: samples})
    for real in samples:
        sid = sample_id(e.project, task, real["id"])
        letter = answer_of(real)[1]
        e.editing.set_options(sid, ["B" if letter != "B" else "C"])
        e.show(sid)
        button = e.widget.option_buttons[letter]
        assert isinstance(button, QRadioButton) and not button.isChecked()
        _click(qtbot, button)
        assert stored_answer(e.project, sid) == answer_of(real), real["id"]
        assert sum(b.isChecked() for b in e.widget.option_buttons.values()) == 1


def test_scene_is_one_option_like_recognition(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    # Scene is not released yet; the paper's Fig. 2 example.
    scene = {"id": "0", "image": ["/x/Data4MLLM/4-VEDAI/a.png"], "conversations": [
        {"from": "human", "value": "<image>\nIdentify the type of scene in the image.\n"
                                   "(A) field (B) mountain (C) country (D) forest"},
        {"from": "gpt", "value": "(A) field"}]}
    e = make({"Scene.json": [scene]})
    sid = sample_id(e.project, "Scene", "0")
    e.show(sid)
    _click(qtbot, e.widget.option_buttons["D"])
    assert stored_answer(e.project, sid) == "(D) forest"
    e.stack.undo()
    assert stored_answer(e.project, sid) == "(A) field"


def test_relationship_yes_no(make, irtd_files: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    samples = first_of_kind(released(irtd_files, "Relationship.json"), count=PER_FILE)
    e = make({"Relationship.json": samples})
    for real in samples:
        sid = sample_id(e.project, "Relationship", real["id"])
        e.show(sid)
        original = answer_of(real)
        other = e.widget.no_button if original == "yes" else e.widget.yes_button
        same = e.widget.yes_button if original == "yes" else e.widget.no_button
        assert same.isChecked() and not other.isChecked()
        _click(qtbot, other)
        assert stored_answer(e.project, sid) == ("no" if original == "yes" else "yes")
        _click(qtbot, same)
        assert stored_answer(e.project, sid) == original


def test_reid_grid_picks_positions_2_to_8(make, irtd_files: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    samples = first_of_kind(released(irtd_files, "ReID.json"), count=PER_FILE)
    e = make({"ReID.json": samples})
    assert not e.widget.reid_buttons["1"].isEnabled()  # the person asked about
    for real in samples:
        sid = sample_id(e.project, "Re-ID", real["id"])
        digit = answer_of(real)
        e.editing.set_reid(sid, "2" if digit != "2" else "3")
        e.show(sid)
        assert e.widget.stack.currentWidget() is e.widget.reid_page
        _click(qtbot, e.widget.reid_buttons[digit])
        assert stored_answer(e.project, sid) == digit
        assert [d for d, b in e.widget.reid_buttons.items() if b.isChecked()] == [digit]


@pytest.mark.parametrize("file, task", [("AerialCounting.json", "Aerial Counting"),
                                        ("PedestrianCounting.json", "Pedestrian Counting")])
def test_count_spin_box_writes_num(make, irtd_files: Path, qtbot, file: str, task: str) -> None:  # type: ignore[no-untyped-def]
    samples = first_of_kind(released(irtd_files, file), count=PER_FILE)
    e = make({file: samples})
    spin = e.widget.count_spin
    for real in samples:
        sid = sample_id(e.project, task, real["id"])
        e.editing.set_count(sid, 0)
        e.show(sid)
        assert spin.value() == 0
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, answer_of(real)[5:-6])
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        assert stored_answer(e.project, sid) == answer_of(real), real["id"]
    # stepping with the arrow keys writes once, after a pause
    before = e.stack.count()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: e.stack.count() == before + 1)
    assert stored_answer(e.project, sid) == f"<num>{int(answer_of(samples[-1])[5:-6]) + 2}</num>"


def test_typed_markup_is_saved_only_when_it_parses(make, irtd_files: Path) -> None:  # type: ignore[no-untyped-def]
    real = first_of_kind(released(irtd_files, "Detection.json"), count=1)[0]
    e = make({"Detection.json": [real]})
    sid = sample_id(e.project, "Grounding", real["id"])
    e.show(sid)
    assert e.widget.stack.currentWidget() is e.widget.free_page
    assert not e.controller.set_answer_text("The target bounding box is <box>[[500, 223]]</box>.")
    assert "four numbers" in e.widget.error_text()
    assert stored_answer(e.project, sid) == answer_of(real) and e.stack.count() == 0
    assert e.controller.set_answer_text("The target bounding box is <box>[[501, 223, 512, 238]]</box>.")
    assert e.widget.error_text() == ""
    assert e.session.sample(sid).boxes[0].x1 == 501
    e.stack.undo()
    assert stored_answer(e.project, sid) == answer_of(real)


def test_showing_a_sample_emits_nothing_and_lists_warning_hints(make, irtd_files: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    detection = released(irtd_files, "Detection.json")
    e = make({"Detection.json": [detection["410"]]})
    sid = sample_id(e.project, "Grounding", "410")
    with qtbot.assertNotEmitted(e.widget.options_chosen), \
            qtbot.assertNotEmitted(e.widget.count_chosen):
        e.show(sid)
    assert "outside-image" in e.widget.warnings_label.text()
    assert "lies outside the image" in e.widget.warnings_label.text()
