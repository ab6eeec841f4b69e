"""Hand alignment of unaligned pairs (FLIR ADAS v1: the RGB camera sees another field of view).

An ``Alignment`` says where the infrared image lies on the visible one (visible pixels =
infrared pixels * scale + offset). The pair view uses it twice: in the overlay layout the
visible image is drawn over the infrared one through its inverse, and in the side-by-side
layout the geometry is drawn on the visible image through it. In the overlay layout the
reviewer moves the visible image with Alt+drag and scales it with Alt+wheel; the new
alignment is reported once per gesture (on release; after a pause of the wheel).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QSize, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem

from irtd_annotator.domain.geometry_edit import Alignment

WHEEL_SCALE_STEP = 1.01   # Alt+wheel: one notch scales the visible image by 1 %
WHEEL_PAUSE_MS = 400      # a wheel gesture ends after this pause


def to_qtransform(alignment: Alignment) -> QTransform:
    """Infrared pixels -> visible pixels."""
    return QTransform(alignment.scale, 0, 0, alignment.scale, alignment.dx, alignment.dy)


def from_qtransform(transform: QTransform) -> Alignment:
    """The alignment of an infrared -> visible transform made only of a scale and a shift."""
    return Alignment(dx=transform.dx(), dy=transform.dy(), scale=transform.m11())


def implied_alignment(fit: QTransform) -> Alignment:
    """The alignment the pair view shows without one: the visible image fitted into the
    infrared extent (``fit`` maps visible pixels onto infrared pixels)."""
    inverse, ok = fit.inverted()
    return from_qtransform(inverse) if ok else Alignment()


def fitted_transform(pixmap: QSize, size: tuple[int, int]) -> QTransform:
    """Visible pixels -> infrared pixels when nothing is known: the visible image fitted into
    the infrared extent, centred, as the pair view places an image of another size."""
    width, height = size
    if pixmap.isEmpty():
        return QTransform()
    scale = min(width / pixmap.width(), height / pixmap.height())
    return QTransform(scale, 0, 0, scale, (width - pixmap.width() * scale) / 2,
                      (height - pixmap.height() * scale) / 2)


def overlay_transform(alignment: Alignment) -> QTransform:
    """Visible pixels -> infrared pixels: where the overlay item draws the visible image."""
    inverse, ok = to_qtransform(alignment).inverted()
    return inverse if ok else QTransform()


class OverlayAligner(QObject):
    """Alt+drag moves and Alt+wheel scales the visible overlay of the infrared view.

    ``enabled()`` says whether the gesture applies now (overlay layout, an unaligned pair,
    a visible image); ``finished(alignment, per_pair)`` receives each finished gesture
    (Ctrl held as well: for this pair only).
    """

    def __init__(self, item: QGraphicsPixmapItem, viewport: QObject, *,
                 map_to_scene: Callable[[QPointF], QPointF], enabled: Callable[[], bool],
                 finished: Callable[[Alignment, bool], None]) -> None:
        super().__init__(viewport)
        self._item = item
        self._map = map_to_scene
        self._enabled = enabled
        self._finished = finished
        self._drag: tuple[QPointF, QTransform] | None = None
        self._per_pair = False
        self._wheel = QTimer(self)
        self._wheel.setSingleShot(True)
        self._wheel.setInterval(WHEEL_PAUSE_MS)
        self._wheel.timeout.connect(self._emit)
        viewport.installEventFilter(self)

    def current(self) -> Alignment:
        """The alignment the overlay shows now."""
        inverse, ok = self._item.transform().inverted()
        return from_qtransform(inverse) if ok else Alignment()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            if (event.button() == Qt.MouseButton.LeftButton and self._alt(event)
                    and self._enabled()):
                self._drag = (self._map(event.position()), QTransform(self._item.transform()))
                self._per_pair = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                return True
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            if self._drag is not None:
                start, transform = self._drag
                delta = self._map(event.position()) - start
                self._item.setTransform(transform * QTransform.fromTranslate(delta.x(), delta.y()))
                return True
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            if self._drag is not None:
                moved = self._item.transform() != self._drag[1]
                self._drag = None
                if moved:
                    self._emit()
                return True
        elif (kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent)
                and self._alt(event) and self._enabled()):
            self._scale(event)
            return True
        return False

    def _scale(self, event: QWheelEvent) -> None:
        # With Alt held some platforms turn the vertical wheel into a horizontal one.
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        factor = math.pow(WHEEL_SCALE_STEP, delta / 120.0)
        anchor = self._map(event.position())
        about = (QTransform.fromTranslate(-anchor.x(), -anchor.y())
                 * QTransform.fromScale(factor, factor)
                 * QTransform.fromTranslate(anchor.x(), anchor.y()))
        self._item.setTransform(self._item.transform() * about)
        self._per_pair = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        self._wheel.start()

    def _emit(self) -> None:
        self._wheel.stop()
        try:
            alignment = self.current()
        except ValueError:
            return  # scaled beyond what an alignment allows: the next redraw puts it back
        self._finished(alignment, self._per_pair)

    @staticmethod
    def _alt(event: QMouseEvent | QWheelEvent) -> bool:
        return bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)


class PaneMapping:
    """Infrared pixels <-> a pane's scene through a transform (identity on the IR view)."""

    def __init__(self, transform: QTransform) -> None:
        self.transform = transform
        self.inverse, _ok = transform.inverted()

    def to_scene(self, pos: QPointF) -> QPointF:
        return self.transform.map(pos)

    def from_scene(self, pos: QPointF) -> QPointF:
        return self.inverse.map(pos)
