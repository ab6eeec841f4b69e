"""One image of the pair view: a QGraphicsView with its own scene, image, shapes and crosshair.

Scene coordinates are pixels of the infrared image in both panes: the visible image is
scaled onto the infrared image's extent, so the two panes can share one transform and one
scroll position, and a Box in IR pixels lands on the same place in both.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from irtd_annotator.ui.pair.shape_items import cosmetic_pen

# One wheel notch (120 units) zooms by this factor.
WHEEL_STEP = 1.25
CROSSHAIR_Z = 20.0
_BACKGROUND = QColor(30, 30, 30)


class ImagePane(QGraphicsView):
    """Shows one image with the Sample's shapes; zoom and scrolling are driven by the PairView."""

    hovered = Signal(object)               # scene QPointF under the cursor, None when it leaves
    wheel_zoom = Signal(float, QPointF)    # zoom factor, anchor in viewport coordinates
    resized = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        scene = QGraphicsScene(self)
        # A handful of items: a linear scan beats maintaining a BSP index on every change.
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self.setBackgroundBrush(_BACKGROUND)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setMouseTracking(True)
        # Both panes pan together by dragging; scroll bars would only duplicate that.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.pixmap_item = ImageItem()
        self.pixmap_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        scene.addItem(self.pixmap_item)
        self.overlay_item = QGraphicsPixmapItem()
        self.overlay_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.overlay_item.setZValue(1.0)
        self.overlay_item.setVisible(False)
        scene.addItem(self.overlay_item)
        self.shape_items: list[QGraphicsItem] = []

        pen = cosmetic_pen(QColor(255, 255, 0, 200), 1.0, dashed=True)
        self._cross_h = QGraphicsLineItem()
        self._cross_v = QGraphicsLineItem()
        for line in (self._cross_h, self._cross_v):
            line.setPen(pen)
            line.setZValue(CROSSHAIR_Z)
            line.setVisible(False)
            scene.addItem(line)

        self._placeholder = QLabel(self)
        self._placeholder.setObjectName(f"{name}-placeholder")
        self._placeholder.setWordWrap(True)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._placeholder.setStyleSheet("color: #ddd; background: transparent; padding: 12px;")
        self._placeholder.hide()
        self._note = QLabel(self)
        self._note.setObjectName(f"{name}-note")
        self._note.setWordWrap(True)
        self._note.setStyleSheet("color: #111; background: rgba(255, 200, 60, 220); padding: 3px;")
        self._note.hide()

        self.paint_count = 0
        self._drag_pans = True
        self._space_held = False
        self._apply_drag_mode()

    # ----- content
    def set_image(self, pixmap: QPixmap | None, *, size: tuple[int, int]) -> None:
        """Show ``pixmap`` stretched over the scene's ``size`` (IR pixels), or no image."""
        self.set_scene_size(size)
        _place_pixmap(self.pixmap_item, pixmap, size)

    def set_overlay(self, pixmap: QPixmap | None, *, size: tuple[int, int], opacity: float) -> None:
        """Blend ``pixmap`` over the image with ``opacity`` (overlay layout), or remove it."""
        _place_pixmap(self.overlay_item, pixmap, size)
        self.overlay_item.setOpacity(opacity)
        self.overlay_item.setVisible(pixmap is not None)

    def set_scene_size(self, size: tuple[int, int]) -> None:
        width, height = size
        rect = QRectF(0, 0, width, height)
        if self.sceneRect() != rect:
            self.setSceneRect(rect)
            self._cross_h.setLine(QLineF(0, 0, width, 0))
            self._cross_v.setLine(QLineF(0, 0, 0, height))

    def has_image(self) -> bool:
        return not self.pixmap_item.pixmap().isNull()

    def set_fitted(self, pixmap: QPixmap | None) -> None:
        """A copy of the image shown now, already scaled to the screen: drawn instead of
        scaling the image while painting whenever the view shows it at that size (until
        another image is set)."""
        item = self.pixmap_item
        item.fitted = pixmap if pixmap is not None and not pixmap.isNull() else None
        item.fitted_for = item.pixmap().cacheKey() if item.fitted is not None else None

    def set_shapes(self, items: list[QGraphicsItem]) -> None:
        """Replace the shape items (one per Box or Point)."""
        scene = self.scene()
        for item in self.shape_items:
            scene.removeItem(item)
        self.shape_items = list(items)
        for item in self.shape_items:
            scene.addItem(item)

    def set_placeholder(self, text: str | None) -> None:
        """A message instead of the image (missing file, undecodable file, no counterpart)."""
        self._placeholder.setText(text or "")
        self._placeholder.setVisible(bool(text))
        if text:
            self.set_image(None, size=(int(self.sceneRect().width()), int(self.sceneRect().height())))

    def placeholder_text(self) -> str:
        return self._placeholder.text() if self._placeholder.isVisibleTo(self) else ""

    def placeholder_text_height(self) -> int:
        """Pixels the placeholder's text takes as it is wrapped at the pane's width now (a
        long path wraps to more lines than it has line breaks)."""
        label = self._placeholder
        # from the viewport's width (the label's geometry follows it only after the resize
        # that asks): inset 16 px a side (_layout_labels) and padded 12 px a side
        width = max(1, self.viewport().width() - 2 * 16 - 2 * 12)
        flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
        return label.fontMetrics().boundingRect(0, 0, width, 1 << 20, flags, label.text()).height()

    def set_note(self, text: str | None) -> None:
        """A banner along the top of the pane (e.g. geometry not shown here)."""
        self._note.setText(text or "")
        self._note.setVisible(bool(text))
        self._layout_labels()

    def note_text(self) -> str:
        return self._note.text() if self._note.isVisibleTo(self) else ""

    # ----- crosshair
    def set_crosshair(self, pos: QPointF | None) -> None:
        """Draw the crosshair through scene position ``pos``, or hide it."""
        if pos is None:
            self._cross_h.setVisible(False)
            self._cross_v.setVisible(False)
            return
        self._cross_h.setPos(0, pos.y())
        self._cross_v.setPos(pos.x(), 0)
        self._cross_h.setVisible(True)
        self._cross_v.setVisible(True)

    def crosshair_pos(self) -> QPointF | None:
        if not self._cross_v.isVisible():
            return None
        return QPointF(self._cross_v.pos().x(), self._cross_h.pos().y())

    # ----- zoom helpers
    def scale_factor(self) -> float:
        return self.transform().m11()

    def set_scale(self, scale: float) -> None:
        self.setTransform(QTransform.fromScale(scale, scale))
        # Smooth when shrinking (aliasing hides detail); crisp pixels when magnifying.
        mode = (Qt.TransformationMode.SmoothTransformation if scale < 1.0
                else Qt.TransformationMode.FastTransformation)
        self.pixmap_item.setTransformationMode(mode)
        self.overlay_item.setTransformationMode(mode)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1.0)

    def fit_scale(self) -> float:
        """The scale at which the whole scene fits the viewport."""
        rect = self.sceneRect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            return 1.0
        return min(view.width() / rect.width(), view.height() / rect.height())

    # ----- panning
    @property
    def drag_pans(self) -> bool:
        """Whether a plain drag pans (else only space+drag does, leaving drags to editing)."""
        return self._drag_pans

    @drag_pans.setter
    def drag_pans(self, value: bool) -> None:
        self._drag_pans = value
        self._apply_drag_mode()

    def _apply_drag_mode(self) -> None:
        pan = self._drag_pans or self._space_held
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if pan
                         else QGraphicsView.DragMode.NoDrag)

    # ----- events
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt's name)
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta == 0:
            event.ignore()
            return
        self.wheel_zoom.emit(WHEEL_STEP ** (delta / 120.0), event.position())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        super().mouseMoveEvent(event)
        self.hovered.emit(self.mapToScene(event.position().toPoint()))

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # The image is the viewport: the pointer leaving it for a banner or button over it
        # (which the pane itself does not see as a leave) or for anywhere else hides the
        # crosshair of both panes.
        if event.type() == QEvent.Type.Leave:
            self.hovered.emit(None)
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._apply_drag_mode()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._apply_drag_mode()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._layout_labels()
        self.resized.emit()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        self.paint_count += 1

    def _layout_labels(self) -> None:
        area = self.viewport().geometry()
        self._placeholder.setGeometry(area.adjusted(16, 16, -16, -16))
        if self._note.isVisibleTo(self):
            height = self._note.heightForWidth(area.width()) if self._note.wordWrap() else -1
            height = max(height, self._note.sizeHint().height())
            self._note.setGeometry(area.left(), area.top(), area.width(), height)


