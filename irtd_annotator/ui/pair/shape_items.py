"""Scene items for the geometry of a Sample: one item per Box or Point, labelled.

Coordinates are scene coordinates = pixels of the infrared image. Pens are cosmetic (the
same width on screen at any zoom) and labels ignore the view's scale, so both stay legible
when zoomed out on a 1280x1024 frame. Each item keeps its domain shape in ``.shape_data``
for the later interactive editing.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from irtd_annotator.domain.model import Box, CoordSpace, Point

SHAPE_Z = 10.0
BOX_COLOUR = QColor(0, 230, 118)        # green: readable over every palette but "jet"
POINT_COLOUR = QColor(0, 200, 255)
WARNING_COLOUR = QColor(255, 64, 64)    # a shape (partly) outside the image
# Every shape is drawn over a dark outline (a halo) this many screen pixels wide on each side
# of its stroke: a bright stroke alone vanishes where the palette is bright in that colour
# (amber boxes on Iron, green on Jet); bright over dark shows on any palette.
HALO_PX = 1.0  # (Qt repaints 2 px around what moved: a wider halo could leave trails)
HALO_COLOUR = QColor(0, 0, 0, 200)


def cosmetic_pen(colour: QColor, width: float = 2.0, *, dashed: bool = False) -> QPen:
    """A pen whose width is in screen pixels whatever the zoom."""
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def halo_pen(pen: QPen) -> QPen:
    """The dark outline's pen under a stroke of ``pen``: solid, wider by ``HALO_PX`` a side."""
    halo = QPen(pen)
    halo.setColor(HALO_COLOUR)
    halo.setWidthF(pen.widthF() + 2 * HALO_PX)
    halo.setStyle(Qt.PenStyle.SolidLine)
    return halo


Shaped = QGraphicsRectItem | QGraphicsEllipseItem


def add_halo(item: Shaped) -> Shaped:
    """A dark outline of ``item``'s shape drawn behind it: a child item (painted by Qt, not
    by Python at every repaint) that the mouse goes through. The item's ``setPen`` keeps its
    pen in step; a box's ``set_rect`` its rectangle."""
    kind = QGraphicsRectItem if isinstance(item, QGraphicsRectItem) else QGraphicsEllipseItem
    halo = kind(item.rect(), item)
    halo.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent)
    halo.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    halo.setPen(halo_pen(item.pen()))
    return halo


class LabelItem(QGraphicsSimpleTextItem):
    """A shape's label: constant size on screen, light text on a dark plate."""

    def __init__(self, text: str, colour: QColor, parent: QGraphicsItem) -> None:
        super().__init__(text, parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        font = QFont()
        font.setPointSizeF(9.0)
        self.setFont(font)
        self.setBrush(QBrush(colour))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.fillRect(self.boundingRect().adjusted(-2, -1, 2, 1), QColor(0, 0, 0, 170))
        super().paint(painter, option, widget)  # type: ignore[arg-type]  # Qt allows no widget


class BoxItem(QGraphicsRectItem):
    """One Box drawn as a rectangle with its label above the top-left corner."""

    def __init__(self, box: Box, *, width: int | None, height: int | None) -> None:
        x1, y1, x2, y2 = scaled_box(box, width=width, height=height)
        super().__init__(QRectF(QPointF(x1, y1), QPointF(x2, y2)))
        self.halo = add_halo(self)
        self.shape_data = box
        self.outside = box.outside(width, height)
        colour = WARNING_COLOUR if self.outside else BOX_COLOUR
        self.setPen(cosmetic_pen(colour, dashed=self.outside))
        self.setZValue(SHAPE_Z)
        text = box.label + (" (outside the image)" if self.outside else "")
        self.setToolTip(f"{text.strip() or 'box'} [{box.x1:g}, {box.y1:g}, {box.x2:g}, {box.y2:g}]"
                        + (" (0-1000)" if box.space is CoordSpace.NORM1000 else ""))
        self.label_item: LabelItem | None = None
        if text.strip():
            self.label_item = LabelItem(text.strip(), colour, self)
            self.label_item.setPos(x1, y1)
            # The label ignores the view's scale, so its own transform is in screen pixels:
            # lift it by its height to sit just above the box's top-left corner.
            lift = self.label_item.boundingRect().height() + 2
            self.label_item.setTransform(QTransform.fromTranslate(1, -lift))

    def setPen(self, pen: QPen | Qt.PenStyle | QColor) -> None:  # noqa: N802 (Qt's name)
        super().setPen(pen)
        self.halo.setPen(halo_pen(self.pen()))  # wider when selected, say


class PointItem(QGraphicsEllipseItem):
    """One Point drawn as a ring of constant screen size with its label beside it."""

    RADIUS = 5.0

    def __init__(self, point: Point, *, width: int | None, height: int | None) -> None:
        r = self.RADIUS
        super().__init__(QRectF(-r, -r, 2 * r, 2 * r))
        self.halo = add_halo(self)
        self.shape_data = point
        self.outside = point.outside(width, height)
        x, y = scaled_point(point, width=width, height=height)
        self.setPos(x, y)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        colour = WARNING_COLOUR if self.outside else POINT_COLOUR
        self.setPen(cosmetic_pen(colour))
        self.setBrush(QBrush(QColor(colour.red(), colour.green(), colour.blue(), 90)))
        self.setZValue(SHAPE_Z)
        self.setToolTip(f"{point.label or 'point'} ({point.x:g}, {point.y:g})"
                        + (" (0-1000)" if point.space is CoordSpace.NORM1000 else ""))
        self.label_item: LabelItem | None = None
        if point.label:
            self.label_item = LabelItem(point.label, colour, self)
            self.label_item.setPos(r + 2, -r - 14)

    def setPen(self, pen: QPen | Qt.PenStyle | QColor) -> None:  # noqa: N802 (Qt's name)
        super().setPen(pen)
        self.halo.setPen(halo_pen(self.pen()))  # wider when selected, say


def scaled_box(box: Box, *, width: int | None,
               height: int | None) -> tuple[float, float, float, float]:
    """The box in pixels of a ``width`` x ``height`` image (0-1000 boxes are scaled).

    With the image size unknown a 0-1000 box stays as it is (the scene is then 1000 wide).
    """
    if box.space is CoordSpace.NORM1000 and width and height:
        sx, sy = width / 1000.0, height / 1000.0
        return box.x1 * sx, box.y1 * sy, box.x2 * sx, box.y2 * sy
    return box.x1, box.y1, box.x2, box.y2


def scaled_point(point: Point, *, width: int | None, height: int | None) -> tuple[float, float]:
    """The point in pixels of a ``width`` x ``height`` image (0-1000 points are scaled)."""
    if point.space is CoordSpace.NORM1000 and width and height:
        return point.x * width / 1000.0, point.y * height / 1000.0
    return point.x, point.y
