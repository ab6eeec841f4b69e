"""The "Locate..." button on a pane whose image was not found: it asks where the images of
the Pair's source are (the window answers: a folder dialog, then every Pair of that source
looked for again, issue 13).

Kept out of ``image_pane`` (which only draws): the button sits over the pane's placeholder,
below its text, and follows the pane's size through an event filter.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QPushButton

from irtd_annotator.domain.views import PairInfo
from irtd_annotator.imaging.load import ImageMissingError
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.pane_content import Loaded

_GAP = 20  # pixels between the placeholder's text and the button


def not_found(path: str | None, loaded: Loaded) -> bool:
    """Whether a pane shows "not found" for an image with a known ``path`` (not an image
    that cannot be decoded, nor a Pair without a visible counterpart)."""
    return bool(path) and (loaded is None or isinstance(loaded, ImageMissingError))


class LocateButtons(QObject):
    """One "Locate..." button per pane, shown over a "not found" placeholder."""

    requested = Signal(str)  # the source whose folder the reviewer wants to give

    def __init__(self, panes: tuple[ImagePane, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = ""
        self.buttons: dict[ImagePane, QPushButton] = {}
        self._panes: dict[QObject, ImagePane] = {}
        for pane in panes:
            button = QPushButton("Locate…", pane)
            button.setObjectName(f"{pane.objectName()}-locate")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the review keys stay where they are
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.hide()
            button.clicked.connect(lambda: self.requested.emit(self._source))
            # the viewport's own resize: the pane's arrives before the viewport has its size
            pane.viewport().installEventFilter(self)
            self._panes[pane.viewport()] = pane
            self.buttons[pane] = button

    def follow(self, pair: PairInfo | None, missing: dict[ImagePane, bool]) -> None:
        """Show the button on each pane ``missing`` says shows "not found" for ``pair``."""
        self._source = pair.source if pair is not None else ""
        for pane, button in self.buttons.items():
            wanted = pair is not None and missing.get(pane, False) and bool(pane.placeholder_text())
            if wanted:
                button.setToolTip(f"Pick the folder of the {self._source} images: every "
                                  f"{self._source} sample is looked for there")
                self._place(pane, button)
            button.setVisible(wanted)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        pane = self._panes.get(obj) if event.type() == QEvent.Type.Resize else None
        if pane is not None and self.buttons[pane].isVisibleTo(pane):
            self._place(pane, self.buttons[pane])
        return False

    @staticmethod
    def _place(pane: ImagePane, button: QPushButton) -> None:
        """Centred under the placeholder's text (which is centred in the pane)."""
        area = pane.viewport().geometry()
        text_height = pane.placeholder_text_height()
        button.adjustSize()
        x = area.center().x() - button.width() // 2
        y = min(area.center().y() + text_height // 2 + _GAP,
                area.bottom() - button.height() - 8)
        button.move(x, max(area.top(), y))
        button.raise_()
