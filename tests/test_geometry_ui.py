"""Editing geometry in the pair view with the mouse and keys, saved through the service, on the
real LLVIP pairs (1280x1024, their VOC boxes) and the real FLIR Grounding samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QUndoStack, QWheelEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select, update

from editing_data import sample_id, stored_answer
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.model import Box
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.store.schema import Pair, Revision, Shape
from irtd_annotator.ui.actions import ACTIONS, shortcut_rows
from irtd_annotator.ui.edit_controller import EditController
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.pair.edit_actions import EditActions
from irtd_annotator.ui.pair.edit_items import (
    HANDLE_SIZE,
    EditableBoxItem,
    EditablePointItem,
    MarkerItem,
)
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.view import NOT_ALIGNED_NOTE, PairView
from irtd_annotator.ui.sample.answer_editors import AnswerEditors
from irtd_annotator.ui.settings import AppSettings

PAPER_ANSWER = "The target bounding box is <box>[[259, 569, 376, 866]]</box>."


@dataclass
class Harness:
    project: Project
    session: ReviewSession
    editing: AnswerEditing
    view: PairView
    editors: AnswerEditors
    controller: EditController
    stack: QUndoStack
    errors: list[str]

    def show(self, sid: int) -> None:
        sample = self.session.sample(sid)
        self.view.show_pair(sample.pair)
        self.view.show_shapes(sample.boxes, sample.points)
        self.controller.show_sample(sample)
        self.editors.show_sample(sample, markers=len(self.editing.markers(sid)))

    def item(self, key: tuple[str, int], pane: ImagePane | None = None):  # type: ignore[no-untyped-def]
        return self.view.editor.items(pane or self.view.ir_view)[key]

    def shapes(self, sid: int) -> list[tuple[float, float, float | None, float | None]]:
        with self.project.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                select(Shape.x1, Shape.y1, Shape.x2, Shape.y2).where(Shape.sample_id == sid)
                .order_by(Shape.kind, Shape.idx))]


@pytest.fixture()
def harness(qtbot, llvip_dir: Path, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    project = Project.open(tmp_path / "p.db")
    import_source(project, "llvip", llvip_dir, annotator="ana")
    session = ReviewSession(project, annotator="ana")
    editing = AnswerEditing(project, annotator="ana")
    view = PairView()
    qtbot.addWidget(view)
    view.resize(1200, 560)
    view.show()
    qtbot.waitExposed(view)
    editors = AnswerEditors()
    qtbot.addWidget(editors)
    stack = QUndoStack()
    controller = EditController(editing, session, pair_view=view, stack=stack, editors=editors)
    errors: list[str] = []
    controller.error.connect(errors.append)
    yield Harness(project, session, editing, view, editors, controller, stack, errors)
    project.close()


def at(pane: ImagePane, x: float, y: float) -> QPoint:
    """Viewport position of the scene point (x, y): the IR pixel under the cursor."""
    return pane.mapFromScene(QPointF(x, y))


def drag(qtbot, pane: ImagePane, start: QPoint, end: QPoint, *, steps: int = 5,  # type: ignore[no-untyped-def]
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    viewport = pane.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    for step in range(1, steps + 1):
        qtbot.mouseMove(viewport, start + (end - start) * step / steps)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)


def click(qtbot, pane: ImagePane, pos: QPoint) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_dragging_a_handle_then_the_box_saves_the_pixels_and_undo_restores(
        harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Grounding", "llvip-190002-grounding-0")
    h.show(sid)
    assert stored_answer(h.project, sid) == PAPER_ANSWER
    pane = h.view.ir_view
    click(qtbot, pane, at(pane, 320, 700))  # selects the box: its handles appear
    box = h.item(("sample", 0))
    assert box.is_selected() and all(handle.isVisible() for handle in box.handles)

    with qtbot.waitSignal(h.view.editor.geometry_edited) as edited:
        viewport = pane.viewport()
        start = at(pane, 376, 866)  # the bottom-right handle
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(viewport, at(pane, 390, 880))
        # mid-drag: the visible view's box follows at once, nothing is saved yet
        twin = h.item(("sample", 0), h.view.visible_view)
        assert twin.rect() == h.item(("sample", 0)).rect()
        assert stored_answer(h.project, sid) == PAPER_ANSWER
        qtbot.mouseMove(viewport, at(pane, 400, 900))
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(pane, 400, 900))
    (moved,), _points = edited.args
    assert moved.x1 == 259 and moved.y1 == 569
    assert moved.x2 == pytest.approx(400, abs=2) and moved.y2 == pytest.approx(900, abs=2)
    x2, y2 = round(moved.x2), round(moved.y2)
    resized = f"The target bounding box is <box>[[259, 569, {x2}, {y2}]]</box>."
    assert stored_answer(h.project, sid) == resized
    assert h.shapes(sid) == [(259, 569, x2, y2)]
    assert h.stack.count() == 1

    drag(qtbot, pane, at(pane, 300, 650), at(pane, 250, 600))  # the whole box, 50 px up-left
    moved_box = h.session.sample(sid).boxes[0]
    assert (moved_box.x1, moved_box.y1) == pytest.approx((209, 519), abs=2)
    assert moved_box.x2 - moved_box.x1 == x2 - 259 and moved_box.y2 - moved_box.y1 == y2 - 569
    assert f"[[{moved_box.x1:.0f}, {moved_box.y1:.0f}," in stored_answer(h.project, sid)
    assert h.stack.count() == 2 and h.session.sample(sid).edited

    h.stack.undo()
    assert stored_answer(h.project, sid) == resized and h.shapes(sid) == [(259, 569, x2, y2)]
    h.stack.undo()
    assert stored_answer(h.project, sid) == PAPER_ANSWER
    assert h.shapes(sid) == [(259, 569, 376, 866)]
    view = h.session.sample(sid)
    assert not view.edited and view.warnings == ()
    assert h.item(("sample", 0)).rect().right() == 376  # the view shows it again
    h.stack.redo()
    assert stored_answer(h.project, sid) == resized
    with h.project.engine.connect() as conn:
        actions = list(conn.execute(select(Revision.action).where(Revision.sample_id == sid)
                                    .order_by(Revision.id)).scalars())
    assert actions == ["geometry", "geometry", "undo", "undo", "undo"]


def test_handles_keep_their_size_on_screen_at_any_zoom(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    h.show(sample_id(h.project, "Grounding", "llvip-190002-grounding-0"))
    pane = h.view.ir_view
    click(qtbot, pane, at(pane, 320, 700))
    handle = h.item(("sample", 0)).handles[0]

    def on_screen() -> float:
        return pane.mapFromScene(handle.sceneBoundingRect()).boundingRect().width()

    def screen_width() -> float:
        return handle.deviceTransform(pane.viewportTransform()).mapRect(handle.rect()).width()

    fitted = screen_width()
    for _ in range(6):
        h.view.zoom_in()
    assert h.view.zoom() > 1.0
    assert screen_width() == pytest.approx(fitted) == pytest.approx(HANDLE_SIZE)


def test_drawing_relabelling_deleting_and_nudging_source_boxes(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Location", "llvip-190001-location-0")
    h.show(sid)
    pair_id = h.session.sample(sid).pair.id
    pane = h.view.ir_view
    assert len(h.editing.pair_boxes(pair_id)) == 2
    h.view.editor.set_mode("box")
    assert not pane.drag_pans
    drag(qtbot, pane, at(pane, 100, 100), at(pane, 180, 260))
    boxes = h.editing.pair_boxes(pair_id)
    assert len(boxes) == 3 and boxes[2].label == "person"
    assert (boxes[2].x1, boxes[2].y1, boxes[2].x2, boxes[2].y2) == pytest.approx((100, 100, 180, 260), abs=2)
    assert h.session.sample(sid).warnings == ("points-vs-boxes",)  # 2 points, now 3 boxes
    h.view.editor.set_mode("select")
    click(qtbot, pane, at(pane, 140, 180))  # select the new box
    assert h.view.editor.selected == ("source", 2)
    h.view.editor.relabel_selected("car")
    assert h.editing.pair_boxes(pair_id)[2].label == "car"
    assert h.session.sample(sid).warnings == ()  # 2 points, 2 person boxes

    before = h.editing.pair_boxes(pair_id)[2]
    pane.setFocus()
    qtbot.keyPress(pane, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyRelease(pane, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyPress(pane, Qt.Key.Key_Down)
    qtbot.keyRelease(pane, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: h.stack.count() == 3)  # saved when the keys pause
    after = h.editing.pair_boxes(pair_id)[2]
    assert (after.x1 - before.x1, after.y1 - before.y1) == pytest.approx((10, 1))
    assert h.stack.count() == 3  # draw, relabel, one burst of two nudges: nothing else

    h.view.editor.delete_selected()
    assert [b.label for b in h.editing.pair_boxes(pair_id)] == ["person", "person"]
    h.stack.undo()
    assert h.editing.pair_boxes(pair_id)[2] == after
    with h.project.engine.connect() as conn:
        assert conn.execute(select(Revision.pair_id).where(
            Revision.action == "source boxes").limit(1)).scalar() == pair_id


def test_location_points_drag_and_add_in_the_sample_space(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Location", "llvip-190003-location-0")
    original = stored_answer(h.project, sid)
    h.show(sid)
    pane = h.view.ir_view
    first = h.item(("point", 0))
    assert isinstance(first, EditablePointItem)
    x, y = first.pos().x(), first.pos().y()
    drag(qtbot, pane, at(pane, x, y), at(pane, x + 40, y + 20))
    text = stored_answer(h.project, sid)
    assert text != original and text.startswith("<ref>person</ref> at <pos>[(")
    new_x = round(h.session.sample(sid).points[0].x / 1280 * 1000)
    assert text.count("(") == 5 and f"({new_x}, " in text
    h.view.editor.set_mode("point")
    where = at(pane, 1270, 20)
    clicked = pane.mapToScene(where)  # the IR pixel under the cursor
    click(qtbot, pane, where)  # far right: written last, left to right
    assert stored_answer(h.project, sid).endswith(
        f"({round(clicked.x() / 1.28)}, {round(clicked.y() / 1.024)})]</pos>")
    h.stack.undo()
    h.stack.undo()
    assert stored_answer(h.project, sid) == original


def test_click_to_count_markers_keep_the_count(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Pedestrian Counting", "llvip-190003-pedestrian-counting-0")
    h.show(sid)
    assert stored_answer(h.project, sid) == "<num>5</num>"
    pane = h.view.ir_view
    h.view.editor.set_mode("count")
    for x in (80, 300, 400):
        click(qtbot, pane, at(pane, x, 850))
    markers = [i for i in pane.shape_items if isinstance(i, MarkerItem)]
    assert [m.number for m in markers] == [1, 2, 3]
    assert h.session.sample(sid).warnings == ("count-vs-markers",)
    assert "count-vs-markers" in h.editors.warnings_label.text()
    assert h.editors.markers_button.isEnabled()
    click(qtbot, pane, at(pane, 300, 850))  # a second click on a marker removes it
    assert len(h.editing.markers(sid)) == 2
    assert pane.mapToScene(QPoint(300, 2)).y() < 0  # the band above the fitted image
    click(qtbot, pane, QPoint(300, 2))  # off the image: no marker
    assert len(h.editing.markers(sid)) == 2
    h.editors.markers_button.click()
    assert stored_answer(h.project, sid) == "<num>2</num>"
    assert h.session.sample(sid).warnings == ()
    assert h.editors.count_spin.value() == 2


def test_alignment_by_alt_drag_in_the_overlay_maps_geometry_onto_the_visible_view(
        harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Grounding", "llvip-190002-grounding-0")
    with h.project.engine.begin() as conn:  # as FLIR ADAS v1 pairs are
        conn.execute(update(Pair).values(aligned=False))
    h.show(sid)
    assert h.view.visible_view.shape_items == []
    h.view.set_layout("overlay")
    pane = h.view.ir_view
    with qtbot.waitSignal(h.view.editor.alignment_edited) as aligned:
        drag(qtbot, pane, at(pane, 600, 500), at(pane, 640, 530),
             modifier=Qt.KeyboardModifier.AltModifier)
    alignment, per_pair = aligned.args
    assert not per_pair
    assert (alignment.dx, alignment.dy, alignment.scale) == pytest.approx((-40, -30, 1.0), abs=2)
    assert h.editing.alignment(h.session.sample(sid).pair.id)[0] == Alignment.from_json(
        h.project.setting("alignment")["LLVIP"])
    assert stored_answer(h.project, sid) == PAPER_ANSWER  # the geometry did not move
    h.view.set_layout("side-by-side")
    twin = h.item(("sample", 0), h.view.visible_view)
    corner = twin.mapToScene(twin.rect().topLeft())
    stored = h.editing.alignment(h.session.sample(sid).pair.id)[0]
    assert (corner.x(), corner.y()) == pytest.approx(stored.to_visible(259, 569), abs=0.01)
    assert h.view.visible_view.note_text().startswith("aligned by hand")
    h.stack.undo()
    assert h.project.setting("alignment") == {}
    assert h.view.visible_view.note_text() == NOT_ALIGNED_NOTE
    assert h.view.visible_view.shape_items == []
    h.view.set_layout("overlay")
    assert h.view.ir_view.overlay_item.transform().isIdentity()  # fitted again: same size


def test_clamp_and_the_warning_filter_on_the_real_641_box(irtd_files: Path, tmp_path: Path,
                                                          qtbot) -> None:  # type: ignore[no-untyped-def]
    with Project.open(tmp_path / "p.db") as project:
        import_files(project, [irtd_files / "Detection.json"], options=ImportOptions())
        session = ReviewSession(project, annotator="ana")
        editing = AnswerEditing(project, annotator="ana")
        view = PairView()
        qtbot.addWidget(view)
        stack = QUndoStack()
        controller = EditController(editing, session, pair_view=view, stack=stack)
        sid = sample_id(project, "Grounding", "410")
        assert session.query_ids(QueueFilter(warnings=True)) == [sid]
        controller.show_sample(session.sample(sid))
        controller.clamp()
        assert stored_answer(project, sid) == "The target bounding box is <box>[[0, 145, 640, 401]]</box>."
        assert session.query_ids(QueueFilter(warnings=True)) == []
        stack.undo()
        assert session.query_ids(QueueFilter(warnings=True)) == [sid]
        assert stored_answer(project, sid) == "The target bounding box is <box>[[0, 145, 641, 401]]</box>."


def test_a_box_outside_the_image_is_drawn_flagged(harness: Harness) -> None:
    h = harness
    sid = sample_id(h.project, "Grounding", "llvip-190002-grounding-0")
    h.editing.set_boxes(sid, [Box(1200, 500, 1300, 700, "person")])
    h.show(sid)
    item = h.item(("sample", 0))
    assert isinstance(item, EditableBoxItem) and item.outside
    assert "outside" in item.label_item.text()
    assert h.editors.warnings_label.text().count("outside-image") == 1
    h.controller.clamp()
    assert not h.item(("sample", 0)).outside
    assert stored_answer(h.project, sid) == "The target bounding box is <box>[[1200, 500, 1280, 700]]</box>."


def test_geometry_keys_do_not_clash_and_drive_the_editor(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    actions = EditActions(h.view.editor, h.view, clamp=h.controller.clamp, shortcut_widget=h.view)
    mine = {a.shortcut().toString() for a in actions.all()}
    assert mine == {"S", "B", "D", "M", "Del", "Ctrl+Shift+C"}
    review = {QKeySequence(k).toString() for spec in ACTIONS for k in spec.shortcuts}
    view_keys = {s.toString() for a in h.view.view_actions(h.view) for s in a.shortcuts()}
    assert not mine & (review | view_keys)

    sid = sample_id(h.project, "Location", "llvip-190003-location-0")
    h.show(sid)
    assert [h.view.editor.labels, actions.label_combo.currentText()] == [("person",), "person"]
    pane = h.view.ir_view
    pane.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_D)
    assert h.view.editor.mode == "point" and actions.modes["point"].isChecked()
    qtbot.keyClick(pane, Qt.Key.Key_Escape)
    assert h.view.editor.mode == "select" and actions.modes["select"].isChecked()
    qtbot.keyClick(pane, Qt.Key.Key_M)  # no counting here: refused, said why
    assert h.view.editor.mode == "select"
    points = len(h.session.sample(sid).points)
    click(qtbot, pane, h.view.ir_view.mapFromScene(h.item(("point", 1)).pos()))
    assert h.view.editor.selected == ("point", 1)
    qtbot.keyClick(pane, Qt.Key.Key_Delete)
    assert len(h.session.sample(sid).points) == points - 1
    # arrows nudge only with a selection; without one they are the queue's
    assert h.view.editor.selected is None


def test_alt_wheel_scales_the_overlay_once_per_gesture(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Grounding", "llvip-190002-grounding-0")
    with h.project.engine.begin() as conn:
        conn.execute(update(Pair).values(aligned=False))
    h.show(sid)
    h.view.set_layout("overlay")
    pane = h.view.ir_view
    fitted = h.view.zoom()
    spot = QPointF(at(pane, 640, 512))
    mods = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
    with qtbot.waitSignal(h.view.editor.alignment_edited) as aligned:
        for _ in range(3):
            event = QWheelEvent(spot, QPointF(pane.viewport().mapToGlobal(spot.toPoint())),
                                QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton, mods,
                                Qt.ScrollPhase.NoScrollPhase, False)
            QApplication.sendEvent(pane.viewport(), event)
    alignment, per_pair = aligned.args
    assert per_pair and h.view.zoom() == pytest.approx(fitted)  # the view did not zoom
    assert alignment.scale == pytest.approx(1 / 1.01 ** 3, rel=1e-4)
    # scaled about the cursor: the IR pixel under it stays on the same visible pixel
    assert alignment.to_visible(640, 512) == pytest.approx((640, 512), abs=0.5)
    pair_id = h.session.sample(sid).pair.id
    assert h.editing.alignment(pair_id) == (Alignment.from_json(
        h.project.setting(f"alignment:pair:{pair_id}")), True)
    assert h.stack.count() == 1


def test_in_the_window_a_drag_is_saved_undone_and_typed_markup_waits_until_it_parses(
        qtbot, llvip_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "w.db"
    with Project.open(path) as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
        grounding = sample_id(project, "Grounding", "llvip-190002-grounding-0")
        counting = sample_id(project, "Pedestrian Counting", "llvip-190002-pedestrian-counting-0")
    window = MainWindow(AppSettings(), annotator="Ada")
    errors: list[str] = []
    window.show_error = lambda title, message: errors.append(message)  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_project(str(path)), errors
    assert window.controller is not None and window.editing_ui.controller is not None
    window.controller.go_to(grounding)
    assert window.controller.current_id == grounding
    pane = window.pair_view.ir_view
    drag(qtbot, pane, at(pane, 300, 650), at(pane, 340, 690))
    with Project.open(path) as project:
        moved = stored_answer(project, grounding)
    assert moved != PAPER_ANSWER and moved.startswith("The target bounding box is <box>[[")
    assert window.controller.view is not None and window.controller.view.edited
    assert window.panel.turn_editor(1).toPlainText() == moved  # the panel shows it at once
    window.actions_by_name["undo"].trigger()
    with Project.open(path) as project:
        assert stored_answer(project, grounding) == PAPER_ANSWER
    assert window.panel.turn_editor(1).toPlainText() == PAPER_ANSWER

    editor = window.panel.turn_editor(1)
    editor.setPlainText("The target bounding box is <box>[[259, 569, 376]]</box>.")
    editor.commit()
    assert "four numbers" in window.editing_ui.editors.error_text()
    with Project.open(path) as project:
        assert stored_answer(project, grounding) == PAPER_ANSWER
    editor.setPlainText("The target bounding box is <box>[[259, 569, 380, 866]]</box>.")
    editor.commit()
    assert window.editing_ui.editors.error_text() == ""
    assert window.pair_view.editor.items(pane)[("sample", 0)].rect().right() == 380

    window.controller.go_to(counting)
    editors = window.editing_ui.editors
    assert editors.isVisibleTo(window) and editors.stack.currentWidget() is editors.count_page
    assert editors.count_spin.value() == 1
    rows = {keys for _menu, _text, keys in shortcut_rows(window.menus)}
    assert {"B", "D", "M", "Del", "Ctrl+Shift+C"} <= rows
    assert errors == []
    window.close()


def test_editing_on_the_visible_view_of_an_aligned_pair(harness: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    h = harness
    sid = sample_id(h.project, "Grounding", "llvip-190002-grounding-0")
    h.show(sid)
    pane = h.view.visible_view
    drag(qtbot, pane, at(pane, 300, 650), at(pane, 300, 750))  # 100 px down, on the visible image
    box = h.session.sample(sid).boxes[0]
    assert (box.x1, box.x2) == (259, 376) and box.y1 == pytest.approx(669, abs=2)
    assert h.item(("sample", 0)).rect() == h.item(("sample", 0), pane).rect()  # both views
    h.view.editor.set_mode("count")  # not a counting sample: refused
    assert h.view.editor.mode == "select"
