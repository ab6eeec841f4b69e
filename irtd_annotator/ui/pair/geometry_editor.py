"""Editing geometry in the pair view: select, move, resize, draw, delete, relabel, nudge,
place points and click-to-count markers, align an unaligned pair by hand.

The editor draws the shape items of both panes (the pair view's ``_refresh_shapes`` hands
this over; pane_items keeps them) and reports each finished gesture ONCE, as complete new
lists: the controller turns a signal into one saved, undoable change. It never writes
anything itself. Mouse and keys reach it through edit_input.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from PySide6.QtCore import QObject, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsItem

from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.ui.pair.alignment_tool import (
    OverlayAligner,
    fitted_transform,
    implied_alignment,
    overlay_transform,
    to_qtransform,
)
from irtd_annotator.ui.pair.edit_input import EditInput
from irtd_annotator.ui.pair.edit_items import EditablePointItem, Key, MarkerItem, item_key
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.pane_content import alignment_note
from irtd_annotator.ui.pair.pane_items import PaneItems, sample_shapes, source_shapes

MODES = ("select", "box", "point", "count")
MIN_DRAWN = 2.0  # a drawn box smaller than this (pixels) is a slip of the mouse
# Arrow-key nudges are reported (saved, one undo step) once the keys pause this long, like a
# typing burst: ten presses of Right are one change, not ten revisions.
NUDGE_PAUSE_MS = 700
# A point saved is found again within this many pixels (of the answer's rounding: a 0-1000
# answer keeps about 1.3 px of a 1280 px image) once the answer sorted the points again.
FOLLOW_PX = 3.0


class EditedView(Protocol):
    """What the editor needs of the pair view: its panes and what they show. (The view builds
    the editor: a Protocol keeps this module from importing it back.)"""

    @property
    def ir_view(self) -> ImagePane: ...
    @property
    def visible_view(self) -> ImagePane: ...
    def pair(self) -> PairInfo | None: ...
    def layout_mode(self) -> str: ...
    def image_size(self) -> tuple[int, int] | None: ...
    def shapes(self) -> tuple[tuple[Box, ...], tuple[Point, ...]]: ...


class GeometryEditor(QObject):
    """The editing side of a PairView (``view.editor``)."""

    geometry_edited = Signal(object, object)  # the Sample's tuple[Box], tuple[Point]
    source_boxes_edited = Signal(object)      # the Pair's source boxes, tuple[Box]
    markers_edited = Signal(object)           # the Sample's click-to-count markers, tuple[Point]
    alignment_edited = Signal(object, bool)   # Alignment, for this pair only
    mode_changed = Signal(str)
    selection_changed = Signal(object)        # the selected Box/Point, or None
    context_changed = Signal()                # another Sample: task, labels, boxes
    menu_requested = Signal(object)           # a right click on a box: the screen QPoint
    message = Signal(str)                     # why an edit was refused

    def __init__(self, view: EditedView, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self.task: Task | None = None
        self.source_boxes: tuple[Box, ...] = ()
        self.markers: tuple[Point, ...] = ()
        self.alignment: Alignment | None = None
        self.labels: tuple[str, ...] = ("person", "car", "bike")  # the source's vocabulary
        self.label = "person"  # the label of boxes drawn into the source layer
        self.mode = "select"
        self.selected: Key | None = None
        self._items = PaneItems()
        self._held = 0          # > 0 inside held(): rebuilds wait for its end
        self._stale = False     # a rebuild was asked for while held
        self._nudged: Key | None = None  # the shape a burst of arrow keys moved, not yet reported
        self._follow: QPointF | None = None  # where the selected point is saved (see rebuild)
        self._nudge_pause = QTimer(self)
        self._nudge_pause.setSingleShot(True)
        self._nudge_pause.setInterval(NUDGE_PAUSE_MS)
        self._nudge_pause.timeout.connect(self.end_nudges)
        self.input = EditInput(self, (view.ir_view, view.visible_view), parent=self)
        self.aligner = OverlayAligner(
            view.ir_view.overlay_item, view.ir_view.viewport(),
            map_to_scene=lambda pos: view.ir_view.mapToScene(pos.toPoint()),
            enabled=self._can_align, finished=self._aligned)

    # ----- what the controller sets
    def set_context(self, *, task: Task | None, source_boxes: Sequence[Box] = (),
                    markers: Sequence[Point] = (), alignment: Alignment | None = None,
                    labels: Sequence[str] = ()) -> None:
        """The Sample's task (what is editable), its Pair's source boxes, its markers and the
        Pair's alignment; ``labels`` the vocabulary (the first becomes the drawing label)."""
        self.task = task
        self.source_boxes = tuple(source_boxes)
        self.markers = tuple(markers)
        self.alignment = alignment
        if labels:
            self.labels = tuple(labels)
            if self.label not in labels:
                self.label = labels[0]
        if (self.mode == "point" and task not in (None, Task.LOCATION)) or \
                (self.mode == "count" and not self._counting()):
            self.set_mode("select")
        self.rebuild()
        self.images_refreshed()
        self.context_changed.emit()

    def set_mode(self, mode: str) -> None:
        """"select", "box" (draw), "point" (add Location points) or "count" (markers)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode == "point" and self.task not in (None, Task.LOCATION):
            self.message.emit("Points are added to Location answers only")
            mode = "select"
        if mode == "count" and not self._counting():
            self.message.emit("Markers count the objects of a counting sample")
            mode = "select"
        self.mode = mode
        for pane in self._panes():
            pane.drag_pans = mode == "select"  # else space+drag pans, a drag edits
        self.mode_changed.emit(mode)
        if self.mode_hint():
            self.message.emit(self.mode_hint())  # what the drag or click will do, before it

    def mode_hint(self) -> str:
        """What a drag or click does in the current mode (the status bar shows it while the
        pointer is on the image); empty in select mode."""
        if self.mode == "box" and self.task is Task.GROUNDING:
            return ("B: the new box replaces box 1 (Grounding takes one box)"
                    if self._view.shapes()[0] else "B: draw the box (Grounding takes one box)")
        if self.mode == "box":  # the source dataset's boxes: as many as there are objects
            return f"B: draw a box to add (a source box labelled {self.label})"
        return {"point": "D: click to add a point (Location)",
                "count": "M: click each object to count it, a marker to remove it"}.get(self.mode, "")

    # ----- drawing (the pair view calls these)
    @contextmanager
    def held(self) -> Iterator[None]:
        """Rebuild the items once at the end instead of at every step inside (showing another
        Sample sets its pair, its shapes and its context one after the other)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._stale:
                self.rebuild()

    def rebuild(self) -> None:
        """Recreate the shape items of both panes from the current shapes."""
        if self._held:
            self._stale = True
            return
        self._stale = False
        view = self._view
        self._items.clear()
        ir, visible = view.ir_view, view.visible_view
        ir.set_shapes(self._make_items(ir, QTransform()) if ir.has_image() else [])
        transform = self._visible_transform()
        visible.set_shapes(self._make_items(visible, transform) if transform is not None else [])
        follow, self._follow = self._follow, None
        if follow is not None and self.selected is not None and self.selected[0] == "point":
            # points are saved left to right: the one selected may have another index now
            self.selected = self._items.point_at(follow, within=FOLLOW_PX)
        if self.selected is not None and not self._items.holds(self.selected):
            self.selected = None
        self._items.show_selected(self.selected)

    def images_refreshed(self) -> None:
        """After the pair view placed its images: the overlay and the note follow the alignment."""
        view = self._view
        pair = view.pair()
        if pair is None or pair.aligned:
            return
        overlay = view.ir_view.overlay_item
        if view.layout_mode() == "overlay" and not overlay.pixmap().isNull():
            size = view.image_size()
            overlay.setTransform(overlay_transform(self.alignment) if self.alignment is not None
                                 else fitted_transform(overlay.pixmap().size(), size)
                                 if size is not None else overlay.transform())
        if view.layout_mode() == "side-by-side" and view.visible_view.has_image():
            view.visible_view.set_note(alignment_note(self.alignment))

    def items(self, pane: ImagePane) -> dict[Key, QGraphicsItem]:
        """The editable items of a pane by (layer, index)."""
        return self._items.of_pane(pane)

    # ----- gestures reported by the items
    def item_pressed(self, item: QGraphicsItem) -> None:
        self.select(_key(item))
        scene = item.scene()
        for pane in self._panes():  # the keys (arrows, Del) go to the pane clicked in
            if scene is pane.scene():
                pane.setFocus(Qt.FocusReason.MouseFocusReason)

    def item_changed(self, item: QGraphicsItem) -> None:
        self._items.mirror(item, _key(item))

    def item_menu(self, item: QGraphicsItem, screen_pos: QPoint) -> None:
        self.select(_key(item))
        if _key(item)[0] == "source":  # the only boxes whose label is theirs to change
            self.menu_requested.emit(screen_pos)

    def item_finished(self, item: QGraphicsItem) -> None:
        layer = _key(item)[0]
        items = self._items.siblings_of(item)
        if layer == "source":
            self.source_boxes_edited.emit(source_shapes(items, self.source_boxes))
        else:
            if layer == "point" and isinstance(item, EditablePointItem):
                self._follow = item.image_pos()
            self.geometry_edited.emit(*sample_shapes(items, *self._view.shapes()))

    # ----- commands (actions, keys, the label combo)
    def delete_selected(self) -> None:
        """Remove the selected source box, point or marker (a Grounding box must stay)."""
        self.end_nudges()
        if self.selected is None:
            self.message.emit("Select a box or point first")
            return
        layer, index = self.selected
        boxes, points = self._view.shapes()
        if layer == "source":
            self.selected = None
            self.source_boxes_edited.emit(tuple(b for i, b in enumerate(self.source_boxes)
                                                if i != index))
        elif layer == "marker":
            self.selected = None
            self.markers_edited.emit(tuple(m for i, m in enumerate(self.markers) if i != index))
        elif layer == "point":
            self.selected = None
            self.geometry_edited.emit(tuple(boxes), tuple(p for i, p in enumerate(points)
                                                          if i != index))
        else:
            self.message.emit("A Grounding answer needs its box: move it or draw a new one (B)")

    def relabel_selected(self, label: str) -> None:
        """Give the selected source box ``label``; without one, draw new boxes with it."""
        label = label.strip()
        if not label:
            return
        self.label = label
        if self.selected is None or self.selected[0] != "source":
            return
        self.end_nudges()
        index = self.selected[1]
        old = self.source_boxes[index]
        if old.label != label:
            boxes = list(self.source_boxes)
            boxes[index] = Box(old.x1, old.y1, old.x2, old.y2, label, old.space)
            self.source_boxes_edited.emit(tuple(boxes))

    def selected_shape(self) -> Box | Point | None:
        """The selected shape as it is drawn now, or None."""
        return None if self.selected is None else self._items.shape(self.selected)

    # ----- internals: items
    def _make_items(self, pane: ImagePane, transform: QTransform) -> list[QGraphicsItem]:
        return self._items.make(
            pane, transform, owner=self, shapes=self._view.shapes(),
            source_boxes=self.source_boxes, markers=self.markers if self._counting() else (),
            size=self._view.image_size(), boxes_editable=self.task in (None, Task.GROUNDING),
            points_editable=self.task in (None, Task.LOCATION))

    def _visible_transform(self) -> QTransform | None:
        """How geometry lands on the visible view, or None when it is not drawn there."""
        view = self._view
        pair = view.pair()
        if pair is None or view.layout_mode() != "side-by-side" or not view.visible_view.has_image():
            return None
        if pair.aligned:
            return QTransform()
        if self.alignment is None:
            return None
        return to_qtransform(self.alignment) * view.visible_view.pixmap_item.transform()

    # ----- selection, nudging, drawing boxes, adding points and markers
    def select(self, key: Key | None) -> None:
        """Select the item ``(layer, index)`` in both panes, or nothing."""
        if key == self.selected:
            return
        self.end_nudges()  # the burst belongs to the shape selected until now
        self.selected = key
        self._items.show_selected(key)
        self.selection_changed.emit(self.selected_shape())

    def nudge(self, dx: float, dy: float) -> bool:
        """Move the selection by (dx, dy) pixels in both panes; False if it cannot move.

        The move is reported once the keys pause (``NUDGE_PAUSE_MS``) or ``end_nudges`` is
        called: a burst of nudges is one change, one revision, one undo step."""
        if self.selected is None or not self._items.nudge(self.selected, dx, dy):
            return False
        self._nudged = self.selected
        self._nudge_pause.start()
        return True

    def nudging(self) -> bool:
        """Whether arrow keys moved a shape that is not reported yet."""
        return self._nudged is not None

    def end_nudges(self) -> None:
        """Report the shape the arrow keys moved since the last pause, now (nothing when none).

        Called after the pause and before anything else touches the shapes or the Sample: a
        mouse press, another selection, a layout or Sample shown, a decision, an undo, closing.
        """
        self._nudge_pause.stop()
        key, self._nudged = self._nudged, None
        if key is None:
            return
        item = self._items.first(key, prefer=self._view.ir_view)
        if item is not None:
            self.item_finished(item)

    def add_box(self, rect: QRectF) -> None:
        """A box drawn over ``rect`` (infrared pixels): the Grounding answer's new box, else
        a new source box with the current label."""
        if rect.width() < MIN_DRAWN or rect.height() < MIN_DRAWN:
            return
        self.end_nudges()
        boxes, points = self._view.shapes()
        if self.task is Task.GROUNDING:
            label = boxes[0].label if boxes else self.label
            new = Box(rect.left(), rect.top(), rect.right(), rect.bottom(), label)
            self.selected = ("sample", 0)
            self.geometry_edited.emit((new,), tuple(points))
            return
        new = Box(rect.left(), rect.top(), rect.right(), rect.bottom(), self.label)
        self.selected = ("source", len(self.source_boxes))
        self.source_boxes_edited.emit((*self.source_boxes, new))

    def add_point(self, pos: QPointF) -> None:
        """A Location point added at ``pos`` (infrared pixels)."""
        self.end_nudges()
        boxes, points = self._view.shapes()
        label = points[0].label if points else self.label
        space = points[0].space if points else CoordSpace.PIXEL
        if space is CoordSpace.NORM1000 and self._view.image_size() is None:
            new = Point(pos.x(), pos.y(), label, CoordSpace.NORM1000)  # the scene is 0-1000
        else:
            new = Point(pos.x(), pos.y(), label)
        self.selected = ("point", len(points))  # like a drawn box: the arrows move it next
        self._follow = QPointF(pos)
        self.geometry_edited.emit(tuple(boxes), (*points, new))

    def toggle_marker(self, pos: QPointF, marker: MarkerItem | None) -> None:
        """Remove the marker clicked, or add one at ``pos`` (infrared pixels)."""
        self.end_nudges()
        if marker is not None:
            self.markers_edited.emit(tuple(m for i, m in enumerate(self.markers)
                                           if i != marker.index))
            return
        size = self._view.image_size()
        if size is not None and not (0 <= pos.x() <= size[0] and 0 <= pos.y() <= size[1]):
            self.message.emit("Markers count what is on the image: click on the image")
            return
        self.markers_edited.emit((*self.markers, Point(pos.x(), pos.y())))

    def to_image(self, pane: ImagePane, scene: QPointF) -> QPointF:
        """A scene position of ``pane`` in infrared pixels."""
        return self._items.to_image(pane, scene)

    def pane_transform(self, pane: ImagePane) -> QTransform:
        """Infrared pixels -> the pane's scene (identity but on a hand-aligned visible view)."""
        return self._items.transform(pane)

    # ----- internals: alignment
    def _can_align(self) -> bool:
        view = self._view
        pair = view.pair()
        return (pair is not None and not pair.aligned and view.layout_mode() == "overlay"
                and not view.ir_view.overlay_item.pixmap().isNull())

    def _aligned(self, alignment: Alignment, per_pair: bool) -> None:
        self.alignment = alignment
        self.alignment_edited.emit(alignment, per_pair)

    def implied_alignment(self) -> Alignment:
        """The alignment shown now in the overlay (the fitted one when none is stored)."""
        if self.alignment is not None:
            return self.alignment
        return implied_alignment(self._view.ir_view.overlay_item.transform())

    # ----- helpers
    def _counting(self) -> bool:
        return self.task in (Task.AERIAL_COUNTING, Task.PEDESTRIAN_COUNTING)

    def _panes(self) -> tuple[ImagePane, ImagePane]:
        return (self._view.ir_view, self._view.visible_view)


def _key(item: QGraphicsItem) -> Key:
    key = item_key(item)
    assert key is not None
    return key
