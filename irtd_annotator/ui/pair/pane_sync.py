"""The two panes of the pair view zoomed and panned as one.

Both panes show the scene in infrared pixels (see image_pane), so one scale and one scroll
position serve both: a wheel over either zooms both about the cursor, scrolling one scrolls
the other, and a fitted view stays fitted when the panes are resized.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF

from irtd_annotator.ui.pair.image_pane import ImagePane

ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.02, 64.0


class PaneSync(QObject):
    """Keeps ``panes`` on one scale and one scroll position.

    ``active()`` is the pane zoom steps and fitting refer to (the one on screen);
    ``rescaled()`` is called after every change of scale, for the owner to swap in copies of
    the images scaled to the screen (fitted) or drop them (zoomed).
    """

    def __init__(self, panes: tuple[ImagePane, ImagePane], *, active: Callable[[], ImagePane],
                 rescaled: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._panes = panes
        self._active = active
        self._rescaled = rescaled
        self.fit_mode = True    # fitted (and kept fitted), until the user zooms
        self._syncing = False   # a pane is being moved by us: its scroll is not the user's
        for pane in panes:
            pane.wheel_zoom.connect(lambda factor, pos, pane=pane: self.zoom_by(
                factor, source=pane, anchor=pos))
            pane.resized.connect(self._on_resized)
            pane.horizontalScrollBar().valueChanged.connect(
                lambda _value, pane=pane: self.copy_scroll(pane))
            pane.verticalScrollBar().valueChanged.connect(
                lambda _value, pane=pane: self.copy_scroll(pane))

    def fit(self) -> None:
        """Both images whole in their panes; stays fitted when the panes are resized."""
        self.fit_mode = True
        scale = self._active().fit_scale()
        self._syncing = True
        try:
            for pane in self._panes:
                pane.set_scale(scale)
                pane.centerOn(pane.sceneRect().center())
        finally:
            self._syncing = False
        self._rescaled()

    def zoom_by(self, factor: float, *, source: ImagePane | None = None,
                anchor: QPointF | None = None) -> None:
        """Scale both panes by ``factor`` about ``anchor`` (viewport coordinates of ``source``;
        by default the middle of the active pane)."""
        pane = source or self._active()
        point = anchor.toPoint() if anchor is not None else pane.viewport().rect().center()
        under = pane.mapToScene(point)
        scale = min(MAX_SCALE, max(MIN_SCALE, pane.scale_factor() * factor))
        self.fit_mode = False
        self._syncing = True
        try:
            for each in self._panes:
                each.set_scale(scale)
            # Keep the scene point that was under the anchor under it.
            moved = pane.mapFromScene(under) - point
            pane.horizontalScrollBar().setValue(pane.horizontalScrollBar().value() + moved.x())
            pane.verticalScrollBar().setValue(pane.verticalScrollBar().value() + moved.y())
        finally:
            self._syncing = False
        self._rescaled()  # zoomed: the images are scaled as they are painted
        self.copy_scroll(pane)

    def copy_scroll(self, source: ImagePane) -> None:
        """Give the other pane ``source``'s scroll position."""
        if self._syncing:
            return
        self._syncing = True
        try:
            for pane in self._panes:
                if pane is not source:
                    pane.horizontalScrollBar().setValue(source.horizontalScrollBar().value())
                    pane.verticalScrollBar().setValue(source.verticalScrollBar().value())
        finally:
            self._syncing = False

    def _on_resized(self) -> None:
        if self.fit_mode:
            self.fit()
