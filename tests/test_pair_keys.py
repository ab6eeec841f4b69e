"""The pair view's keys in the real window (issue 13): a burst of arrow-key nudges is one
change, B on Grounding replaces the one box and says so, D selects the point it adds.

Driven by keys and clicks on the window's widgets, on the real LLVIP pairs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from editing_data import sample_id
from irtd_annotator.domain.model import Box
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.pair.image_pane import ImagePane
from pair_support import make_project, open_window

GROUNDING = "llvip-190002-grounding-0"


@pytest.fixture()
def project_path(llvip_dir: Path, tmp_path: Path) -> Path:
    return Path(make_project(llvip_dir, tmp_path / "keys.db"))


@pytest.fixture()
def window(qtbot, project_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    window = open_window(qtbot, errors)
    assert window.open_project(str(project_path)), errors
    yield window
    window.close()
    assert errors == []


def at(pane: ImagePane, x: float, y: float) -> QPoint:
    """Viewport position of the infrared pixel (x, y)."""
    return pane.mapFromScene(QPointF(x, y))


def show(window: MainWindow, original_id: str, task: str = "Grounding") -> int:
    assert window.project is not None and window.controller is not None
    sid = sample_id(window.project, task, original_id)
    window.controller.go_to(sid)
    assert window.controller.current_id == sid
    return sid


def stored_box(window: MainWindow, sid: int) -> Box:
    assert window.session is not None
    return window.session.sample(sid).boxes[0]


def corners(box: Box) -> tuple[float, float, float, float]:
    return box.x1, box.y1, box.x2, box.y2


def select_box(qtbot, window: MainWindow, box: Box) -> ImagePane:  # type: ignore[no-untyped-def]
    """Click the middle of the Sample's box: it is selected and the image has the keys."""
    pane = window.pair_view.ir_view
    qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton,
                     pos=at(pane, (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2))
    assert window.pair_view.editor.selected == ("sample", 0)
    assert pane.hasFocus()
    return pane


def revisions(window: MainWindow, sid: int) -> int:
    assert window.session is not None
    return len(window.session.history(sid))


def test_five_rights_are_one_revision_and_one_ctrl_z_puts_the_box_back(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sid = show(window, GROUNDING)
    before, history = stored_box(window, sid), revisions(window, sid)
    pane = select_box(qtbot, window, before)
    steps = window.undo_stack.count()
    for _ in range(5):
        qtbot.keyClick(pane, Qt.Key.Key_Right)
    # the burst ends when the keys pause (like typing): one step, saved then
    qtbot.waitUntil(lambda: window.undo_stack.count() == steps + 1)
    moved = stored_box(window, sid)
    assert corners(moved) == pytest.approx((before.x1 + 5, before.y1, before.x2 + 5, before.y2))
    assert revisions(window, sid) == history + 1
    assert window.save_label.text() == "All changes saved"

    qtbot.keyClick(pane, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert corners(stored_box(window, sid)) == pytest.approx(corners(before))
    item = window.pair_view.editor.items(pane)[("sample", 0)]
    assert item.rect().left() == pytest.approx(before.x1)  # drawn where it is stored


def test_ctrl_z_during_a_burst_saves_it_first_and_undoes_it_whole(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sid = show(window, GROUNDING)
    before = stored_box(window, sid)
    pane = select_box(qtbot, window, before)
    for _ in range(3):
        qtbot.keyClick(pane, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # 10 px each
    qtbot.keyClick(pane, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert corners(stored_box(window, sid)) == pytest.approx(corners(before))
    actions = [r.action for r in window.session.history(sid)] if window.session else []
    assert len([a for a in actions if a != "import"]) == 2, actions  # the burst and its undo
    qtbot.keyClick(pane, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert stored_box(window, sid).y1 == pytest.approx(before.y1 + 30)


def test_leaving_the_sample_mid_burst_saves_the_nudges_on_it(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sid = show(window, GROUNDING)
    before = stored_box(window, sid)
    pane = select_box(qtbot, window, before)
    qtbot.keyClick(pane, Qt.Key.Key_Left)
    qtbot.keyClick(pane, Qt.Key.Key_Left)
    qtbot.keyClick(pane, Qt.Key.Key_J)  # the next sample, at once
    assert window.controller is not None and window.controller.current_id != sid
    assert stored_box(window, sid).x1 == pytest.approx(before.x1 - 2)


def test_closing_the_window_mid_burst_loses_nothing(
        qtbot, project_path: Path) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    window = open_window(qtbot, errors)
    assert window.open_project(str(project_path)), errors
    sid = show(window, GROUNDING)
    before = stored_box(window, sid)
    pane = select_box(qtbot, window, before)
    for _ in range(4):
        qtbot.keyClick(pane, Qt.Key.Key_Up)
    window.close()
    assert errors == []
    with Project.open(project_path) as project:
        assert ReviewSession(project, annotator="x").sample(sid).boxes[0].y1 == \
            pytest.approx(before.y1 - 4)


def drag(qtbot, pane: ImagePane, start: QPoint, end: QPoint) -> None:  # type: ignore[no-untyped-def]
    viewport = pane.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start + (end - start) * step / 5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def test_b_on_grounding_says_it_replaces_the_one_box_before_the_drag(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sid = show(window, GROUNDING)
    pane = select_box(qtbot, window, stored_box(window, sid))
    qtbot.keyClick(pane, Qt.Key.Key_B)
    assert window.pair_view.editor.mode == "box"
    assert window.statusBar().currentMessage() == \
        "B: the new box replaces box 1 (Grounding takes one box)"
    qtbot.mouseMove(pane.viewport(), at(pane, 100, 120))  # on its way to the drag: still said
    assert window.statusBar().currentMessage().startswith("B: the new box replaces box 1")
    drag(qtbot, pane, at(pane, 100, 120), at(pane, 200, 300))
    assert window.session is not None
    boxes = window.session.sample(sid).boxes
    assert len(boxes) == 1  # replaced, not added
    assert corners(boxes[0]) == pytest.approx((100, 120, 200, 300), abs=2)
    assert window.pair_view.editor.selected == ("sample", 0)


def test_b_elsewhere_adds_a_box_and_d_selects_the_point_it_adds(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sid = show(window, "llvip-190001-location-0", "Location")
    assert window.session is not None and window.editing_ui.controller is not None
    editing = window.editing_ui.controller.editing
    pair_id = window.session.sample(sid).pair.id
    sources = len(editing.pair_boxes(pair_id))
    pane = window.pair_view.ir_view
    pane.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_B)
    assert window.statusBar().currentMessage() == \
        "B: draw a box to add (a source box labelled person)"
    drag(qtbot, pane, at(pane, 100, 120), at(pane, 200, 300))
    assert len(editing.pair_boxes(pair_id)) == sources + 1
    assert window.pair_view.editor.selected == ("source", sources)

    points = window.session.sample(sid).points
    qtbot.keyClick(pane, Qt.Key.Key_D)
    qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton, pos=at(pane, 600, 400))
    added = window.session.sample(sid).points
    assert len(added) == len(points) + 1
    new = next(n for n, p in enumerate(added) if p not in points)  # saved left to right
    assert added[new].x == pytest.approx(600, abs=2)
    assert window.pair_view.editor.selected == ("point", new)  # like a drawn box
    qtbot.keyClick(pane, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # the arrows
    qtbot.keyClick(pane, Qt.Key.Key_Escape)  # move the new point; another key ends the burst
    assert [p.x for p in window.session.sample(sid).points] == pytest.approx(
        [p.x + (10 if n == new else 0) for n, p in enumerate(added)], abs=1.5)
