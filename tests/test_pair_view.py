"""The pair view on real LLVIP pairs: images, shapes, synchronised zoom, placeholders, cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel

from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.imaging.display import DisplaySettings
from irtd_annotator.ui.pair.shape_items import WARNING_COLOUR, BoxItem, PointItem
from irtd_annotator.ui.pair.view import NOT_ALIGNED_NOTE, PairView

# 190002's box and centre, as the IRGPT paper shows them (shared/data/README.md).
PAPER_BOX = Box(259, 569, 376, 866, "person")
PAPER_POINT = Point(318, 718, "person")


def llvip_pair(llvip_dir: Path, name: str, *, split: str = "test", pair_id: int = 1,
               **changes: object) -> PairInfo:
    ir = llvip_dir / "infrared" / split / f"{name}.jpg"
    visible = llvip_dir / "visible" / split / f"{name}.jpg"
    fields: dict[str, object] = dict(
        id=pair_id, rel_path=f"LLVIP/infrared/{split}/{name}.jpg", source="LLVIP",
        ir_path=str(ir), visible_path=str(visible), ir_exists=ir.is_file(),
        visible_exists=visible.is_file(), width=1280, height=1024)
    fields.update(changes)
    return PairInfo(**fields)  # type: ignore[arg-type]


@pytest.fixture()
def view(qtbot) -> PairView:  # type: ignore[no-untyped-def]
    widget = PairView()
    qtbot.addWidget(widget)
    widget.resize(1200, 560)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_real_pair_fills_both_views_at_full_resolution(view: PairView, llvip_dir: Path) -> None:
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    for pane in (view.ir_view, view.visible_view):
        size = pane.pixmap_item.pixmap().size()
        assert (size.width(), size.height()) == (1280, 1024)
        assert pane.placeholder_text() == ""
        assert pane.sceneRect().width() == 1280 and pane.sceneRect().height() == 1024
    # Fitted: the whole 1280x1024 image is visible in a ~600 px wide pane.
    assert 0.3 < view.zoom() < 0.6
    # The IR pane shows a grey picture, the visible pane a colour one.
    ir = view.ir_view.pixmap_item.pixmap().toImage().pixelColor(640, 512)
    assert ir.red() == ir.green() == ir.blue()
    visible = view.visible_view.pixmap_item.pixmap().toImage()
    assert any(visible.pixelColor(x, 900).red() != visible.pixelColor(x, 900).blue()
               for x in range(0, 1280, 40))


def test_shapes_appear_on_both_views_with_labels(view: PairView, llvip_dir: Path) -> None:
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    outside = Box(1200, 900, 1300, 1030, "car")
    centre = Point(500, 500, "centre", CoordSpace.NORM1000)
    view.show_shapes([PAPER_BOX, outside], [PAPER_POINT, centre])
    for pane in (view.ir_view, view.visible_view):
        boxes = [item for item in pane.shape_items if isinstance(item, BoxItem)]
        points = [item for item in pane.shape_items if isinstance(item, PointItem)]
        assert len(boxes) == 2 and len(points) == 2
        assert all(item.scene() is pane.scene() for item in pane.shape_items)
        rect = boxes[0].rect()
        assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == (259, 569, 376, 866)
        assert boxes[0].label_item is not None and boxes[0].label_item.text() == "person"
        assert boxes[0].pen().isCosmetic()
        assert not boxes[0].outside and boxes[1].outside
        assert boxes[1].pen().color() == WARNING_COLOUR
        assert boxes[1].label_item is not None and "outside" in boxes[1].label_item.text()
        # 0-1000 is scaled to the image: the centre of 1280x1024.
        assert (points[1].pos().x(), points[1].pos().y()) == (640, 512)
        assert (points[0].pos().x(), points[0].pos().y()) == (318, 718)
    view.show_shapes([], [])
    assert view.ir_view.shape_items == [] and view.visible_view.shape_items == []
    assert not [item for item in view.ir_view.scene().items() if isinstance(item, BoxItem)]


def test_zoom_in_out_and_fit_move_both_views_together(view: PairView, llvip_dir: Path) -> None:
    view.show_pair(llvip_pair(llvip_dir, "190003"))
    fitted = view.zoom()
    view.zoom_in()
    view.zoom_in()
    assert view.ir_view.scale_factor() == pytest.approx(fitted * 1.25 ** 2)
    assert view.visible_view.scale_factor() == view.ir_view.scale_factor()
    # Zoomed past the pane: both scroll to the same place.
    ir_bar, vis_bar = view.ir_view.horizontalScrollBar(), view.visible_view.horizontalScrollBar()
    assert ir_bar.maximum() > 0
    ir_bar.setValue(ir_bar.maximum() // 3)
    assert vis_bar.value() == ir_bar.value()
    view.visible_view.verticalScrollBar().setValue(40)
    assert view.ir_view.verticalScrollBar().value() == 40
    view.zoom_out()
    assert view.visible_view.scale_factor() == pytest.approx(fitted * 1.25)
    view.fit()
    assert view.ir_view.scale_factor() == pytest.approx(fitted)
    assert view.visible_view.scale_factor() == pytest.approx(fitted)


def test_wheel_zooms_both_views_at_the_cursor(view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    fitted = view.zoom()
    pane = view.ir_view
    at = QPointF(pane.viewport().width() * 0.3, pane.viewport().height() * 0.6)
    under = pane.mapToScene(at.toPoint())
    for _ in range(3):  # three notches forward
        event = QWheelEvent(at, QPointF(pane.viewport().mapToGlobal(at.toPoint())), QPoint(0, 0),
                            QPoint(0, 120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(pane.viewport(), event)
    assert view.zoom() == pytest.approx(fitted * 1.25 ** 3)
    assert view.visible_view.scale_factor() == pytest.approx(view.zoom())
    after = pane.mapToScene(at.toPoint())
    # The IR pixel under the cursor stays under it (within a couple of pixels of rounding).
    assert abs(after.x() - under.x()) < 3 and abs(after.y() - under.y()) < 3
    assert view.visible_view.horizontalScrollBar().value() == pane.horizontalScrollBar().value()


def test_hover_moves_the_crosshair_on_both_views_and_reports_the_ir_value(
        view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    pair = llvip_pair(llvip_dir, "190002")
    view.show_pair(pair)
    pane = view.visible_view
    target = pane.mapFromScene(QPointF(318.5, 718.5))
    with qtbot.waitSignal(view.status_message) as status:
        qtbot.mouseMove(pane.viewport(), target)
    x, y = int(pane.mapToScene(target).x()), int(pane.mapToScene(target).y())
    from irtd_annotator.imaging.load import load_image
    value = load_image(pair.ir_path, grey=True)[y, x]  # type: ignore[arg-type]
    assert status.args[0] == f"x {x}, y {y}   IR {value}"
    assert abs(x - 318) <= 2 and abs(y - 718) <= 2
    ir_cross, visible_cross = view.ir_view.crosshair_pos(), view.visible_view.crosshair_pos()
    assert ir_cross is not None and ir_cross == visible_cross
    view.set_crosshair_enabled(False)
    assert view.ir_view.crosshair_pos() is None and view.visible_view.crosshair_pos() is None


def test_the_crosshair_hides_when_the_pointer_leaves_the_image_in_either_view(
        view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    ir, visible = view.ir_view, view.visible_view
    for pane in (ir, visible):
        qtbot.mouseMove(pane.viewport(), pane.mapFromScene(QPointF(300.5, 500.5)))
        assert ir.crosshair_pos() is not None and visible.crosshair_pos() is not None
        # in the pane, beside the image (the fitted image leaves a band above and below)
        beside = pane.mapFromScene(QPointF(300, 1024 + 20))
        assert pane.viewport().rect().contains(beside)
        qtbot.mouseMove(pane.viewport(), beside)
        assert ir.crosshair_pos() is None and visible.crosshair_pos() is None
    # onto what lies over the image (the banner of an unaligned pair): left too
    view.show_pair(llvip_pair(llvip_dir, "190002", aligned=False))
    qtbot.mouseMove(visible.viewport(), visible.mapFromScene(QPointF(300.5, 500.5)))
    assert visible.crosshair_pos() is not None
    note = visible.findChild(QLabel, "visible-view-note")
    assert note is not None and note.isVisible()
    qtbot.mouseMove(note, note.rect().center())
    assert visible.crosshair_pos() is None and ir.crosshair_pos() is None


def test_missing_visible_file_shows_a_placeholder_naming_it(
        view: PairView, llvip_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "LLVIP" / "visible" / "test" / "190002.jpg"
    view.show_pair(llvip_pair(llvip_dir, "190002", visible_path=str(missing),
                              visible_exists=False))
    text = view.visible_view.placeholder_text()
    assert "not found" in text and "190002.jpg" in text and str(missing) in text
    assert view.visible_view.pixmap_item.pixmap().isNull()
    assert view.ir_view.placeholder_text() == "" and not view.ir_view.pixmap_item.pixmap().isNull()
    # The rest keeps working: shapes on the IR view, zoom.
    view.show_shapes([PAPER_BOX], [])
    assert len(view.ir_view.shape_items) == 1
    view.zoom_in()


def test_missing_ir_undecodable_file_and_no_counterpart_are_said(
        view: PairView, llvip_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "190001.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    view.show_pair(llvip_pair(llvip_dir, "190001", ir_path=str(broken), visible_path=None,
                              visible_exists=False))
    assert "cannot be shown" in view.ir_view.placeholder_text()
    assert str(broken) in view.ir_view.placeholder_text()
    assert "no visible counterpart" in view.visible_view.placeholder_text()
    gone = tmp_path / "gone.jpg"
    view.show_pair(llvip_pair(llvip_dir, "190001", ir_path=str(gone), ir_exists=False))
    assert "not found" in view.ir_view.placeholder_text()
    assert str(gone) in view.ir_view.placeholder_text()
    assert view.visible_view.placeholder_text() == ""   # the visible image still shows
    view.show_pair(None)
    assert view.ir_view.placeholder_text() == "" and view.ir_view.pixmap_item.pixmap().isNull()


def test_not_aligned_pair_draws_geometry_on_the_infrared_view_only(
        view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002", aligned=False))
    view.show_shapes([PAPER_BOX], [PAPER_POINT])
    assert len(view.ir_view.shape_items) == 2
    assert view.visible_view.shape_items == []
    assert view.visible_view.note_text() == NOT_ALIGNED_NOTE
    assert view.ir_view.note_text() == ""
    # Nor is the crosshair mirrored, and the cursor reads the visible image's own pixels.
    pane = view.visible_view
    with qtbot.waitSignal(view.status_message) as status:
        qtbot.mouseMove(pane.viewport(), pane.mapFromScene(QPointF(100.5, 200.5)))
    assert status.args[0].startswith("visible x ") and "IR" not in status.args[0]
    assert pane.crosshair_pos() is not None and view.ir_view.crosshair_pos() is None
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    view.show_shapes([PAPER_BOX], [PAPER_POINT])
    assert view.visible_view.note_text() == "" and len(view.visible_view.shape_items) == 2


def test_prefetched_pair_is_shown_from_the_cache(view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    first, second = llvip_pair(llvip_dir, "190004"), llvip_pair(llvip_dir, "190005", pair_id=2)
    view.show_pair(first)
    hits, misses = view.cache.hits, view.cache.misses
    with qtbot.waitSignal(view.loader.idle, timeout=10_000):
        view.prefetch([second])
    assert not view.loader.busy
    view.show_pair(second)
    assert view.cache.hits == hits + 2 and view.cache.misses == misses
    assert view.ir_view.pixmap_item.pixmap().width() == 1280
    # Back to the first pair: still cached.
    view.show_pair(first)
    assert view.cache.hits == hits + 4


def test_layouts_switch_between_side_by_side_overlay_and_infrared(
        view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    view.show_shapes([PAPER_BOX], [])
    with qtbot.waitSignal(view.layout_changed) as changed:
        view.set_layout("overlay")
    assert changed.args == ["overlay"]
    assert not view.visible_view.isVisible() and view.toolbar.isVisible()
    overlay = view.ir_view.overlay_item
    assert overlay.isVisible() and overlay.pixmap().width() == 1280
    assert overlay.opacity() == pytest.approx(0.5)
    view.set_blend(0.3)
    assert overlay.opacity() == pytest.approx(0.3) and view.blend_slider.value() == 30
    view.blend_slider.setValue(80)
    assert view.blend() == pytest.approx(0.8) and overlay.opacity() == pytest.approx(0.8)
    assert view.visible_view.shape_items == [] and len(view.ir_view.shape_items) == 1
    view.set_layout("infrared")
    assert not view.visible_view.isVisible() and not overlay.isVisible()
    assert not view.toolbar.isVisible()
    view.set_layout("side-by-side")
    assert view.visible_view.isVisible() and not overlay.isVisible()
    assert len(view.visible_view.shape_items) == 1
    with pytest.raises(ValueError):
        view.set_layout("stacked")
    with pytest.raises(ValueError):
        view.set_blend(1.5)


def test_infrared_layout_skips_the_visible_image_until_needed(
        view: PairView, llvip_dir: Path) -> None:
    view.set_layout("infrared")
    view.show_pair(llvip_pair(llvip_dir, "190006"))
    assert view.visible_view.pixmap_item.pixmap().isNull()
    view.set_layout("side-by-side")
    assert view.visible_view.pixmap_item.pixmap().width() == 1280


def test_display_settings_recolour_the_infrared_view_only(view: PairView, llvip_dir: Path,
                                                         qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    before_ir = view.ir_view.pixmap_item.pixmap().toImage()
    before_visible = view.visible_view.pixmap_item.pixmap().toImage()
    with qtbot.waitSignal(view.display_changed) as changed:
        view.set_display(DisplaySettings("iron", stretch=True))
    assert changed.args[0] == DisplaySettings("iron", stretch=True)
    after_ir = view.ir_view.pixmap_item.pixmap().toImage()
    assert after_ir != before_ir
    colour = after_ir.pixelColor(640, 512)
    assert colour.red() != colour.blue()
    assert view.visible_view.pixmap_item.pixmap().toImage() == before_visible


def test_view_actions_have_the_shortcuts_and_drive_the_view(view: PairView, llvip_dir: Path) -> None:
    actions = {action.objectName(): action for action in view.view_actions(view)}
    assert view.view_actions(view) == list(actions.values())   # built once

    def keys(name: str) -> set[str]:
        return {sequence.toString() for sequence in actions[name].shortcuts()}

    assert keys("view.zoom_in") == {"+", "="} and keys("view.zoom_out") == {"-"}
    assert keys("view.fit") == {"0", "Home"} and keys("view.clahe") == {"C"}
    assert keys("view.layout.overlay") == {"Ctrl+2"}
    assert "F" not in {key for name in actions for key in keys(name)}   # F is "flag"
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    fitted = view.zoom()
    actions["view.zoom_in"].trigger()
    assert view.zoom() == pytest.approx(fitted * 1.25)
    actions["view.fit"].trigger()
    assert view.zoom() == pytest.approx(fitted)
    actions["view.clahe"].trigger()
    assert view.display().clahe
    actions["view.palette.black-hot"].trigger()
    assert view.display().palette == "black-hot" and view.display().clahe
    actions["view.layout.infrared"].trigger()
    assert view.layout_mode() == "infrared"
    # Set from outside (the main window restoring settings): the actions follow.
    view.set_display(DisplaySettings("jet"))
    assert actions["view.palette.jet"].isChecked() and not actions["view.clahe"].isChecked()
    view.set_layout("overlay")
    assert actions["view.layout.overlay"].isChecked()
    assert not actions["view.layout.infrared"].isChecked()


def test_drag_pans_both_views(view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    for _ in range(4):
        view.zoom_in()
    viewport = view.ir_view.viewport()
    bar = view.ir_view.horizontalScrollBar()
    start = bar.value()
    centre = viewport.rect().center()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, centre + QPoint(-20 * step, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=centre + QPoint(-100, 0))
    assert bar.value() > start
    assert view.visible_view.horizontalScrollBar().value() == bar.value()


def _drag(qtbot, pane, dx: int) -> None:  # type: ignore[no-untyped-def]
    viewport = pane.viewport()
    centre = viewport.rect().center()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, centre + QPoint(dx * step // 5, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=centre + QPoint(dx, 0))


def test_space_drag_pans_when_plain_drags_are_left_to_editing(
        view: PairView, llvip_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.show_pair(llvip_pair(llvip_dir, "190002"))
    for _ in range(4):
        view.zoom_in()
    pane = view.ir_view
    pane.drag_pans = False
    bar = pane.horizontalScrollBar()
    start = bar.value()
    _drag(qtbot, pane, -100)
    assert bar.value() == start
    pane.setFocus()
    qtbot.keyPress(pane, Qt.Key.Key_Space)
    _drag(qtbot, pane, -100)
    qtbot.keyRelease(pane, Qt.Key.Key_Space)
    assert bar.value() > start
    assert view.visible_view.horizontalScrollBar().value() == bar.value()


def test_shapes_follow_the_images_that_are_there(view: PairView, llvip_dir: Path,
                                                 tmp_path: Path) -> None:
    # The IR file is missing but its size is known from import, the visible one is there.
    pair = llvip_pair(llvip_dir, "190002", ir_path=str(tmp_path / "190002.jpg"), ir_exists=False)
    view.show_pair(pair)
    view.show_shapes([PAPER_BOX], [Point(250, 700, "person", CoordSpace.NORM1000)])
    assert view.ir_view.shape_items == []          # nothing to point at
    box, point = view.visible_view.shape_items
    assert isinstance(point, PointItem) and (point.pos().x(), point.pos().y()) == (320, 716.8)
    assert isinstance(box, BoxItem) and box.pen().color() != QColor(WARNING_COLOUR)
    # Neither image: placeholders only, no stray geometry.
    view.show_pair(llvip_pair(llvip_dir, "190002", ir_path=str(tmp_path / "a.jpg"),
                              visible_path=None, width=None, height=None))
    view.show_shapes([PAPER_BOX], [])
    assert view.ir_view.shape_items == [] and view.visible_view.shape_items == []
    assert "not found" in view.ir_view.placeholder_text()
