"""The pair view: the infrared and the visible image of a Pair, zoomed and panned together.

The widget lays out the two panes, loads the Pair's images and places them (pane_content);
zoom and scroll are kept in step by pane_sync, the shapes drawn and edited by the geometry
editor, the View menu's actions built by view_actions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import AbstractContextManager

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QLabel,
    QSlider,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.model import Box, Point
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.imaging.display import DisplaySettings
from irtd_annotator.ui.pair.display_chip import DisplayChip
from irtd_annotator.ui.pair.geometry_editor import GeometryEditor
from irtd_annotator.ui.pair.image_cache import (
    DEFAULT_CACHE_BYTES,
    DecodedImage,
    ImageCache,
    ImageLoader,
    ImageRequest,
    render,
)
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.locate import LocateButtons, not_found
from irtd_annotator.ui.pair.pane_content import (
    NOT_ALIGNED_NOTE,
    Loaded,
    device_box,
    ir_message,
    show_loaded,
    to_pixmap,
    visible_message,
)
from irtd_annotator.ui.pair.pane_sync import ZOOM_STEP, PaneSync
from irtd_annotator.ui.pair.view_actions import PairViewActions

__all__ = ["LAYOUTS", "NOT_ALIGNED_NOTE", "PairView"]  # NOT_ALIGNED_NOTE: where tests look

LAYOUTS = ("side-by-side", "overlay", "infrared")


class PairView(QWidget):
    """Shows a Pair's infrared and visible images with the current Sample's shapes.

    The main window calls show_pair, show_shapes, prefetch, zoom_in/zoom_out/fit, set_layout,
    set_blend, set_display and view_actions, and listens to status_message (and to the
    *_changed signals to remember the user's choices: this widget stores nothing itself).
    """

    status_message = Signal(str)
    display_changed = Signal(object)   # DisplaySettings
    layout_changed = Signal(str)
    blend_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None, *,
                 cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        super().__init__(parent)
        self.loader = ImageLoader(ImageCache(cache_bytes), parent=self)
        self.cache = self.loader.cache
        self.ir_view = ImagePane("infrared-view", self)
        self.visible_view = ImagePane("visible-view", self)
        self._panes = (self.ir_view, self.visible_view)
        self.chip = DisplayChip(self.ir_view)  # "Iron · stretch · CLAHE" over the image

        self.toolbar = QToolBar("Overlay", self)
        self.toolbar.addWidget(QLabel("Visible over infrared: "))
        self.blend_slider = QSlider(Qt.Orientation.Horizontal)
        self.blend_slider.setRange(0, 100)
        self.blend_slider.setMaximumWidth(200)
        self.blend_slider.setToolTip("How much of the visible image is blended over the infrared")
        self.toolbar.addWidget(self.blend_slider)
        self.toolbar.setVisible(False)

        # Side by side or stacked, whichever shows the images larger (see _choose_direction).
        images = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._images_layout = images
        images.setContentsMargins(0, 0, 0, 0)
        images.setSpacing(2)
        images.addWidget(self.ir_view, 1)     # equal widths keep the shared scroll exact
        images.addWidget(self.visible_view, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.toolbar)
        outer.addLayout(images, 1)

        self._pair: PairInfo | None = None
        self._ir: Loaded = None
        self._visible: Loaded = None
        self._boxes: tuple[Box, ...] = ()
        self._points: tuple[Point, ...] = ()
        self._settings = DisplaySettings()
        self._layout = "side-by-side"
        self._blend = 0.5
        self._crosshair = True
        self._last_status = ""
        self._actions: PairViewActions | None = None
        self.blend_slider.setValue(round(self._blend * 100))
        self.blend_slider.valueChanged.connect(lambda value: self.set_blend(value / 100.0))

        self._pane_sync = PaneSync(self._panes, active=self._active_pane,
                                   rescaled=self._refresh_fitted, parent=self)
        for pane in self._panes:
            pane.hovered.connect(lambda pos, pane=pane: self._on_hover(pos, pane))
        # Draws the shapes of both panes and turns finished gestures into signals.
        self.editor = GeometryEditor(self, parent=self)
        self.locate = LocateButtons(self._panes, self)  # "Locate..." on an image not found

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._choose_direction()

    def _choose_direction(self) -> None:
        """Stack the two images when that shows them larger than side by side (tall areas)."""
        pair = self._pair
        iw, ih = (pair.width, pair.height) if pair and pair.width and pair.height else (1280, 1024)
        width = max(1, self.width())
        height = max(1, self.height() - (self.toolbar.height() if self.toolbar.isVisible() else 0))
        side = min(width / 2 / iw, height / ih)
        stacked = min(width / iw, height / 2 / ih)
        wanted = (QBoxLayout.Direction.TopToBottom if stacked > side * 1.05
                  else QBoxLayout.Direction.LeftToRight)
        if self._images_layout.direction() != wanted:
            self._images_layout.setDirection(wanted)

    # ----- state
    def pair(self) -> PairInfo | None:
        return self._pair

    def display(self) -> DisplaySettings:
        return self._settings

    def layout_mode(self) -> str:
        return self._layout

    def blend(self) -> float:
        return self._blend

    def crosshair_enabled(self) -> bool:
        return self._crosshair

    def image_size(self) -> tuple[int, int] | None:
        """The size of the scene = the infrared image (or the best guess when it is missing)."""
        if isinstance(self._ir, DecodedImage):
            return self._ir.width, self._ir.height
        if self._pair is not None and self._pair.width and self._pair.height:
            return self._pair.width, self._pair.height
        if isinstance(self._visible, DecodedImage):
            return self._visible.width, self._visible.height
        return None

    # ----- the main window's API
    def show_pair(self, pair: PairInfo | None) -> None:
        """Show ``pair``'s images (decoded now unless read ahead); clears the shapes."""
        self.flush()
        self._pair = pair
        self._boxes, self._points = (), ()
        self._ir = self._visible = None
        if pair is not None:
            wanted = [req for req in (self._ir_request(pair), self._visible_request(pair)) if req]
            loaded = iter(self.loader.load(wanted))
            if pair.ir_path:
                self._ir = next(loaded)
            if self._visible_request(pair) is not None:
                self._visible = next(loaded)
        self._choose_direction()
        self._refresh_images()
        self._refresh_shapes()
        if self._pane_sync.fit_mode:
            self.fit()
        else:
            self._refresh_fitted()

    def show_shapes(self, boxes: Sequence[Box], points: Sequence[Point]) -> None:
        """Draw the current Sample's boxes and points (IR pixels, or 0-1000 scaled)."""
        self.flush()
        self._boxes, self._points = tuple(boxes), tuple(points)
        self._refresh_shapes()

    def flush(self) -> None:
        """Save the arrow-key nudges not yet saved (before another change, leaving the
        Sample, an undo, closing): the burst is one change of its own."""
        self.editor.end_nudges()

    def shapes_held(self) -> AbstractContextManager[None]:
        """Within it, the shape items are rebuilt once, at its end (see GeometryEditor.held)."""
        return self.editor.held()

    def shapes(self) -> tuple[tuple[Box, ...], tuple[Point, ...]]:
        """The current Sample's boxes and points as last shown."""
        return self._boxes, self._points

    def prefetch(self, pairs: Sequence[PairInfo]) -> None:
        """Decode ``pairs`` ahead in the background, nearest first."""
        requests: list[ImageRequest] = []
        for pair in pairs:
            # Files missing at import are left to show_pair: decoding ahead would only fail.
            # In a fitted view the copies scaled to the panes are made ahead too.
            box = self._ahead_box(pair)
            ir, visible = self._ir_request(pair, box), self._visible_request(pair, box)
            if ir is not None and pair.ir_exists:
                requests.append(ir)
            if visible is not None and pair.visible_exists:
                requests.append(visible)
        self.loader.prefetch(requests)

    def zoom_in(self) -> None:
        self._pane_sync.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._pane_sync.zoom_by(1.0 / ZOOM_STEP)

    def fit(self) -> None:
        """Both images whole in their panes; stays fitted when the window is resized."""
        self._pane_sync.fit()

    def zoom(self) -> float:
        """The current scale (screen pixels per IR pixel), shared by both panes."""
        return self.ir_view.scale_factor()

    def set_layout(self, mode: str) -> None:
        """"side-by-side", "overlay" (visible blended over IR) or "infrared" (IR only)."""
        if mode not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {mode!r}")
        if mode == self._layout:
            return
        self.flush()  # the items are made anew for the layout
        self._layout = mode
        if self._pair is not None and self._visible is None:
            request = self._visible_request(self._pair)
            if request is not None:
                self._visible = self.loader.load([request])[0]
        self.visible_view.setVisible(mode == "side-by-side")
        self.toolbar.setVisible(mode == "overlay")
        self._refresh_images()
        self._refresh_fitted()
        self._refresh_shapes()
        self._sync_actions()
        self.layout_changed.emit(mode)

    def set_blend(self, alpha: float) -> None:
        """How opaque the visible image is over the infrared one in the overlay layout (0..1)."""
        if not isinstance(alpha, (int, float)) or not math.isfinite(alpha) or not 0 <= alpha <= 1:
            raise ValueError(f"blend must be between 0 and 1, got {alpha!r}")
        if alpha == self._blend:
            return
        self._blend = float(alpha)
        self.blend_slider.blockSignals(True)
        self.blend_slider.setValue(round(alpha * 100))
        self.blend_slider.blockSignals(False)
        self.ir_view.overlay_item.setOpacity(self._blend)
        self.blend_changed.emit(self._blend)

    def set_display(self, settings: DisplaySettings) -> None:
        """Palette, stretch and CLAHE of the infrared image (re-rendered without re-decoding)."""
        if settings == self._settings:
            return
        self._settings = settings
        if isinstance(self._ir, DecodedImage) and self._pair is not None:
            request = self._ir_request(self._pair)
            assert request is not None
            image = self.cache.get(request.key)
            if image is None:
                image = render(self._ir, settings)
                self.cache.put(request.key, image)
            self._ir = image
            self._refresh_images()
            self._refresh_fitted()
        self._show_chip()
        self._sync_actions()
        self.display_changed.emit(settings)

    def set_crosshair_enabled(self, enabled: bool) -> None:
        self._crosshair = enabled
        if not enabled:
            for pane in self._panes:
                pane.set_crosshair(None)
        self._sync_actions()

    def view_actions(self, parent: QWidget | None = None) -> list[QAction]:
        """The View menu's actions (zoom, fit, palettes, contrast, layouts, crosshair)."""
        if self._actions is None:
            self._actions = PairViewActions(self, parent or self)
            self.addActions(self._actions.all())
        return self._actions.all()

    # ----- drawing
    def _ir_request(self, pair: PairInfo,
                    fit: tuple[int, int] | None = None) -> ImageRequest | None:
        return ImageRequest(pair.ir_path, True, self._settings, fit) if pair.ir_path else None

    def _visible_request(self, pair: PairInfo,
                         fit: tuple[int, int] | None = None) -> ImageRequest | None:
        if not pair.visible_path or self._layout == "infrared":
            return None
        return ImageRequest(pair.visible_path, False, fit=fit)

    def _ahead_box(self, pair: PairInfo) -> tuple[int, int] | None:
        """The device pixels ``pair``'s images would be fitted into now (None: unknown)."""
        if not self._pane_sync.fit_mode or not pair.width or not pair.height:
            return None
        pane = self._active_pane()
        view = pane.viewport().rect()
        scale = min(view.width() / pair.width, view.height() / pair.height)
        return device_box(pair.width, pair.height, scale * pane.devicePixelRatioF())

    def _refresh_fitted(self) -> None:
        """Give each pane of a fitted view its image scaled to the screen (made ahead by
        the read-ahead, else now: once, instead of at every paint)."""
        pair = self._pair
        shown = ((self.ir_view, self._ir, self._ir_request),
                 (self.visible_view, self._visible if self._layout == "side-by-side" else None,
                  self._visible_request))
        for pane, loaded, request_for in shown:
            small = None
            if self._pane_sync.fit_mode and pair is not None and isinstance(loaded, DecodedImage):
                rect, ratio = pane.sceneRect(), pane.devicePixelRatioF()
                box = device_box(rect.width(), rect.height(), pane.scale_factor() * ratio)
                request = request_for(pair, box) if box is not None else None
                image = self.loader.fitted_copy(request, loaded) if request is not None else None
                if image is not None:
                    small = to_pixmap(image)
                    small.setDevicePixelRatio(ratio)
            pane.set_fitted(small)

    def _refresh_images(self) -> None:
        pair = self._pair
        size = self.image_size() or (1000, 1000)
        for pane in self._panes:
            pane.set_note(None)
        if pair is None:
            for pane in self._panes:
                pane.set_placeholder(None)
                pane.set_image(None, size=size)
                pane.set_overlay(None, size=size, opacity=self._blend)
            self._show_chip()
            self.locate.follow(None, {})
            return
        show_loaded(self.ir_view, self._ir, size=size, text=lambda: ir_message(pair, self._ir))
        visible_pixmap = (to_pixmap(self._visible) if isinstance(self._visible, DecodedImage)
                          else None)
        if self._layout == "overlay":
            self.ir_view.set_overlay(visible_pixmap, size=size, opacity=self._blend)
            if visible_pixmap is None:
                self.ir_view.set_note(visible_message(pair, self._visible).split("\n")[0])
        else:
            self.ir_view.set_overlay(None, size=size, opacity=self._blend)
        if self._layout == "side-by-side":
            show_loaded(self.visible_view, self._visible, size=size,
                        text=lambda: visible_message(pair, self._visible), pixmap=visible_pixmap)
            if not pair.aligned and self.visible_view.has_image():
                self.visible_view.set_note(NOT_ALIGNED_NOTE)
        self.editor.images_refreshed()  # a hand alignment moves the overlay, names itself
        self._show_chip()
        self.locate.follow(pair, {self.ir_view: not_found(pair.ir_path, self._ir),
                                  self.visible_view: not_found(pair.visible_path, self._visible)})

    def _show_chip(self) -> None:
        self.chip.show_settings(self._settings, visible=self.ir_view.has_image())

    def _refresh_shapes(self) -> None:
        # Only over an image (on a placeholder a box would point at nothing); on the visible
        # image when the pair is aligned, or aligned by hand.
        self.editor.rebuild()

    # ----- zoom, pan, crosshair
    def _active_pane(self) -> ImagePane:
        """The pane zoom steps and fitting refer to: the infrared one unless it is hidden."""
        return self.ir_view if self.ir_view.isVisibleTo(self) else self.visible_view

    def _on_hover(self, pos: QPointF | None, source: ImagePane) -> None:
        size = self.image_size()
        inside = (pos is not None and size is not None
                  and 0 <= pos.x() < size[0] and 0 <= pos.y() < size[1])
        # Unaligned images share no coordinates: the cursor then says nothing about the other.
        aligned = self._pair is None or self._pair.aligned
        if self._crosshair:
            for pane in self._panes:
                mirrored = aligned or pane is source
                pane.set_crosshair(pos if inside and mirrored else None)
        message = ""
        if inside and pos is not None and not aligned and source is self.visible_view:
            # The visible image's own pixels: it is only fitted into the IR extent.
            local = source.pixmap_item.mapFromScene(pos)
            message = f"visible x {int(local.x())}, y {int(local.y())}"
        elif inside and pos is not None:
            x, y = int(pos.x()), int(pos.y())
            message = f"x {x}, y {y}"
            if isinstance(self._ir, DecodedImage) and self._ir.values is not None:
                values = self._ir.values
                if y < values.shape[0] and x < values.shape[1]:
                    message += f"   IR {values[y, x]}"
        # in a drawing mode, what the drag or click will do stays in view (B on Grounding)
        message = "   ".join(text for text in (self.editor.mode_hint(), message) if text)
        if message != self._last_status:
            self._last_status = message
            self.status_message.emit(message)

    def _sync_actions(self) -> None:
        if self._actions is not None:
            self._actions.sync()

