"""One height rule for a turn's small text boxes (the prompt, a short answer) and the original
beside each: they fit their text, from MIN_LINES up to MAX_LINES lines, then scroll (issue 13).

Before, the rule was picked once, from the text of the Sample the widget was first made for,
and kept for every later Sample the widget showed: the same prompt box was three lines tall on
one Sample and seven on the next.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QTextEdit, QWidget

MIN_LINES = 2
MAX_LINES = 6
_MEASURED = 2_000  # characters measured: MAX_LINES lines never hold more
_FREE_REFITS = 8  # new widths (of either box) fitted both ways for one set of texts; then grow


def lines_needed(box: QPlainTextEdit | QTextEdit, text: str) -> int:
    """How many lines ``text`` takes wrapped at ``box``'s width, MIN_LINES to MAX_LINES."""
    metrics = box.fontMetrics()
    margin = 2 * math.ceil(box.document().documentMargin())
    width = max(box.viewport().width() - margin, metrics.averageCharWidth() * 10)
    rect = metrics.boundingRect(QRect(0, 0, width, 1 << 20), Qt.TextFlag.TextWordWrap,
                                text[:_MEASURED] or " ")
    lines = math.ceil(rect.height() / max(1, metrics.lineSpacing()))
    return max(MIN_LINES, min(MAX_LINES, lines))


def height_for(box: QPlainTextEdit | QTextEdit, lines: int) -> int:
    """The height of ``box`` showing ``lines`` lines, with its frame and margins."""
    margin = 2 * math.ceil(box.document().documentMargin())
    # +2: the plain text editor scrolls unless its last line has a pixel to spare
    return lines * box.fontMetrics().lineSpacing() + margin + 2 * box.frameWidth() + 2


class FitToText(QObject):
    """Keeps ``editor`` and ``original`` (side by side) as tall as the longer of their texts
    needs, within the rule; again whenever a text or a box's width changes."""

    def __init__(self, editor: QPlainTextEdit, original: QTextEdit, parent: QWidget) -> None:
        super().__init__(parent)
        self._editor = editor
        self._original = original
        self._texts = ("", "")
        self._refits = 0  # new widths fitted since the texts were set (see eventFilter)
        for box in (editor, original):
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            box.viewport().installEventFilter(self)  # resized after its box: widths settled

    def fit(self, current: str, original: str) -> None:
        """Size both boxes for these texts."""
        self._refits = 0
        self._size(current, original, grow_only=False)

    def _size(self, current: str, original: str, *, grow_only: bool) -> None:
        self._texts = (current, original)
        lines = max(lines_needed(self._editor, current), lines_needed(self._original, original))
        height = max(height_for(self._editor, lines), height_for(self._original, lines))
        if grow_only:
            height = max(height, self._editor.minimumHeight())
        for box in (self._editor, self._original):
            if box.height() != height or box.minimumHeight() != height:
                box.setFixedHeight(height)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize and isinstance(event, QResizeEvent) and \
                event.size().width() != event.oldSize().width():
            # wider or narrower: the texts wrap anew. But a taller box can make the panel's
            # scroll bar appear, so the boxes narrow, wrap to more lines, grow, and so on:
            # on a small screen that loop of resizes recursed until the process crashed.
            # After a few new widths for the same texts the boxes only grow, so it ends
            # (at MAX_LINES at the latest); the next Sample's texts size them afresh.
            self._refits += 1
            self._size(*self._texts, grow_only=self._refits > _FREE_REFITS)
        return False
