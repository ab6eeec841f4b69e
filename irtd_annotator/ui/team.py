"""Team work in the window (issue 12): leases on the Sample shown, "held by" in the status
bar and the queue, next pending that skips what others hold, and Review > Assign batch.

Per open project a ``TeamWork`` (services/review/team.py) with a session id of its own, so
two windows of one reviewer are two sessions. The Sample shown is held (at once when next
pending hands it out, once the reviewer stays when opened by hand) while the reviewer is
active: any key, click or wheel in the window renews the lease, at most once a minute, so an
idle window lets it lapse after ``LEASE_SECONDS``. Leaving a Sample drops its lease (a
session holds one), closing the project drops them all. A lease is never a lock: a Sample
someone else holds can be opened and edited, and says so.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.team import Holder, TeamWork
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.unseen import describe_filter
from irtd_annotator.ui.review_controller import NO_PENDING, ReviewController

__all__ = ["AssignDialog", "TeamUi"]

RENEW_AFTER_S = 60.0  # input renews the lease at most this often (it lasts five minutes)
# A Sample opened by hand is held once the reviewer stays on it this long: a lease write
# costs a commit (an fsync on SQLite), which skimming with J/K must not pay at every step.
HOLD_AFTER_MS = 300
HELD_STYLE = "color: #ef6c00; font-weight: bold;"
# a key that is a window shortcut never arrives as a KeyPress: its ShortcutOverride does
_INPUT = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.MouseButtonPress,
          QEvent.Type.Wheel)


class TeamUi(QObject):
    """Built once per window; ``team`` exists while a project is open."""

    def __init__(self, window: QMainWindow, *, annotator: str, assign: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.annotator = annotator
        self.team: TeamWork | None = None
        self.queue: QueueDock | None = None
        self.controller: ReviewController | None = None
        self._claimed: int | None = None  # the Sample next pending just took the lease of
        self._renewed = 0.0               # time.monotonic() of the last lease write
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(HOLD_AFTER_MS)
        self._hold.timeout.connect(self._renew)
        self.held_label = QLabel(window)
        self.held_label.setObjectName("heldLabel")
        self.held_label.setStyleSheet(HELD_STYLE)
        self.held_label.setContentsMargins(10, 0, 10, 0)
        window.statusBar().insertPermanentWidget(0, self.held_label)
        assign.triggered.connect(lambda _checked=False: self.ask_assign())

    # ---- a project opens and closes -------------------------------------------------------

    def open(self, project: Project, *, queue: QueueDock, controller: ReviewController) -> None:
        """Take part in the team's work on a newly opened project (its first Sample shown)."""
        self.close()
        self.team = TeamWork(project, annotator=self.annotator)
        self.queue, self.controller = queue, controller
        controller.find_pending = self._next_pending
        controller.why_none_pending = self._why_none_pending
        controller.sample_shown.connect(self._shown)  # gone with the controller
        queue.set_reviewer(self.annotator)
        queue.holders.set_source(self.team.holders)
        app = QApplication.instance()
        if app is not None:  # the reviewer's input renews the lease while a project is open
            app.installEventFilter(self)
        if controller.current_id is not None:
            self._take(controller.current_id)

    def close(self) -> None:
        """The project closes: its leases are dropped (else they lapse by themselves)."""
        self._hold.stop()
        if self.team is None:
            return
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.queue is not None:
            self.queue.holders.set_source(None)
        with contextlib.suppress(UserError):  # a locked store: the leases lapse by themselves
            self.team.release()
        self.team = self.queue = self.controller = None
        self._claimed = None
        self._show_holder(None)

    # ---- the Sample shown ---------------------------------------------------------------

    def _next_pending(self, after_id: int | None, ids: Sequence[int]) -> int | None:
        assert self.team is not None
        self._hold.stop()  # what it hands out is held at once
        self._claimed = self.team.next_pending(after_id, ids)
        return self._claimed

    def _why_none_pending(self, ids: Sequence[int]) -> str:
        """Next pending found nothing: say so, and why when others hold what is pending."""
        taken = 0
        if self.team is not None:
            with contextlib.suppress(UserError):  # a locked store: just say none is left
                taken = self.team.pending_not_free(ids)
        if not taken:
            return NO_PENDING
        return (f"No pending sample is free for you: {taken:,} pending "
                f"{'is' if taken == 1 else 'are'} held by others or in others' batches")

    def _shown(self, sample_id: int) -> None:
        if sample_id == self._claimed:  # next pending took its lease a moment ago
            self._claimed = None
            self._renewed = time.monotonic()
            self._show_holder(Holder(self.annotator, mine=True))
            if self.queue is not None:
                self.queue.holders.soon()
            return
        self._show_holder(None)  # the Sample left was the one held by someone
        self._hold.start()  # (again): held once the reviewer stays

    def _take(self, sample_id: int) -> None:
        if self.team is None:
            return
        try:
            holder = self.team.take(sample_id)
        except UserError as exc:  # leases never stop a review: say it and go on
            self.window.statusBar().showMessage(f"Could not hold the sample: {exc}", 4000)
            return
        self._renewed = time.monotonic()
        self._show_holder(holder)
        if self.queue is not None:
            self.queue.holders.soon()

    def _renew(self) -> None:
        current = self.controller.current_id if self.controller is not None else None
        if current is not None:
            self._take(current)  # also takes it back if it lapsed and no one took it

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() in _INPUT and self.team is not None
                and time.monotonic() - self._renewed >= RENEW_AFTER_S
                and isinstance(obj, QWidget) and obj.window() is self.window):
            self._renewed = time.monotonic()
            QTimer.singleShot(0, self._renew)  # not inside the input's own handling
        return False

    def _show_holder(self, holder: Holder | None) -> None:
        if holder is None or holder.mine:
            self.held_label.clear()
            self.held_label.setToolTip("")
            return
        self.held_label.setText(f"Held by {holder.who}")
        self.held_label.setToolTip(
            f"{holder.who} is working on this sample in another window. You can look and edit "
            "all the same; a change made meanwhile is never silently overwritten.")

    # ---- batches ------------------------------------------------------------------------

    def ask_assign(self) -> None:
        """Review > Assign batch: give a reviewer a batch of the queue's filter."""
        if self.team is None or self.queue is None:
            return
        flt = self.queue.current_filter()
        dialog = AssignDialog(self.window, describe_filter(flt))
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            to, count = dialog.choice()
        finally:
            dialog.deleteLater()
        self.assign(flt, to=to, count=count)

    def assign(self, flt: QueueFilter, *, to: str, count: int,
               ids: Sequence[int] | None = None) -> int | None:
        """Assign (``ids``: only of those Samples) and say how many; None when it failed
        (the message says why)."""
        if self.team is None:
            return None
        try:
            given = self.team.assign(flt, to=to, count=count, ids=ids)
        except UserError as exc:
            self.window.statusBar().showMessage(f"Nothing assigned: {exc}", 10000)
            return None
        short = "" if given == count else f" (only {given:,} matched)"
        self.window.statusBar().showMessage(
            f"Assigned {given:,} sample{'s' if given != 1 else ''} to {to.strip()}{short}", 10000)
        if self.queue is not None and flt.assigned_to is not None:
            self.queue.refresh(Changes(queue=True))  # "My batch" grew
        return given


class AssignDialog(QDialog):
    """Who gets a batch and how many Samples, of the filter the queue shows."""

    def __init__(self, parent: QWidget | None, filter_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assign a batch")
        self.setObjectName("assignDialog")
        self.name = QLineEdit(self)
        self.name.setObjectName("assignName")
        self.name.setPlaceholderText("the reviewer's name, as they open the project")
        self.count = QSpinBox(self)
        self.count.setObjectName("assignCount")
        self.count.setRange(1, 10_000_000)
        self.count.setValue(100)
        form = QFormLayout()
        form.addRow("Reviewer:", self.name)
        form.addRow("Samples:", self.count)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Assign")
        ok.setEnabled(False)
        self.name.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        about = QLabel(f"From the queue's filter: {filter_text}.\nSamples in no batch yet, "
                       "in id order.", self)
        about.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.name.setFocus()

    def choice(self) -> tuple[str, int]:
        """(reviewer, count) as entered."""
        return self.name.text().strip(), self.count.value()
