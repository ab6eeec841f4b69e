"""Editable scene items: boxes with eight resize handles, draggable points, numbered markers.

Item coordinates are pixels of the infrared image (or 0-1000 when the image size is unknown);
on the visible view of a hand-aligned pair the item's own transform maps them onto the
visible image, so editing there works in infrared pixels all the same. Handles and labels
ignore the view's zoom: they keep their size on screen. An item reports every change of a
drag to its ``owner`` (to mirror it live in the other view) and the finished gesture once,
on mouse release.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.ui.pair.shape_items import (
    BOX_COLOUR,
    SHAPE_Z,
    WARNING_COLOUR,
    BoxItem,
    PointItem,
    cosmetic_pen,
)

Key = tuple[str, int]  # (layer, index); layers "sample", "point", "source", "marker"
HANDLE_SIZE = 8.0  # screen pixels at any zoom
SOURCE_COLOUR = QColor(255, 193, 7)  # amber: the source dataset's own boxes
MARKER_COLOUR = QColor(255, 64, 200)
SELECTED_WIDTH = 3.0
MIN_SIZE = 1.0  # pixels: a resize never turns a box inside out
# (x role, y role) per handle: 0 = left/top edge, 1 = middle (not moved), 2 = right/bottom
HANDLE_ROLES = ((0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1))
_CURSORS = {(0, 0): Qt.CursorShape.SizeFDiagCursor, (2, 2): Qt.CursorShape.SizeFDiagCursor,
            (2, 0): Qt.CursorShape.SizeBDiagCursor, (0, 2): Qt.CursorShape.SizeBDiagCursor,
            (1, 0): Qt.CursorShape.SizeVerCursor, (1, 2): Qt.CursorShape.SizeVerCursor,
            (0, 1): Qt.CursorShape.SizeHorCursor, (2, 1): Qt.CursorShape.SizeHorCursor}


class ItemOwner(Protocol):
    """Who an editable item reports to (the geometry editor)."""

    def item_pressed(self, item: QGraphicsItem) -> None: ...
    def item_changed(self, item: QGraphicsItem) -> None: ...
    def item_finished(self, item: QGraphicsItem) -> None: ...
    def item_menu(self, item: QGraphicsItem, screen_pos: QPoint) -> None: ...


class HandleItem(QGraphicsRectItem):
    """One of the eight resize handles of a box: a small square of constant screen size."""

    def __init__(self, role: tuple[int, int], parent: EditableBoxItem) -> None:
        half = HANDLE_SIZE / 2
        super().__init__(QRectF(-half, -half, HANDLE_SIZE, HANDLE_SIZE), parent)
        self.role = role
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPen(QPen(QColor(20, 20, 20), 1.0))
        self.setBrush(QBrush(QColor(255, 255, 255)))
        self.setCursor(_CURSORS[role])
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setVisible(False)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        box = self.parentItem()
        assert isinstance(box, EditableBoxItem)
        box.begin_drag(self.role, event.scenePos())
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        box = self.parentItem()
        assert isinstance(box, EditableBoxItem)
        box.drag_to(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        box = self.parentItem()
        assert isinstance(box, EditableBoxItem)
        box.end_drag()


class EditableBoxItem(BoxItem):
    """A Box that can be selected, moved by dragging and resized by its eight handles.

    ``layer`` is "sample" (the Grounding answer's box) or "source" (the source dataset's
    box); ``index`` its position in that layer's list.
    """

    def __init__(self, box: Box, *, width: int | None, height: int | None, layer: str,
                 index: int, owner: ItemOwner | None, editable: bool = True) -> None:
        super().__init__(box, width=width, height=height)
        self.layer = layer
        self.index = index
        self.owner = owner
        self.editable = editable
        self._size = (width, height)
        self._selected = False
        self._drag: tuple[tuple[int, int] | None, QPointF, QRectF] | None = None
        # made when first needed (selected): every Sample shown makes its boxes anew, and
        # eight handles per box per pane cost more than the box
        self._handles: list[HandleItem] | None = None
        if layer == "source":
            self.setZValue(SHAPE_Z - 1)  # under the Sample's own box where they coincide
        if editable:
            self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton)
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._restyle()

    @property
    def handles(self) -> list[HandleItem]:
        """The eight resize handles (hidden unless the box is selected and editable)."""
        if self._handles is None:
            self._handles = [HandleItem(role, self) for role in HANDLE_ROLES]
            self._place_children()
        return self._handles

    # ----- state
    def box(self) -> Box:
        """The box as drawn now, in the space of the box it was made from."""
        r = self.rect().normalized()
        data = self.shape_data
        width, height = self._size
        if data.space is CoordSpace.NORM1000 and width and height:
            return Box(r.left() * 1000 / width, r.top() * 1000 / height,
                       r.right() * 1000 / width, r.bottom() * 1000 / height, data.label,
                       CoordSpace.NORM1000)
        return Box(r.left(), r.top(), r.right(), r.bottom(), data.label, data.space)

    def set_rect(self, rect: QRectF) -> None:
        """Show the box at ``rect`` (item coordinates), handles and label following."""
        self.setRect(rect.normalized())
        self.halo.setRect(self.rect())
        self._place_children()
        self.outside = self.box().outside(*self._size)
        self._restyle()

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        if selected or self._handles is not None:
            for handle in self.handles:
                handle.setVisible(selected and self.editable)
        self._restyle()

    def is_selected(self) -> bool:
        return self._selected

    # ----- dragging: ``role`` None moves the whole box
    def begin_drag(self, role: tuple[int, int] | None, scene_pos: QPointF) -> None:
        if not self.editable:
            return
        self._drag = (role, self.mapFromScene(scene_pos), QRectF(self.rect()))
        if self.owner is not None:
            self.owner.item_pressed(self)

    def drag_to(self, scene_pos: QPointF) -> None:
        if self._drag is None:
            return
        role, start, rect = self._drag
        delta = self.mapFromScene(scene_pos) - start
        if role is None:
            self.set_rect(rect.translated(delta))
        else:
            left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
            if role[0] == 0:
                left = min(left + delta.x(), right - MIN_SIZE)
            elif role[0] == 2:
                right = max(right + delta.x(), left + MIN_SIZE)
            if role[1] == 0:
                top = min(top + delta.y(), bottom - MIN_SIZE)
            elif role[1] == 2:
                bottom = max(bottom + delta.y(), top + MIN_SIZE)
            self.set_rect(QRectF(QPointF(left, top), QPointF(right, bottom)))
        if self.owner is not None:
            self.owner.item_changed(self)

    def end_drag(self) -> None:
        if self._drag is None:
            return
        moved = self.rect() != self._drag[2]
        self._drag = None
        if moved and self.owner is not None:
            self.owner.item_finished(self)

    # ----- Qt
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin_drag(None, event.scenePos())
            event.accept()
        elif self.owner is not None:
            self.owner.item_pressed(self)
            event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self.drag_to(event.scenePos())

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:  # noqa: N802
        if self.editable and self.owner is not None:
            self.owner.item_menu(self, event.screenPos())
            event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self.end_drag()

    def _place_children(self) -> None:
        r = self.rect()
        if self._handles is not None:
            xs = (r.left(), r.center().x(), r.right())
            ys = (r.top(), r.center().y(), r.bottom())
            for handle in self._handles:
                handle.setPos(xs[handle.role[0]], ys[handle.role[1]])
        if self.label_item is not None:
            self.label_item.setPos(r.left(), r.top())

    def _restyle(self) -> None:
        if not hasattr(self, "_handles"):
            return
        colour = WARNING_COLOUR if self.outside else (
            SOURCE_COLOUR if self.layer == "source" else BOX_COLOUR)
        width = SELECTED_WIDTH if self._selected else 2.0
        self.setPen(cosmetic_pen(colour, width, dashed=self.outside))
        self._place_children()
        if self.label_item is not None:
            label = self.shape_data.label + (" (outside the image)" if self.outside else "")
            self.label_item.setText(label.strip())
            self.label_item.setBrush(QBrush(colour))


class EditablePointItem(PointItem):
    """A Point that can be selected and dragged; ``index`` is its place in the answer."""

    def __init__(self, point: Point, *, width: int | None, height: int | None, index: int,
                 owner: ItemOwner | None, mapping: PointMapping | None = None) -> None:
        super().__init__(point, width=width, height=height)
        self.index = index
        self.owner = owner
        self.layer = "point"
        self._size = (width, height)
        self._mapping = mapping
        self._selected = False
        self._dragging = False
        self._start = QPointF()
        if mapping is not None:
            self.setPos(mapping.to_scene(self.pos()))
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.SizeAllCursor)

    def image_pos(self) -> QPointF:
        """The point's position in infrared pixels (or 0-1000 without an image size)."""
        return self._mapping.from_scene(self.pos()) if self._mapping is not None else self.pos()

    def point(self) -> Point:
        pos = self.image_pos()
        data = self.shape_data
        width, height = self._size
        if data.space is CoordSpace.NORM1000 and width and height:
            return Point(pos.x() * 1000 / width, pos.y() * 1000 / height, data.label,
                         CoordSpace.NORM1000)
        return Point(pos.x(), pos.y(), data.label, data.space)

    def set_image_pos(self, pos: QPointF) -> None:
        self.setPos(self._mapping.to_scene(pos) if self._mapping is not None else pos)

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        pen = self.pen()
        pen.setWidthF(SELECTED_WIDTH if selected else 2.0)
        self.setPen(pen)

    def is_selected(self) -> bool:
        return self._selected

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self._dragging = True
        self._start = self.pos()
        if self.owner is not None:
            self.owner.item_pressed(self)
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._dragging:
            self.setPos(event.scenePos())
            if self.owner is not None:
                self.owner.item_changed(self)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._dragging:
            self._dragging = False
            if self.pos() != self._start and self.owner is not None:
                self.owner.item_finished(self)


