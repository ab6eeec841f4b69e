"""The queue's table view: rows are what is navigated, and the row shown is what is selected.

Issue 14's tester found Ctrl+End moving the Sample shown while the selection stayed on the
row clicked before, so Ctrl+D decided a Sample the reviewer was not looking at.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView

from irtd_annotator.ui.queue.counted_rows import CountedRows

__all__ = ["QueueTable"]

# the keys that move the current row (Left/Right move along it and keep the selection)
_ROW_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End,
             Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


class QueueTable(QTableView):
    """The queue's table view."""

    def keyboardSearch(self, search: str) -> None:  # noqa: N802 (Qt's name)
        # Qt's type-to-find scans the model row by row, which would fetch every page of a
        # large queue; letters are the window's review shortcuts anyway.
        return

    def moveCursor(self, action: QAbstractItemView.CursorAction,  # noqa: N802 (Qt's name)
                   modifiers: Qt.KeyboardModifier) -> QModelIndex:
        # Rows are what is navigated: Home and End go to the first and last Sample, not to
        # the first and last column.
        model = self.model()
        ends = (QAbstractItemView.CursorAction.MoveHome, QAbstractItemView.CursorAction.MoveEnd)
        if isinstance(model, CountedRows) and action == ends[1]:
            model.settle_count()  # the last row of a search still counted is not known yet
        if model is not None and action in ends and model.rowCount() > 0:
            row = 0 if action == QAbstractItemView.CursorAction.MoveHome else model.rowCount() - 1
            return model.index(row, max(self.currentIndex().column(), 0))
        return super().moveCursor(action, modifiers)

    def selectAll(self) -> None:  # noqa: N802 (Qt's name)
        # every row of a search still counted, not only those read so far (issue 16)
        model = self.model()
        if isinstance(model, CountedRows):
            model.settle_count()
        super().selectAll()

    def selectionCommand(self, index: QModelIndex | QPersistentModelIndex,  # noqa: N802
                         event: QEvent | None = None) -> QItemSelectionModel.SelectionFlag:
        # Qt moves the current row WITHOUT touching the selection on Ctrl+Home/End/arrows/
        # Page keys, so Ctrl+D would decide rows the reviewer left: the row shown is selected
        # as without Ctrl (Shift still extends from the anchor).
        if (isinstance(event, QKeyEvent) and event.key() in _ROW_KEYS
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            event = QKeyEvent(event.type(), event.key(),
                              event.modifiers() & ~Qt.KeyboardModifier.ControlModifier)
        return super().selectionCommand(index, event)
