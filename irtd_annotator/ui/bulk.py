"""Bulk decisions in the window (issue 14): Review > Decide selected… (the queue's selected
rows, also on its context menu) and Decide all N matching the filter….

The flow: the decision dialog; a dry count on a worker thread; a confirmation with the
counts per task and source (Cancel writes nothing); the decision on a worker thread (a busy
dialog with Cancel, which rolls it back; the window stays responsive); then one line in the
status bar, a short report when a Sample left alone needs the reviewer (bad markup, held
by another reviewer), and ONE undo step pushed on the change pipeline
(``ChangeRunner.adopt``), whose ``changed`` refreshes the queue, the tally and the Sample
shown. Assigning to a reviewer goes the same way: counted (per task and source, with what is
left out and why), confirmed, written, one undo step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.assign_steps import Assigned, AssignPlan, AssignSteps
from irtd_annotator.services.review.bulk import BulkResult, Decision, bulk_decide
from irtd_annotator.services.review.bulk_steps import BulkSteps
from irtd_annotator.ui.bulk_dialog import BulkChoice, DecideDialog, assign_box, confirm_box
from irtd_annotator.ui.jobs.elsewhere import elsewhere
from irtd_annotator.ui.jobs.report_box import ReportBox
from irtd_annotator.ui.jobs.service_worker import JobTexts, ServiceRunner
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.unseen import describe_filter
from irtd_annotator.ui.sample.panel import SamplePanel
from irtd_annotator.ui.status_bar import WindowStatus
from irtd_annotator.ui.team import TeamUi


class BulkWindow(Protocol):
    """What of the main window a bulk decision uses (the window builds BulkUi: a Protocol,
    not an import, so the two modules do not import each other)."""

    annotator: str
    project: Project | None
    queue: QueueDock | None
    panel: SamplePanel
    runner: ChangeRunner
    status: WindowStatus
    team: TeamUi
    menus: dict[str, QMenu]

    @property
    def project_opened(self) -> SignalInstance: ...

    def show_error(self, title: str, message: str) -> None: ...

    def window(self) -> QWidget: ...  # the main window itself, as a widget (Qt's)


__all__ = ["BulkUi"]

_COUNTING = JobTexts("bulkCount", "Counting", "Counting the samples…", "Stopping…",
                     unit="samples")
_DECIDING = JobTexts("bulkDecide", "Deciding", "Deciding the samples…",
                     "Stopping: nothing will be changed…", unit="samples",
                     not_done="Not decided")
_ASSIGNING = JobTexts("bulkAssign", "Assigning", "Assigning the samples…",
                      "Stopping: nothing will be changed…", not_done="Not assigned")
CANCELLED = "Cancelled: nothing was changed"


class BulkUi(QObject):
    """Built once per window: the two actions and what they start."""

    def __init__(self, window: BulkWindow, *, actions: Mapping[str, QAction]) -> None:
        self.host = window.window()  # parent of the dialogs and the worker
        super().__init__(self.host)
        self.win = window
        selected, matching = actions["decide_selected"], actions["decide_matching"]
        self.selected_action, self.matching_action = selected, matching
        self.job: ServiceRunner | None = None  # the count or decision running, if any
        self.dialog: DecideDialog | None = None
        self.confirm: QMessageBox | None = None
        self.report: ReportBox | None = None
        self.only_said = ""  # the "decided the one shown only" remark, while it may be shown
        selected.triggered.connect(lambda _checked=False: self.ask(selected_only=True))
        matching.triggered.connect(lambda _checked=False: self.ask(selected_only=False))
        window.project_opened.connect(lambda _key: self._opened())
        window.menus["&Review"].aboutToShow.connect(self._name_counts)
        window.runner.changed.connect(self._one_only)
        self.host.installEventFilter(self)  # closing waits for a decision being written

    def _opened(self) -> None:
        queue = self.win.queue
        if queue is not None:  # the queue's context menu: decide the rows selected
            queue.table.addAction(self.selected_action)
            queue.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _name_counts(self) -> None:
        queue = self.win.queue
        n = queue.model.rowCount() if queue is not None else 0
        self.matching_action.setText(f"Decide all {n:,} &matching the filter…")
        chosen = queue.selected_count() if queue is not None else 0
        self.selected_action.setText(f"&Decide {chosen:,} selected…" if chosen > 1
                                     else "&Decide selected…")

    def _one_only(self, changes: Changes) -> None:
        """A review key decided the Sample shown: when rows are selected, say that only that
        one was decided, never the selection (it is decided with Ctrl+D)."""
        queue = self.win.queue
        if not changes.status:
            return
        bar = self.win.status.bar
        if self.only_said and bar.currentMessage() == self.only_said:
            bar.clearMessage()  # it was about the decision before this one
        self.only_said = ""
        if changes.queue or len(changes.sample_ids) != 1 or queue is None:
            return
        chosen = queue.selected_count()
        if chosen > 1:
            (sid,) = changes.sample_ids
            self.only_said = (f"Decided sample {sid} only, the one shown; to decide the "
                              f"{chosen:,} selected use Review > Decide selected… (Ctrl+D)")
            self.win.status.remark(self.only_said, 10000)

    # ---- the flow ---------------------------------------------------------------------------

    def ask(self, *, selected_only: bool) -> DecideDialog | None:
        """Open the decision dialog for the selected rows or every row of the filter."""
        queue = self.win.queue
        if queue is None or self.win.project is None or self._busy():
            return None
        self.win.panel.flush()
        flt = queue.current_filter()
        ids = queue.selected_ids() if selected_only else None
        if ids is not None and not ids:
            self.win.status.remark(
                "Select rows in the queue first (Shift/Ctrl click, Shift+arrows)", 10000)
            return None
        what = (f"The {len(ids):,} selected sample{'' if len(ids) == 1 else 's'} of the queue."
                if ids is not None else f"All {queue.model.rowCount():,} samples matching "
                f"the queue's filter: {describe_filter(flt, no_status='any status')}.")
        dialog = DecideDialog(self.host, what)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._count(flt, ids, dialog.choice()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _count(self, flt: QueueFilter, ids: Sequence[int] | None, choice: BulkChoice) -> None:
        if not isinstance(choice, Decision):
            self._assign(flt, ids, choice[1])
            return
        session = self._session()

        def plan(project: Project, _progress: Any, _cancel: Any) -> BulkResult:
            return bulk_decide(project, flt, choice, who=self.win.annotator,
                               session=session, dry_run=True, ids=ids)

        self._start(_COUNTING, plan, lambda result: self._confirm(flt, ids, choice, result))

    def _confirm(self, flt: QueueFilter, ids: Sequence[int] | None, decision: Decision,
                 plan: BulkResult) -> None:
        if plan.total == 0:
            self._done_saying(plan, first="Nothing to change")
            return
        self._ask(confirm_box(self.host, plan), lambda: self._decide(flt, ids, decision))

    def _ask(self, box: QMessageBox, go_on: Callable[[], None]) -> None:
        """Open the confirmation ``box``: its "bulkGo" button goes on, Cancel says so."""
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        go = box.findChild(QObject, "bulkGo")

        def answered(_code: int) -> None:
            if box.clickedButton() is go:
                go_on()
            else:
                self.win.status.remark(CANCELLED, 10000)

        box.finished.connect(answered)
        self.confirm = box
        box.open()

    def _decide(self, flt: QueueFilter, ids: Sequence[int] | None, decision: Decision) -> None:
        session = self._session()

        def write(project: Project, progress: Callable[[int, int, str], None],
                  cancel: Callable[[], bool]) -> BulkResult:
            def step(done: int, total: int) -> None:
                if cancel():  # raised inside the transaction: it rolls back, whole
                    raise UserError(CANCELLED)
                progress(done, total, "Deciding")
            return bulk_decide(project, flt, decision, who=self.win.annotator,
                               session=session, ids=ids, progress=step)

        self._start(_DECIDING, write, lambda result: self._written(decision, result))

    def _written(self, decision: Decision, result: BulkResult) -> None:
        project = self.win.project
        if project is not None and result.total:
            op, changes = BulkSteps(project, session=self._session(), note=self._say,
                                    elsewhere=self._elsewhere).step(result, decision)
            self.win.runner.adopt(op, changes)  # one undo step; the queue etc. refresh
        self._done_saying(result)

    def _elsewhere(self, what: str, work: Callable[[Project], BulkResult]) -> BulkResult:
        """Run an undo or redo (the runner waits for its result) on a thread, behind a busy
        dialog (ui/jobs/elsewhere.py)."""
        return elsewhere(self.host, self.win.project, what, work)

    def _say(self, line: str) -> None:
        self.win.status.remark(line, 15000)

    def _done_saying(self, result: BulkResult, *, first: str = "") -> None:
        line = f"{first}: {result.summary()}" if first else result.summary()
        self.win.status.remark(line, 15000)
        # a box only for what the reviewer may act on; "already approved" is the line alone
        if result.refused or result.leased:
            box = ReportBox(QMessageBox.Icon.Information, "Decided",
                            line + "\n\n" + "\n".join(result.lines()), self.host)
            box.setObjectName("bulkReport")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.report = box
            box.open()

    def _assign(self, flt: QueueFilter, ids: Sequence[int] | None, to: str) -> None:
        """Count what a batch of the selection gives ``to`` (a worker thread: a filter's
        260,000 Samples take a while), then confirm, then give it as ONE undo step."""
        def plan(project: Project, _progress: Any, _cancel: Any) -> AssignPlan:
            return AssignSteps(project, by=self.win.annotator).plan(flt, to=to, ids=ids)

        def confirm(counted: AssignPlan) -> None:
            if counted.total == 0:
                why = "; ".join(counted.left_out()) or "no sample selected"
                self.win.status.remark(f"Nothing to assign to {counted.to}: {why}", 15000)
                return
            self._ask(assign_box(self.host, counted, selected=ids is not None),
                      lambda: self._start(_ASSIGNING, give, self._given))

        def give(project: Project, _progress: Any, cancel: Callable[[], bool]) -> Assigned:
            def stop() -> None:  # raised inside the transaction: it rolls back, whole
                if cancel():
                    raise UserError(CANCELLED)
            return AssignSteps(project, by=self.win.annotator).give(flt, to=to, ids=ids,
                                                                    before_commit=stop)

        self._start(_COUNTING, plan, confirm)

    def _given(self, done: Assigned) -> None:
        project = self.win.project
        if project is not None and done.ids:
            op, changes = AssignSteps(project, by=self.win.annotator, note=self._say).step(done)
            self.win.runner.adopt(op, changes)  # one undo step; "My batch" is read again
        n = len(done.ids)
        self.win.status.remark(f"Assigned {n:,} sample{'' if n == 1 else 's'} to {done.to}", 15000)

    # ---- the worker -------------------------------------------------------------------------

    def _start(self, texts: JobTexts, job: Any, then: Callable[[Any], None]) -> None:
        project = self.win.project
        if project is None:
            return
        runner = ServiceRunner(self.host, location=project.location, job=job, texts=texts,
                               show_report=False)
        self.job = runner

        def done(result: Any) -> None:
            runner.deleteLater()
            self.job = None
            if result is not None:
                then(result)
            elif runner.error is not None:  # cancelled, or a locked store: one line
                self.win.status.remark(runner.error, 15000)
                if runner.error != CANCELLED:
                    self.win.show_error(texts.not_done, runner.error)

        runner.done.connect(done)
        runner.start()

    def _busy(self) -> bool:
        if self.job is not None and self.job.is_running():
            self.win.status.remark("A bulk decision is still running", 5000)
            return True
        return False

    def _session(self) -> str | None:
        team = self.win.team.team
        return team.session if team is not None else None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.host and event.type() == QEvent.Type.Close and self.job is not None:
            self.job.cancel(wait=True)  # rolled back; the thread ends before the window
        return False
