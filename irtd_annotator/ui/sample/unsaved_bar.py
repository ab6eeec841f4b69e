"""The bar that keeps a reviewer's typed text after it was refused as stale (ADR 0019).

Someone else changed the Sample while the reviewer typed: the text was not saved and the panel
shows the Sample as it is now. The typed text waits here, with "Apply again" (saved over the
fresh text, as a change of its own, undoable) and "Discard". Nothing typed is lost silently.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from irtd_annotator.ui.sample.turn_editor import ISSUE_COLOUR

__all__ = ["UnsavedTextBar"]

_PREVIEW = 60  # characters of the kept text shown in the bar (all of it in the tooltip)


class UnsavedTextBar(QFrame):
    """"Your text for turn N was not saved: [Apply again] [Discard]"."""

    apply_requested = Signal(int, int, str)  # sample id, turn idx, the text typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unsavedTextBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.kept: tuple[int, int, str] | None = None  # (sample id, turn idx, text)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setStyleSheet(f"color: {ISSUE_COLOUR};")
        self.apply_button = QPushButton("Apply again", self)
        self.apply_button.setObjectName("applyUnsavedText")
        self.apply_button.setToolTip("Save the text you typed over the sample as it is now")
        self.apply_button.clicked.connect(self._apply)
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setObjectName("discardUnsavedText")
        self.discard_button.setToolTip("Forget the text you typed; keep the sample as it is now")
        self.discard_button.clicked.connect(self.discard)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.apply_button)
        layout.addWidget(self.discard_button)
        self.hide()

    def offer(self, sample_id: int, idx: int, text: str) -> None:
        """Keep ``text`` typed in turn ``idx`` of the Sample, refused as stale."""
        self.kept = (sample_id, idx, text)
        preview = text if len(text) <= _PREVIEW else text[:_PREVIEW] + "…"
        self.label.setText(f"Your text for turn {idx + 1} of sample {sample_id} was not saved "
                           f"(someone changed the sample meanwhile): “{preview}”")
        self.label.setToolTip(text)
        self.show()

    def discard(self) -> None:
        """Forget the kept text."""
        self.kept = None
        self.hide()

    def _apply(self) -> None:
        if self.kept is not None:
            kept, self.kept = self.kept, None
            self.hide()
            self.apply_requested.emit(*kept)