class PointMapping(Protocol):
    """Maps infrared pixels to the scene of a pane and back (alignment on the visible view)."""

    def to_scene(self, pos: QPointF) -> QPointF: ...
    def from_scene(self, pos: QPointF) -> QPointF: ...


class MarkerItem(QGraphicsEllipseItem):
    """A numbered click-to-count marker of constant screen size."""

    RADIUS = 8.0

    def __init__(self, point: Point, number: int, *, index: int,
                 mapping: PointMapping | None = None) -> None:
        r = self.RADIUS
        super().__init__(QRectF(-r, -r, 2 * r, 2 * r))
        self.shape_data = point
        self.index = index
        self.number = number
        self.layer = "marker"
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        pos = QPointF(point.x, point.y)
        self.setPos(mapping.to_scene(pos) if mapping is not None else pos)
        self.setPen(cosmetic_pen(QColor(255, 255, 255), 1.5))
        self.setBrush(QBrush(MARKER_COLOUR))
        self.setZValue(12.0)
        self.setToolTip(f"marker {number} (click it in count mode to remove it)")

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        super().paint(painter, option, widget)
        font = QFont()
        font.setPointSizeF(7.0)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, str(self.number))


def item_key(item: QGraphicsItem) -> Key | None:
    """The (layer, index) of an editable item, None for anything else (handles, images)."""
    layer = getattr(item, "layer", None)
    index = getattr(item, "index", None)
    if isinstance(layer, str) and isinstance(index, int):
        return (layer, index)
    return None
