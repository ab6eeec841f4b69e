"""Per-reviewer progress in the window: "You: N today · M in all" on the status bar, and
View > Reviewers, a small table of every reviewer's decisions (today, in all, per status).

A Sample counts once, for whoever set its review status last (``samples.decided_by``), so
the figures follow undo and other reviewers' decisions. The status bar's figure is read again
after a saved change of a status (the change runner's ``changed``, wired by the main window);
the table when it is opened, on Refresh, and on such a change while it is open. The reading
after a change waits for a short pause (``REFRESH_DELAY_MS``), once for a run of decisions: it
is a count over the reviewer's decisions (33 ms for a reviewer with 129,000 of them), which
must not sit on the path of every approve.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.project import Project
from irtd_annotator.services.stats import ReviewerCounts, ReviewerProgress

__all__ = ["ReviewersDialog", "ReviewersUi"]

REFRESH_DELAY_MS = 300  # a run of decisions is counted once, after it
_STATUSES = ("approved", "rejected", "flagged", "accepted")
_OWN_TIP = "Samples whose review status you set last: today, and in all"
_COLUMNS = ("Reviewer", "Today", "In all", *(s.capitalize() for s in _STATUSES))


def own_figure(today: int, total: int) -> str:
    """The status bar's text for the window's reviewer."""
    return f"You: {today:,} today · {total:,} in all"


class ReviewersDialog(QDialog):
    """Every reviewer's decisions: name, today, in all and per status; Refresh reads again."""

    def __init__(self, progress: ReviewerProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewersDialog")
        self.setWindowTitle("Reviewers")
        self.resize(560, 320)
        self.progress = progress
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setObjectName("reviewersTable")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.note = QLabel(self)  # why the table is empty, or why it could not be read
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        refresh = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.refresh)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Read every reviewer's figures again; a store error is one line under the table."""
        try:
            rows = self.progress.everyone()
        except UserError as exc:
            self.note.setText(str(exc).splitlines()[0])
            return
        self.note.setText("" if rows else "No decisions yet.")
        self._fill(rows)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's cells as shown, row by row (for tests and the reader's eye alike)."""
        def cell(r: int, c: int) -> str:
            item = self.table.item(r, c)
            return item.text() if item is not None else ""

        return [tuple(cell(r, c) for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())]

    def _fill(self, rows: list[ReviewerCounts]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (row.who, f"{row.today:,}", f"{row.total:,}",
                     *(f"{row.by_status.get(s, 0):,}" for s in _STATUSES))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))


class ReviewersUi:
    """The status bar's own figure and the View > Reviewers action of one window."""

    def __init__(self, window: QMainWindow, *, annotator: str, menu: QMenu) -> None:
        self.window = window
        self.annotator = annotator
        self.progress: ReviewerProgress | None = None
        self.dialog: ReviewersDialog | None = None
        self.label = QLabel(window)
        self.label.setObjectName("ownProgressLabel")
        self.label.setContentsMargins(10, 0, 10, 0)
        self.label.setToolTip(_OWN_TIP)
        window.statusBar().addPermanentWidget(self.label)
        self.action = QAction("Re&viewers…", window)
        self.action.setObjectName("reviewersAction")
        self.action.setStatusTip("Every reviewer's decisions, today and in all")
        self.action.triggered.connect(self.show_dialog)
        self.action.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.action)
        self.timer = QTimer(window)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self.refresh)

    def open(self, project: Project) -> None:
        """A project is open: count its decisions from now on."""
        self.progress = ReviewerProgress(project)
        self.action.setEnabled(True)
        self.refresh()

    def close(self) -> None:
        """The project is closing: nothing to count."""
        self.timer.stop()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.progress = self.dialog = None
        self.action.setEnabled(False)
        self.label.clear()

    def on_changed(self, changes: Changes) -> None:
        """A saved change (the runner's ``changed``): a decision moves the figures, read
        again after the run of decisions it belongs to (each change restarts the wait)."""
        if changes.status:
            self.timer.start()

    def refresh(self) -> None:
        """Read the window's reviewer's figure again (and the open table's)."""
        self.timer.stop()
        if self.progress is None:
            return
        try:
            today, total = self.progress.of(self.annotator)
        except UserError as exc:  # the store went away: say so where the figure stands
            self.label.setText("You: —")
            self.label.setToolTip(str(exc).splitlines()[0])
        else:
            self.label.setText(own_figure(today, total))
            self.label.setToolTip(_OWN_TIP)
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()

    def show_dialog(self) -> None:
        """View > Reviewers: the table, read now; one window, raised if already open."""
        if self.progress is None:
            return
        if self.dialog is None:
            self.dialog = ReviewersDialog(self.progress, self.window)
        else:
            self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
