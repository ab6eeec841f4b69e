"""The View actions of the pair view (menu and toolbar), kept in step with its state."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QWidget

from irtd_annotator.imaging.display import PALETTES, DisplaySettings
from irtd_annotator.ui.pair.display_chip import PALETTE_NAMES

_LAYOUT_NAMES = {"side-by-side": "Side by side", "overlay": "Overlay (visible over infrared)",
                 "infrared": "Infrared only"}


class ViewControls(Protocol):
    """What the actions drive and reflect (the pair view, which builds them: a Protocol keeps
    this module from importing it back)."""

    def zoom_in(self) -> None: ...
    def zoom_out(self) -> None: ...
    def fit(self) -> None: ...
    def display(self) -> DisplaySettings: ...
    def set_display(self, settings: DisplaySettings) -> None: ...
    def layout_mode(self) -> str: ...
    def set_layout(self, mode: str) -> None: ...
    def crosshair_enabled(self) -> bool: ...
    def set_crosshair_enabled(self, enabled: bool) -> None: ...


class PairViewActions:
    """Builds the QActions once; ``sync`` re-checks them from the view."""

    def __init__(self, view: ViewControls, parent: QWidget) -> None:
        self._view = view
        self.zoom_in = _action(parent, "view.zoom_in", "Zoom &in", ["+", "="], view.zoom_in)
        self.zoom_out = _action(parent, "view.zoom_out", "Zoom &out", ["-"], view.zoom_out)
        self.fit = _action(parent, "view.fit", "&Fit to window", ["0", "Home"], view.fit)

        self.palette_group = QActionGroup(parent)
        self.palettes: dict[str, QAction] = {}
        for number, palette in enumerate(PALETTES, start=1):
            action = _action(parent, f"view.palette.{palette}", f"Palette: {PALETTE_NAMES[palette]}",
                             [str(number)], lambda _=False, p=palette: self._set_palette(p))
            action.setCheckable(True)
            self.palette_group.addAction(action)
            self.palettes[palette] = action

        self.stretch = _action(parent, "view.stretch", "Contrast &stretch (1-99 %)", [],
                               lambda checked: self._set_display(stretch=checked))
        self.stretch.setCheckable(True)
        self.stretch.setToolTip("Stretch the 1st-99th percentile of the infrared image to full "
                                "contrast (16-bit images are always stretched)")
        self.clahe = _action(parent, "view.clahe", "&CLAHE (local contrast)", ["C"],
                             lambda checked: self._set_display(clahe=checked))
        self.clahe.setCheckable(True)

        self.layout_group = QActionGroup(parent)
        self.layouts: dict[str, QAction] = {}
        for number, mode in enumerate(_LAYOUT_NAMES, start=1):
            action = _action(parent, f"view.layout.{mode}", _LAYOUT_NAMES[mode],
                             [f"Ctrl+{number}"], lambda _=False, m=mode: view.set_layout(m))
            action.setCheckable(True)
            self.layout_group.addAction(action)
            self.layouts[mode] = action

        self.crosshair = _action(parent, "view.crosshair", "Cross&hair", ["X"],
                                 lambda checked: view.set_crosshair_enabled(checked))
        self.crosshair.setCheckable(True)
        self.sync()

    def all(self) -> list[QAction]:
        """In menu order; separators are left to the menu that shows them."""
        return [self.zoom_in, self.zoom_out, self.fit, *self.palettes.values(), self.stretch,
                self.clahe, *self.layouts.values(), self.crosshair]

    def sync(self) -> None:
        """Check the actions that match the view's current state.

        Not echoed back: the slots listen to ``triggered``, which setChecked does not emit
        (and blocking signals would stop the exclusive groups from unchecking the others).
        """
        settings = self._view.display()
        checks = [(self.palettes[settings.palette], True), (self.stretch, settings.stretch),
                  (self.clahe, settings.clahe), (self.layouts[self._view.layout_mode()], True),
                  (self.crosshair, self._view.crosshair_enabled())]
        for action, checked in checks:
            action.setChecked(checked)

    def _set_palette(self, palette: str) -> None:
        self._set_display(palette=palette)

    def _set_display(self, **changes: object) -> None:
        self._view.set_display(replace(self._view.display(), **changes))  # type: ignore[arg-type]


def _action(parent: QWidget, name: str, text: str, keys: list[str], slot: object) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(name)
    action.setShortcuts([QKeySequence(key) for key in keys])
    if keys:
        action.setToolTip(f"{text.replace('&', '')} ({', '.join(keys)})")
    action.triggered.connect(slot)
    return action
