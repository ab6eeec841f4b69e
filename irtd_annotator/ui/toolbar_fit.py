"""The toolbars fit one row from 1366 px up (issue 13).

At 1600 px the review and geometry toolbars used to overflow behind ">>" ("Count with
markers", the label box, Delete and Clamp were hidden). Now the review decisions keep their
words (they are what a reviewer presses all day) and every other tool is an icon whose tooltip
says what it does and its keys; tools without an icon of the style get a small drawn one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QComboBox, QToolBar, QToolButton

__all__ = ["WORDED", "drawn_icon", "fit_toolbars"]

# The actions that keep their words beside their icon: the review decisions.
WORDED = frozenset({"action_approve", "action_approve_next", "action_reject", "action_flag",
                    "action_pending"})
_LABEL_BOX_CHARS = 9  # the label box of the geometry toolbar: "bicycle", "person"...

_Draw = Callable[[QPainter], None]


def _magnifier(plus: bool) -> _Draw:
    def draw(p: QPainter) -> None:
        p.drawEllipse(QRectF(2.5, 2.5, 9, 9))
        p.drawLine(QPointF(10.5, 10.5), QPointF(14.5, 14.5))
        p.drawLine(QPointF(4.5, 7), QPointF(9.5, 7))
        if plus:
            p.drawLine(QPointF(7, 4.5), QPointF(7, 9.5))
    return draw


def _fit(p: QPainter) -> None:
    for x, y, dx, dy in ((2, 2, 1, 1), (14, 2, -1, 1), (2, 14, 1, -1), (14, 14, -1, -1)):
        p.drawLine(QPointF(x, y), QPointF(x + 4 * dx, y))
        p.drawLine(QPointF(x, y), QPointF(x, y + 4 * dy))


def _select(p: QPainter) -> None:
    arrow = [QPointF(4, 2), QPointF(4, 13), QPointF(7, 10), QPointF(9.5, 14.5),
             QPointF(11, 13.5), QPointF(8.7, 9.3), QPointF(12.5, 9.3)]
    p.drawPolygon(arrow)


def _box(p: QPainter) -> None:
    p.drawRect(QRectF(2.5, 3.5, 11, 9))


def _point(p: QPainter) -> None:
    p.drawEllipse(QRectF(3.5, 3.5, 9, 9))
    p.setBrush(p.pen().color())
    p.drawEllipse(QRectF(6.5, 6.5, 3, 3))


def _count(p: QPainter) -> None:
    p.drawEllipse(QRectF(1.5, 1.5, 13, 13))
    p.drawText(QRectF(0, 0, 16, 16), Qt.AlignmentFlag.AlignCenter, "1")


def _delete(p: QPainter) -> None:
    p.drawLine(QPointF(4, 4), QPointF(12, 12))
    p.drawLine(QPointF(12, 4), QPointF(4, 12))


def _clamp(p: QPainter) -> None:
    pen = QPen(p.pen())
    pen.setStyle(Qt.PenStyle.DotLine)
    p.save()
    p.setPen(pen)
    p.drawRect(QRectF(1.5, 1.5, 13, 13))
    p.restore()
    p.drawRect(QRectF(4.5, 4.5, 7, 7))


_DRAWINGS: dict[str, _Draw] = {
    "view.zoom_in": _magnifier(True), "view.zoom_out": _magnifier(False), "view.fit": _fit,
    "geometry.select": _select, "geometry.box": _box, "geometry.point": _point,
    "geometry.count": _count, "geometry.delete": _delete, "geometry.clamp": _clamp,
}


def drawn_icon(name: str) -> QIcon:
    """The drawn icon of the action named ``name`` (an empty icon for other names), in the
    colour of the application's text so it reads on light and dark themes alike."""
    draw = _DRAWINGS.get(name)
    if draw is None:
        return QIcon()
    colour = QApplication.palette().windowText().color() if QApplication.instance() else QColor()
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(16 * scale, 16 * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 1.4))
        draw(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def fit_toolbars(bars: Iterable[QToolBar]) -> None:
    """Icons only on ``bars`` but for the review decisions; a drawn icon for each tool that
    has none; the label box as narrow as its longest usual label."""
    for bar in bars:
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        for action in bar.actions():
            if action.isSeparator():
                continue
            _give_icon(action)
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton) and action.objectName() in WORDED:
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            elif isinstance(button, QComboBox):
                button.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                button.setMinimumContentsLength(_LABEL_BOX_CHARS)


def _give_icon(action: QAction) -> None:
    if action.icon().isNull():
        action.setIcon(drawn_icon(action.objectName()))
