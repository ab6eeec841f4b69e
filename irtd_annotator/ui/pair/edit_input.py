"""Mouse and keys of the pair view's panes while editing geometry.

Watches both panes (keys) and their viewports (mouse) for the geometry editor: draws the
rubber band of a new box, adds points and markers where clicked, nudges the selection with
the arrow keys (Shift: 10 px) and leaves everything else to the panes (panning, zooming).
A burst of nudges is reported by the editor after a pause; a mouse press, another key's
shortcut or the focus leaving the image ends it at once, so it is saved before what follows.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QTransform
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsView

from irtd_annotator.ui.pair.edit_items import (
    SOURCE_COLOUR,
    EditablePointItem,
    Key,
    MarkerItem,
)
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.shape_items import cosmetic_pen

NUDGE, NUDGE_FAST = 1.0, 10.0  # pixels per arrow key press (Shift: fast)
_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
           Qt.Key.Key_Down: (0, 1)}


class EditTarget(Protocol):
    """What the input is turned into: the geometry editor's state and commands (it builds the
    input: a Protocol keeps this module from importing it back)."""

    mode: str
    selected: Key | None

    def set_mode(self, mode: str) -> None: ...
    def select(self, key: Key | None) -> None: ...
    def nudge(self, dx: float, dy: float) -> bool: ...
    def nudging(self) -> bool: ...
    def end_nudges(self) -> None: ...
    def add_box(self, rect: QRectF) -> None: ...
    def add_point(self, pos: QPointF) -> None: ...
    def toggle_marker(self, pos: QPointF, marker: MarkerItem | None) -> None: ...
    def to_image(self, pane: ImagePane, scene: QPointF) -> QPointF: ...
    def pane_transform(self, pane: ImagePane) -> QTransform: ...


class EditInput(QObject):
    """The event filter of the panes; every decision is the editor's."""

    def __init__(self, editor: EditTarget, panes: tuple[ImagePane, ...], *,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        # (pane, its viewport): kept, since a pane being destroyed still sends events
        self._watched = tuple((pane, pane.viewport()) for pane in panes)
        self._rubber: tuple[ImagePane, QPointF, QGraphicsRectItem] | None = None
        for pane, viewport in self._watched:
            pane.installEventFilter(self)
            viewport.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        for pane, viewport in self._watched:
            if obj is pane and isinstance(event, QKeyEvent):
                return self._key_event(event.type(), event)
            if obj is pane and event.type() == QEvent.Type.FocusOut:
                self._editor.end_nudges()  # a click elsewhere, a dialog, a menu: saved first
            if obj is viewport and isinstance(event, QMouseEvent):
                return self._mouse_event(pane, event.type(), event)
        return False

    def _key_event(self, kind: QEvent.Type, event: QKeyEvent) -> bool:
        editor = self._editor
        arrow = _ARROWS.get(event.key())  # type: ignore[call-overload]
        if kind == QEvent.Type.ShortcutOverride:
            if not arrow and editor.nudging() and not _modifier_only(event):
                editor.end_nudges()  # Ctrl+Z, A, J...: the burst is saved before they act
            # Arrows nudge the selection here; elsewhere they move through the queue.
            if (arrow and editor.selected is not None) or (
                    event.key() == Qt.Key.Key_Escape
                    and (editor.mode != "select" or editor.selected is not None)):
                event.accept()
                return True
            return False
        if kind == QEvent.Type.KeyPress:
            if arrow and editor.selected is not None:
                fast = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                step = NUDGE_FAST if fast else NUDGE
                editor.nudge(arrow[0] * step, arrow[1] * step)
                return True
            if event.key() == Qt.Key.Key_Escape:
                if editor.mode != "select":
                    editor.set_mode("select")
                else:
                    editor.select(None)
                return True
        return False

    def _mouse_event(self, pane: ImagePane, kind: QEvent.Type, event: QMouseEvent) -> bool:
        editor = self._editor
        if pane.dragMode() == QGraphicsView.DragMode.ScrollHandDrag and editor.mode != "select":
            return False  # space held: the pane pans
        left = event.button() == Qt.MouseButton.LeftButton
        at = event.position().toPoint()
        scene = pane.mapToScene(at)
        if kind == QEvent.Type.MouseButtonPress:
            # the nudged shape is saved (and drawn anew) before the press reaches any item
            editor.end_nudges()
        if kind == QEvent.Type.MouseButtonPress and left:
            under = [i for i in pane.items(at) if getattr(i, "layer", None) is not None]
            if editor.mode == "select":
                if not under:
                    editor.select(None)
                return False  # an item takes the press, else the pane pans
            if editor.mode == "box":
                self._start_rubber(pane, scene)
            elif editor.mode == "point":
                if any(isinstance(i, EditablePointItem) for i in under):
                    return False  # drag the point that is there
                editor.add_point(editor.to_image(pane, scene))
            elif editor.mode == "count":
                marker = next((i for i in under if isinstance(i, MarkerItem)), None)
                editor.toggle_marker(editor.to_image(pane, scene), marker)
            return True
        if kind == QEvent.Type.MouseMove and self._rubber is not None:
            rubber_pane, start, rubber = self._rubber
            rubber.setRect(QRectF(start, editor.to_image(rubber_pane, scene)).normalized())
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._rubber is not None and left:
            rubber_pane, start, rubber = self._rubber
            self._rubber = None
            rubber_pane.scene().removeItem(rubber)
            editor.add_box(QRectF(start, editor.to_image(rubber_pane, scene)).normalized())
            return True
        return False

    def _start_rubber(self, pane: ImagePane, scene: QPointF) -> None:
        start = self._editor.to_image(pane, scene)
        rubber = QGraphicsRectItem(QRectF(start, start))
        rubber.setPen(cosmetic_pen(SOURCE_COLOUR, 1.5, dashed=True))
        rubber.setTransform(self._editor.pane_transform(pane))
        rubber.setZValue(30.0)
        pane.scene().addItem(rubber)
        self._rubber = (pane, start, rubber)


def _modifier_only(event: QKeyEvent) -> bool:
    """Shift, Ctrl, Alt or Meta pressed alone (Shift+arrow nudges 10 px: not the end)."""
    return event.key() in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt,
                           Qt.Key.Key_Meta, Qt.Key.Key_AltGr)
