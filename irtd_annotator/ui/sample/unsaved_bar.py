"""The bar that keeps a reviewer's typed text when it could not be saved (ADR 0019).

Someone else changed the Sample while the reviewer typed: the text was not saved and the panel
shows the Sample as it is now. The typed text waits here, with "Apply again" (saved over the
fresh text, as a change of its own, undoable) and "Discard". Nothing typed is lost silently:
every text refused is kept (the newest shown, "+N earlier" for the others), and a text that
Apply again cannot save either (its markup does not parse, someone changed the Sample again)
comes back here with the reason.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from irtd_annotator.ui.sample.turn_editor import ISSUE_COLOUR

__all__ = ["STALE_REASON", "UnsavedTextBar"]

_PREVIEW = 60  # characters of the kept text shown in the bar (all of it in the tooltip)
STALE_REASON = "someone changed the sample meanwhile"


class UnsavedTextBar(QFrame):
    """"Your text for turn N was not saved (why): [Apply again] [Discard]"."""

    apply_requested = Signal(int, int, str)  # sample id, turn idx, the text typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unsavedTextBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # every text kept, oldest first: (sample id, turn idx, text, why it was not saved)
        self._kept: list[tuple[int, int, str, str]] = []
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setStyleSheet(f"color: {ISSUE_COLOUR};")
        self.apply_button = QPushButton("Apply again", self)
        self.apply_button.setObjectName("applyUnsavedText")
        self.apply_button.setToolTip("Save the text you typed over the sample as it is now")
        self.apply_button.clicked.connect(self._apply)
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setObjectName("discardUnsavedText")
        self.discard_button.setToolTip("Forget the text shown; keep the sample as it is now")
        self.discard_button.clicked.connect(self.discard)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.apply_button)
        layout.addWidget(self.discard_button)
        self.hide()

    @property
    def kept(self) -> tuple[int, int, str] | None:
        """The text shown, as (sample id, turn idx, text); None when nothing is kept."""
        return self._kept[-1][:3] if self._kept else None

    def kept_texts(self) -> list[str]:
        """Every text kept, oldest first."""
        return [text for _sid, _idx, text, _why in self._kept]

    def offer(self, sample_id: int, idx: int, text: str, reason: str = STALE_REASON) -> None:
        """Keep ``text`` typed in turn ``idx`` of the Sample, not saved for ``reason``; shown
        on top of any text kept before (the same text again is shown once)."""
        self._kept = [k for k in self._kept if k[:3] != (sample_id, idx, text)]
        self._kept.append((sample_id, idx, text, reason))
        self._show_top()

    def discard(self) -> None:
        """Forget the text shown; the one kept before it (if any) shows."""
        if self._kept:
            self._kept.pop()
        self._show_top()

    def forget(self) -> None:
        """Forget every text kept (the project closes)."""
        self._kept.clear()
        self._show_top()

    def _show_top(self) -> None:
        if not self._kept:
            self.label.clear()
            self.label.setToolTip("")
            self.hide()
            return
        sample_id, idx, text, reason = self._kept[-1]
        preview = text if len(text) <= _PREVIEW else text[:_PREVIEW] + "…"
        earlier = len(self._kept) - 1
        more = f" (+{earlier} earlier)" if earlier else ""
        self.label.setText(f"Your text for turn {idx + 1} of sample {sample_id} was not saved "
                           f"({reason}): “{preview}”{more}")
        self.label.setToolTip(text)
        self.show()

    def _apply(self) -> None:
        # taken off the bar while it is applied: when it cannot be saved it is offered again
        # (with the reason), so it is never lost and never shown twice
        if self._kept:
            sample_id, idx, text, _why = self._kept.pop()
            self._show_top()
            self.apply_requested.emit(sample_id, idx, text)
