"""The main window fits the screen it opens on, from 1366x768 up (issue 13).

The window used to open at 1600x950 whatever the screen, so on the commonest laptop screen
(1366x768) the sample panel was cut off at the right edge. Now it opens at most at the screen's
available geometry (QScreen.availableGeometry: without panels and docks of the desktop), a
remembered geometry is restored only when it fits that screen, and the docks start at widths
that leave the images room at any width from 1366 up.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QStyle, QWidget

__all__ = ["DEFAULT_SIZE", "MIN_IMAGES", "Cornered", "available_geometry", "default_dock_widths",
           "fit_docks", "fitted_rect", "own_corners", "place_window", "restore_docks"]

DEFAULT_SIZE = QSize(1600, 950)  # what the window asks for on a screen with room for it
# Room left for the window manager's frame and title bar before the window is shown; once it
# is, the real frame is measured and the window shrunk by what still sticks out.
_FRAME_GUESS = QSize(8, 36)
# Shares of the window's width the queue and the sample panel start with: at 1366 px the
# images keep about a third of the width (stacked, two 4:5 images use no more at 768 px high),
# at 1600 px and more the docks stop growing.
_QUEUE_SHARE, _PANEL_SHARE = 0.41, 0.27
_QUEUE_MAX, _PANEL_MAX = 620, 460
_DOCK_FRAME = 12  # a dock's frame and margins around its widget
MIN_IMAGES = 300  # narrower than this, the images are too small to review


def available_geometry(widget: QWidget) -> QRect:
    """The available geometry of the screen ``widget`` is on (the primary one before it is
    placed); tests replace this to play a small screen."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(QPoint(0, 0), DEFAULT_SIZE)



def fitted_rect(area: QRect, wanted: QSize, *, frame: QSize = _FRAME_GUESS) -> QRect:
    """The window's (client) rectangle: ``wanted`` bounded by ``area`` less ``frame``,
    centred in ``area``."""
    room = QSize(max(1, area.width() - frame.width()), max(1, area.height() - frame.height()))
    size = wanted.boundedTo(room)
    rect = QRect(QPoint(0, 0), size)
    rect.moveCenter(area.center())
    return rect


def place_window(window: QMainWindow, geometry: QByteArray | None) -> None:
    """Size and place ``window`` before it is shown: the remembered ``geometry`` when it fits
    the screen, else the default size bounded by the screen; once shown, whatever of its frame
    still sticks out of the screen is taken off."""
    area = available_geometry(window)
    restored = geometry is not None and window.restoreGeometry(geometry)
    if not restored or not _inside(window.geometry(), area):
        if restored and window.isMaximized():
            return  # a maximized window is the screen's own size
        window.setGeometry(fitted_rect(area, DEFAULT_SIZE))
    window.installEventFilter(_FitOnShow(window))


def default_dock_widths(window_width: int) -> tuple[int, int]:
    """(queue, sample panel) widths for a window ``window_width`` wide, first start."""
    return (min(_QUEUE_MAX, int(window_width * _QUEUE_SHARE)),
            min(_PANEL_MAX, int(window_width * _PANEL_SHARE)))


def fit_docks(window: QMainWindow, queue: QDockWidget, panel: QDockWidget) -> None:
    """Give the queue and the sample panel their first-start widths for the window's width;
    the panel at least as wide as its content's minimum (the Re-ID grid, say) beside its
    scroll bar, so that it never scrolls sideways."""
    queue_width, panel_width = default_dock_widths(window.width())
    holder = panel.widget()
    content = holder.widget() if isinstance(holder, QScrollArea) else None
    if content is not None:
        bar = window.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        panel_width = max(panel_width, content.minimumSizeHint().width() + bar + _DOCK_FRAME)
    window.resizeDocks([queue, panel], [queue_width, panel_width], Qt.Orientation.Horizontal)


class Cornered(Protocol):
    """A main window, for what ``own_corners`` does with it."""

    def setCorner(self, corner: Qt.Corner, area: Qt.DockWidgetArea) -> None: ...  # noqa: N802


def own_corners(window: Cornered) -> None:
    """The left dock area (the queue) owns the bottom-left corner: a bottom dock (the
    Dashboard) sits beside the queue, not under it, and at 768 px high the queue keeps the
    rows it has without it. Qt keeps corners in ``saveState``: set again after a restore."""
    window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)


def restore_docks(window: QMainWindow, state: QByteArray | None, queue: QDockWidget,
                  panel: QDockWidget) -> None:
    """Restore the docks' remembered layout; the first-start widths when there is none, or
    when the layout, made on a larger screen, leaves the images less than ``MIN_IMAGES``
    wide once the window has laid it out."""
    restored = state is not None and window.restoreState(state)
    own_corners(window)  # a layout saved before issue 15 brings back the old corners
    if not restored:
        fit_docks(window, queue, panel)
        return

    def refit_if_cramped() -> None:
        centre = window.centralWidget()
        if centre is not None and centre.width() < MIN_IMAGES:
            fit_docks(window, queue, panel)

    QTimer.singleShot(0, window, refit_if_cramped)


def _inside(rect: QRect, area: QRect) -> bool:
    return (rect.width() + _FRAME_GUESS.width() <= area.width()
            and rect.height() + _FRAME_GUESS.height() <= area.height()
            and area.intersects(rect))


class _FitOnShow(QObject):
    """Measures the real frame the first time the window is shown and takes off what sticks
    out of the screen's available geometry (a title bar taller than guessed, say)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self._window and event.type() == QEvent.Type.Show:
            self._window.removeEventFilter(self)
            self._fit()
        return False

    def _fit(self) -> None:
        window = self._window
        if window.isMaximized() or window.isFullScreen():
            return
        area = available_geometry(window)
        frame = window.frameGeometry()
        extra = QSize(max(0, frame.width() - area.width()), max(0, frame.height() - area.height()))
        if not extra.isNull():
            window.resize(window.size() - extra)
            frame = window.frameGeometry()
        dx = max(0, area.left() - frame.left()) - max(0, frame.right() - area.right())
        dy = max(0, area.top() - frame.top()) - max(0, frame.bottom() - area.bottom())
        if dx or dy:
            window.move(window.pos().x() + dx, window.pos().y() + dy)