class ImageItem(QGraphicsPixmapItem):
    """The image of a pane; drawn from ``fitted`` (a copy scaled to the screen) when the view
    shows the image at that copy's size, else scaled as it is painted.

    Scaling a 1280x1024 image smoothly while painting filters every screen pixel each time
    (3-7 ms per pane); the copy, scaled once (by the read-ahead, off the GUI thread), is only
    copied to the screen.
    """

    def __init__(self) -> None:
        super().__init__()
        self.fitted: QPixmap | None = None
        self.fitted_for: int | None = None  # cacheKey of the pixmap the copy was made of

    def draws_fitted(self, transform: QTransform) -> bool:
        """Whether an image painted with ``transform`` (item to device) is the fitted copy."""
        fitted, pixmap = self.fitted, self.pixmap()
        if fitted is None or pixmap.isNull() or pixmap.cacheKey() != self.fitted_for \
                or transform.type().value > QTransform.TransformationType.TxScale.value:
            return False
        ratio = fitted.devicePixelRatio()
        return (abs(transform.m11() * pixmap.width() * ratio - fitted.width()) <= 1.0
                and abs(transform.m22() * pixmap.height() * ratio - fitted.height()) <= 1.0)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        transform = painter.worldTransform()
        if self.fitted is not None and self.draws_fitted(transform):
            origin = transform.map(self.offset())
            painter.save()
            painter.resetTransform()
            painter.drawPixmap(QPointF(round(origin.x()), round(origin.y())), self.fitted)
            painter.restore()
            return
        # The stub wants a widget; Qt passes none when a scene is rendered off screen.
        super().paint(painter, option, widget)  # type: ignore[arg-type]


def _place_pixmap(item: QGraphicsPixmapItem, pixmap: QPixmap | None,
                  size: tuple[int, int]) -> None:
    if pixmap is None or pixmap.isNull():
        item.setPixmap(QPixmap())
        return
    item.setPixmap(pixmap)
    width, height = size
    if (pixmap.width(), pixmap.height()) == (width, height):
        item.setTransform(QTransform())
        return
    # Another size (a visible image of another resolution): fit it in the IR extent, centred,
    # keeping its aspect ratio.
    scale = min(width / pixmap.width(), height / pixmap.height())
    dx = (width - pixmap.width() * scale) / 2
    dy = (height - pixmap.height() * scale) / 2
    item.setTransform(QTransform(scale, 0, 0, scale, dx, dy))
