"""Answers are checked as a whole (issue 13, defects 2 and 3).

An answer must be exactly its task's released form: ``<num>1</num> (checked)`` or
``...</box>. ok`` parse, but the text around the markup would be exported as the answer, so it
has the bad-markup warning, cannot be approved and is left out of an export with the reason.
And one truth on save: invalid text typed into the answer is either refused and not stored
(the window's typed answer) or stored with the warning at once, and an approved Sample then
goes back to pending with a note (never approved, yet quietly left out of the export).
The window's part, driven by keys, is in test_change_pipeline.py (the save-state tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from export_support import read_release_file
from import_support import PREFIX, sample, write_samples
from irtd_annotator.domain.errors import UnapprovableError
from irtd_annotator.domain.markup import form_problem, released_form
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import BAD_MARKUP, HINTS, ZERO_AREA, hint
from irtd_annotator.importers.irtd_json import read_samples
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, export_release
from irtd_annotator.services.review.editing import AnswerEditing, InvalidAnswerError
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.queue.model import COLUMN_OF
from test_main_window import key, open_window

PROMPT = "<image>\nCalculate the number of pedestrians in the picture."
TASK_OF_FILE = {
    "AerialCounting.json": Task.AERIAL_COUNTING, "Detection.json": Task.GROUNDING,
    "Location.json": Task.LOCATION, "PedestrianCounting.json": Task.PEDESTRIAN_COUNTING,
    "ReID.json": Task.REID, "Recognition.json": Task.RECOGNITION,
    "Relationship.json": Task.RELATIONSHIP, "Security.json": Task.SECURITY,
}


# ---- the grammar ---------------------------------------------------------------------------

def test_every_released_answer_is_in_its_tasks_form(irtd_files: Path) -> None:
    checked = 0
    for name, task in TASK_OF_FILE.items():
        for raw in read_samples(irtd_files / name).samples:
            assert form_problem(task, raw.answer) is None, (name, raw.original_id, raw.answer)
            checked += 1
    assert checked == 40_200


@pytest.mark.parametrize(("task", "answer", "extra", "form"), [
    (Task.PEDESTRIAN_COUNTING, "<num>1</num> (checked)", "' (checked)' after it",
     "<num>N</num>"),
    (Task.GROUNDING, "The target bounding box is <box>[[1, 2, 30, 40]]</box>. ok", "' ok' after it",
     "The target bounding box is <box>[[x1, y1, x2, y2]]</box>."),
    (Task.RECOGNITION, "I think (A) person", "'I think ' before it", "(A) person"),
    (Task.LOCATION, "<ref>car</ref> at <pos>[(1, 2)]</pos>\n", "'\\x0a' after it",
     "<ref>label</ref> at <pos>[(x, y), (x, y)]</pos>"),
])
def test_text_around_the_markup_is_named_with_the_released_form(
        task: Task, answer: str, extra: str, form: str) -> None:
    problem = form_problem(task, answer)
    assert problem is not None and extra in problem and problem.endswith(form)
    assert released_form(task) == form


@pytest.mark.parametrize(("task", "answer"), [
    (Task.RELATIONSHIP, "Yes"), (Task.REID, " 8"), (Task.AERIAL_COUNTING, "<num> 3 </num>"),
    (Task.GROUNDING, "The target bounding box is <box>[[1,2,30,40]]</box>."),
    (Task.SECURITY, "(A) scooter  (B) motor"),
])
def test_a_form_other_than_the_released_one_is_a_problem(task: Task, answer: str) -> None:
    assert form_problem(task, answer) is not None


def test_free_text_tasks_have_no_form() -> None:
    assert form_problem(Task.CAPTION, "Anything at all. (checked)") is None


# ---- saving, approving, exporting (both stores) --------------------------------------------

def _counting_project(store: str, tmp_path: Path) -> Project:
    image = f"{PREFIX}23-RGBTCrowdCounting/train/{{}}_Grey.jpg"
    path = write_samples(tmp_path / "PedestrianCounting.json", [
        sample(str(n), [image.format(n)], PROMPT, f"<num>{n + 3}</num>") for n in range(3)])
    project = Project.open(store)
    import_files(project, [path], options=ImportOptions())
    return project


@pytest.mark.parametrize("typed", ["<num>1</num> (checked)", "three people"])
def test_an_approved_answer_made_invalid_goes_back_to_pending_with_a_note(
        store_target: str, tmp_path: Path, typed: str) -> None:
    with _counting_project(store_target, tmp_path) as project:
        session = ReviewSession(project, annotator="Ada")
        first, second, _third = session.query_ids(QueueFilter())
        session.set_status(first, "approved")
        session.set_status(second, "approved")
        changes = session.edit_turn(first, 1, typed)
        assert changes.status  # the queue's counts and the panel's status follow
        view = session.sample(first)
        assert view.turns[1].text == typed  # stored as typed ...
        assert "bad-markup" in view.warnings  # ... with the warning at once
        assert view.status == "pending"
        assert view.note is not None and "approved it" in view.note and "Ada" in view.note
        with pytest.raises(UnapprovableError, match=f"sample {first} cannot be approved"):
            session.set_status(first, "approved")
        assert session.sample(first).status == "pending"
        report = export_release(project, tmp_path / "out",
                                options=ExportOptions(statuses=["all"]))
        exported = read_release_file(tmp_path / "out" / "PedestrianCounting.json")
        assert [s["id"] for s in exported] == ["1", "2"]
        (left,) = report.left_out
        assert left.id == "0"
        # The undo puts back the text and the approval it took back.
        assert changes.undo is not None
        changes.undo.write()
        view = session.sample(first)
        assert (view.turns[1].text, view.status, view.warnings) == ("<num>3</num>", "approved", ())


def test_the_trailing_text_says_what_is_wrong_when_approval_is_refused(
        store_target: str, tmp_path: Path) -> None:
    with _counting_project(store_target, tmp_path) as project:
        session = ReviewSession(project, annotator="Ada")
        first = session.query_ids(QueueFilter())[0]
        session.edit_turn(first, 1, "<num>1</num> (checked)")
        with pytest.raises(UnapprovableError) as refused:
            session.set_status(first, "approved")
        assert "' (checked)' after it" in str(refused.value)
        assert "<num>N</num>" in str(refused.value)
        session.edit_turn(first, 1, "<num>1</num>")  # fixed: approvable again
        session.set_status(first, "approved")
        assert session.sample(first).status == "approved"


def test_typed_answer_with_trailing_text_is_refused_and_not_stored(
        store_target: str, tmp_path: Path) -> None:
    with _counting_project(store_target, tmp_path) as project:
        session = ReviewSession(project, annotator="Ada")
        first = session.query_ids(QueueFilter())[0]
        session.set_status(first, "approved")
        editing = AnswerEditing(project, annotator="Ada")
        with pytest.raises(InvalidAnswerError, match=r"' \(checked\)' after it.*<num>N</num>"):
            editing.set_answer_text(first, "<num>1</num> (checked)")
        view = session.sample(first)
        assert (view.turns[1].text, view.status, view.warnings) == ("<num>3</num>", "approved", ())


# ---- the stored warning names the form (M6) -------------------------------------------------

def test_the_bad_markup_warning_names_the_tasks_released_form() -> None:
    assert hint(BAD_MARKUP, Task.PEDESTRIAN_COUNTING).endswith(
        ": a Pedestrian Counting answer reads exactly like <num>N</num>")
    assert hint(BAD_MARKUP, Task.CAPTION) == HINTS[BAD_MARKUP]  # free text: no form
    assert hint(BAD_MARKUP) == HINTS[BAD_MARKUP]
    assert hint(ZERO_AREA, Task.GROUNDING) == HINTS[ZERO_AREA]


def test_the_panel_and_the_queue_say_which_form_a_bad_answer_needs(
        qtbot: QtBot, tmp_path: Path) -> None:
    """A Sample whose answer was saved as "<num>4</num> (checked)": its warning in the panel
    and in the queue's tooltip says the answer must read exactly like <num>N</num>."""
    with _counting_project(str(tmp_path / "p.db"), tmp_path) as project:
        session = ReviewSession(project, annotator="Ada")
        session.edit_turn(session.query_ids(QueueFilter())[1], 1, "<num>4</num> (checked)")
    win, errors = open_window(qtbot, str(tmp_path / "p.db"))
    try:
        key(qtbot, win, Qt.Key.Key_J)  # the second sample, by the keys
        qtbot.waitUntil(lambda: win.controller is not None and win.controller.current_id == 2)
        label = win.findChild(QLabel, "warningHints")
        assert label is not None and not label.isHidden()
        document = QTextDocument()
        document.setHtml(label.text())
        assert "bad-markup: the answer does not parse, or is not exactly in the released " \
               "form: a Pedestrian Counting answer reads exactly like <num>N</num>" \
               in document.toPlainText()
        assert win.queue is not None
        tip = win.queue.model.index(1, COLUMN_OF["warnings"]).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.endswith("reads exactly like <num>N</num>")
        assert errors == []
    finally:
        win.close()
