"""The window's status bar: passing remarks on the left; the progress in the queue's filter,
the save state and the reviewer on the right. The save state is written by ``show_save_state``
alone, which listens to the change runner (ui/pipeline.py), so it says what happened."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from irtd_annotator.ui.pipeline import SAVED

__all__ = ["WindowStatus"]

REMARK_MS = 4000  # how long a passing remark stays
INDEX_TIP = ("The samples an import wrote are being added to the search index; searches find "
             "them all the same meanwhile, only more slowly")
_MAX_STATE = 80   # characters of the save state shown; the whole of it is the tooltip
DECIDED_TIP = ("Samples of the queue's filter that are approved, accepted (by an audit) or "
               "rejected, of all it selects; flagged and pending are still to decide")


class WindowStatus:
    """The labels of the window's status bar and what sets them."""

    def __init__(self, window: QMainWindow, *, annotator: str) -> None:
        self.bar = window.statusBar()
        self.progress_label = QLabel(window)
        self.progress_label.setObjectName("progressLabel")
        self.save_label = QLabel(SAVED, window)
        self.save_label.setObjectName("saveLabel")
        self.who_label = QLabel(f"Reviewer: {annotator}", window)
        self.index_label = QLabel(window)  # the search index's build (ADR 0024), when one runs
        self.index_label.setObjectName("indexLabel")
        self.index_label.setToolTip(INDEX_TIP)
        for label in (self.index_label, self.progress_label, self.save_label, self.who_label):
            label.setContentsMargins(10, 0, 10, 0)
            self.bar.addPermanentWidget(label)
        self.index_label.hide()

    def remark(self, text: str, ms: int = REMARK_MS) -> None:
        """A passing remark on the left."""
        self.bar.showMessage(text, ms)

    def show_progress(self, decided: int, total: int) -> None:
        """The queue filter's progress: decided (approved, accepted or rejected) of all;
        a negative total: a search's count is on its way."""
        self.progress_label.setText(f"{decided:,} / {total:,} decided" if total >= 0
                                    else "counting…")
        self.progress_label.setToolTip(DECIDED_TIP)

    def show_index_backlog(self, left: int) -> None:
        """The search index's build: how many Samples are left, hidden at 0 (built)."""
        self.index_label.setText(f"Search index: building, {left:,} left (searches slower)")
        self.index_label.setVisible(left > 0)

    def show_save_state(self, text: str, is_error: bool) -> None:
        """The one place the save state is set (the runner's ``save_state``)."""
        self.save_label.setText(text if len(text) < _MAX_STATE else text[:_MAX_STATE - 3] + "…")
        self.save_label.setToolTip(text)
        self.save_label.setStyleSheet("color: #c62828; font-weight: bold;" if is_error else "")
