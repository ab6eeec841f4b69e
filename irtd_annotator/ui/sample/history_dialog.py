"""The revision history of one Sample: who changed what, when, from what to what."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.services.changes import split_step
from irtd_annotator.ui.sample.diff_view import DiffView
from irtd_annotator.ui.sample.history_words import what_changed

if TYPE_CHECKING:
    from irtd_annotator.services.review.session import RevisionView

_COLUMNS = ("When", "Who", "What", "Old", "New")
_STEP_TIPS = {"undo": "Written by an undo (Ctrl+Z): this puts an earlier change back",
              "redo": "Written by a redo: this makes an undone change again"}


def local_time(at: str) -> str:
    """An ISO-8601 UTC time stamp as local time to the second (the text itself if unparsable)."""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _one_line(text: str | None, limit: int = 80) -> str:
    if text is None:
        return "—"
    # a 10 MB text is cut before it is split: the cell shows 80 characters anyway
    flat = " ".join(text[:limit * 4].split())
    return flat if len(flat) <= limit and len(text) <= limit * 4 else flat[: limit - 1] + "…"


def _tip(text: str | None, limit: int = 2000) -> str:
    """A tooltip of at most ``limit`` characters (Qt lays out a tooltip's whole text); none
    for no text."""
    if text is None:
        return ""
    return text if len(text) <= limit else text[:limit] + "…"


class HistoryDialog(QDialog):
    """A table of revisions (newest first as given) and the word difference of the selected one."""

    def __init__(self, revisions: Sequence[RevisionView], parent: QWidget | None = None,
                 *, title: str = "History") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("historyDialog")
        self.resize(820, 520)
        self._revisions = list(revisions)

        self.table = QTableWidget(len(self._revisions), len(_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for row, rev in enumerate(self._revisions):
            target, step = split_step(rev.target)
            words = what_changed(rev.action, target, rev.old, rev.new, step=step)
            cells = (local_time(rev.at), rev.who, words.text, _one_line(rev.old),
                     _one_line(rev.new))
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 0:
                    item.setToolTip(rev.at)
                elif column == 2:
                    item.setToolTip(_STEP_TIPS.get(words.step or "", words.what))
                elif column >= 3:
                    item.setToolTip(_tip(rev.old if column == 3 else rev.new))
                if words.step:  # taking a change back reads apart from making one
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)

        self.detail = DiffView(self)
        self.detail.setPlaceholderText("Select a change to see it word by word.")
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        if not self._revisions:
            layout.addWidget(QLabel("No changes yet: this sample is as it was imported.", self))
        layout.addWidget(splitter)
        layout.addWidget(buttons)

        self.table.currentCellChanged.connect(self._show_detail)
        if self._revisions:
            self.table.selectRow(0)

    def _show_detail(self, row: int, *_args: int) -> None:
        if 0 <= row < len(self._revisions):
            rev = self._revisions[row]
            self.detail.set_texts(rev.old or "", rev.new or "")
