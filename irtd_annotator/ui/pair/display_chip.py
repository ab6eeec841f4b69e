"""The chip in a corner of the infrared image that says how it is shown: the palette, and
"stretch" and "CLAHE" when they are on ("Iron · stretch · CLAHE"). Keys 1-4 and C change these
from anywhere in the window; without the chip only the View menu told which is on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from irtd_annotator.imaging.display import DisplaySettings
from irtd_annotator.ui.pair.image_pane import ImagePane

PALETTE_NAMES = {"white-hot": "White hot", "black-hot": "Black hot", "iron": "Iron",
                 "jet": "Jet"}
_MARGIN = 6  # pixels from the pane's corner


def chip_text(settings: DisplaySettings) -> str:
    """``Iron · stretch · CLAHE``: the palette, then what is switched on."""
    parts = [PALETTE_NAMES.get(settings.palette, settings.palette)]
    if settings.stretch:
        parts.append("stretch")
    if settings.clahe:
        parts.append("CLAHE")
    return " · ".join(parts)


class DisplayChip(QLabel):
    """A small label over the bottom-left corner of ``pane``; the mouse goes through it."""

    def __init__(self, pane: ImagePane) -> None:
        super().__init__(pane)
        self._pane = pane
        self.setObjectName(f"{pane.objectName()}-chip")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("color: #f2f2f2; background: rgba(20, 20, 20, 190); "
                           "border: 1px solid rgba(255, 255, 255, 90); border-radius: 3px; "
                           "padding: 1px 6px;")
        self.setToolTip("How the infrared image is shown: palette (keys 1-4), contrast "
                        "stretch, CLAHE (C); see the View menu")
        self.hide()
        pane.resized.connect(self._place)

    def show_settings(self, settings: DisplaySettings, *, visible: bool) -> None:
        """Say ``settings``; shown only over an image (``visible``)."""
        text = chip_text(settings)
        if text != self.text():
            self.setText(text)
            self.adjustSize()
        self.setVisible(visible)
        self._place()

    def _place(self) -> None:
        area = self._pane.viewport().geometry()
        self.move(area.left() + _MARGIN, area.bottom() - self.height() - _MARGIN + 1)
        self.raise_()
