"""Audits in the window (issue 14): the Audits dock (View > Audits) and its actions, with the
rules of ``irtd-annotator audit``.

New audit… asks for the name, the samples (the queue's filter, or a task and a source), max
error, confidence, seed and strata, shows the plan per stratum and draws the audit once
confirmed. Review this audit sets the queue's filter to "Audit: NAME" and shows its first
pending sample. Extend draws more where errors call for it. Accept… shows what would be
accepted per stratum and which strata are refused and why, then writes; its undo is ONE step
of the change pipeline (``ChangeRunner.adopt``). The plan, the draw, the extension and the
accept run on a worker thread (ui/jobs/service_worker.py): each reads or writes a whole
filter's samples, seconds at 260,000. The panel reads the audits again after every saved
change of a status (the runner's ``changed``), once per run of decisions, while it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, SignalInstance
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QMenu, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audit_steps import AcceptSteps
from irtd_annotator.services.review.audits import (
    AcceptResult,
    AuditStatus,
    accept_audit,
    audit_statuses,
    create_audit,
    extend_audit,
    plan_audit,
)
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.audits.dialogs import AuditSpec, ConfirmDialog, NewAuditDialog
from irtd_annotator.ui.audits.panel import AuditsDock
from irtd_annotator.ui.jobs.elsewhere import elsewhere
from irtd_annotator.ui.jobs.service_worker import JobTexts, ServiceRunner
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.unseen import describe_filter
from irtd_annotator.ui.review_controller import ReviewController
from irtd_annotator.ui.status_bar import WindowStatus
from irtd_annotator.ui.team import TeamUi

__all__ = ["AUDITS_KEY", "AuditsUi"]

AUDITS_KEY = "Ctrl+Shift+T"  # View > Audits (Ctrl+D, Ctrl+Shift+D and Ctrl+Shift+A are taken)
REFRESH_DELAY_MS = 200  # a run of decisions reads the audits once, after it
_TEXTS = {kind: JobTexts(f"audit{kind.capitalize()}", title, running, running,
                         not_done=f"{title}: not done")
          for kind, title, running in (
              ("plan", "New audit", "Counting the pending samples per stratum…"),
              ("create", "New audit", "Drawing the audit…"),
              ("extend", "Extend audit", "Drawing more samples…"),
              ("count", "Accept audit", "Counting what the accept would give…"),
              ("accept", "Accept audit", "Accepting the rest of the accepted strata…"))}


class AuditsWindow(Protocol):
    """What of the main window the Audits panel uses (a Protocol: the window builds
    AuditsUi, so the two modules do not import each other)."""

    annotator: str
    project: Project | None
    queue: QueueDock | None
    controller: ReviewController | None
    session: ReviewSession | None
    runner: ChangeRunner
    status: WindowStatus
    team: TeamUi
    menus: dict[str, QMenu]

    @property
    def project_opened(self) -> SignalInstance: ...

    def show_error(self, title: str, message: str) -> None: ...

    def window(self) -> QWidget: ...  # the main window itself, as a widget (Qt's)

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None: ...  # noqa: N802


def plan_table(plan: list[tuple[str, int, int]]) -> str:
    """The plan per stratum, as ``audit create`` prints it."""
    out = [f"{'stratum':<44} {'population':>10} {'sample':>7}"]
    out += [f"{label:<44} {population:>10,} {n:>7,}" for label, population, n in plan]
    out.append(f"{'total':<44} {sum(p[1] for p in plan):>10,} {sum(p[2] for p in plan):>7,}")
    return "\n".join(out)


class AuditsUi(QObject):
    """Built once per window: the Audits dock, its toggle in View, and what its buttons do."""

    def __init__(self, window: AuditsWindow) -> None:
        self.host = window.window()  # parent of the dock, the dialogs and the worker
        super().__init__(self.host)
        self.win = window
        self.dock = AuditsDock(self.host)
        self.panel = self.dock.panel
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()  # until View > Audits
        self.toggle = self.dock.toggleViewAction()
        self.toggle.setText("&Audits")
        self.toggle.setObjectName("action_audits")
        self.toggle.setShortcut(QKeySequence(AUDITS_KEY))
        self.toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.toggle.setStatusTip("Each audit's strata: drawn, reviewed, errors, interval, verdict")
        self.host.addAction(self.toggle)  # the key works with the menu bar hidden too
        window.menus["&View"].addAction(self.toggle)
        self.job: ServiceRunner | None = None
        self.dialog: NewAuditDialog | None = None
        self.confirm: ConfirmDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self.refresh)
        self.panel.new_requested.connect(self.ask_new)
        self.panel.review_requested.connect(self.review)
        self.panel.extend_requested.connect(self.extend)
        self.panel.accept_requested.connect(self.ask_accept)
        self.dock.visibilityChanged.connect(lambda shown: shown and self.refresh())
        window.project_opened.connect(lambda _key: self._opened())
        window.runner.changed.connect(self._on_changed)
        self.host.installEventFilter(self)  # closing waits for an audit job being written

    # ---- a project opens and closes -------------------------------------------------------

    def _opened(self) -> None:
        self.panel.set_open(True)
        queue = self.win.queue
        if queue is not None:  # the project closes with its queue: the panel says so then
            queue.destroyed.connect(self._closed)  # a slot of ours: gone with this object
        self.refresh()

    def _closed(self, _queue: QObject | None = None) -> None:
        if self.win.project is None:  # not when another project took its place meanwhile
            self.timer.stop()
            self.panel.set_open(False)

    def _on_changed(self, changes: Changes) -> None:
        # a decision may move an audit's numbers; a hidden panel reads them when shown
        if (changes.status or changes.queue) and self.dock.isVisible():
            self.timer.start()

    def refresh(self) -> list[AuditStatus]:
        """Read the audits again and show them."""
        self.timer.stop()
        project = self.win.project
        if project is None:
            return []
        try:
            statuses = audit_statuses(project)
        except UserError as exc:
            self.panel.show_error(str(exc))
            return []
        self.panel.show_audits(statuses)
        return statuses

    # ---- the actions ------------------------------------------------------------------------

    def ask_new(self) -> NewAuditDialog | None:
        """New audit…: the dialog; its OK counts the plan, which is shown to confirm."""
        session, queue = self.win.session, self.win.queue
        if session is None or queue is None or self._busy():
            return None
        flt = queue.current_filter()
        try:
            choices = session.choices()
        except UserError as exc:
            self.win.show_error("New audit", str(exc))
            return None
        dialog = NewAuditDialog(self.host, queue_filter=flt, described=describe_filter(flt),
                                choices=choices)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._plan(dialog.spec()))
        dialog.finished.connect(lambda _code: self._forget(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _plan(self, spec: AuditSpec) -> None:
        def job(project: Project, _progress: Any, _cancel: Any) -> list[tuple[str, int, int]]:
            return plan_audit(project, spec.flt, max_error=spec.max_error,
                              confidence=spec.confidence, by=spec.by, name=spec.name)

        def confirm(plan: list[tuple[str, int, int]]) -> None:
            total = sum(p[2] for p in plan)
            self._confirm(
                "New audit", f"Audit {spec.name}: draw {total:,} samples to review in "
                f"{len(plan):,} strata (max error {spec.max_error:.1%} at "
                f"{spec.confidence:.0%} confidence, seed {spec.seed}).", plan_table(plan),
                "&Create the audit", lambda: self._create(spec))

        self._start("plan", job, confirm)

    def _create(self, spec: AuditSpec) -> None:
        def job(project: Project, _progress: Any, _cancel: Any) -> AuditStatus:
            return create_audit(project, spec.name, spec.flt, max_error=spec.max_error,
                                confidence=spec.confidence, seed=spec.seed, by=spec.by,
                                who=self.win.annotator)

        def made(status: AuditStatus) -> None:
            drawn = sum(s.drawn for s in status.strata)
            self._say(f"Audit {status.name} drawn: {drawn:,} samples to review; "
                      "Review this audit shows them")
            self.win.runner.announce(Changes(queue=True))  # the queue offers "Audit: NAME"
            self.refresh()
            self.panel.select_audit(status.name)

        self._start("create", job, made)

    def review(self, name: str) -> bool:
        """Show the audit's samples in the queue, from the first pending; False when none is
        pending (the reviewer is told)."""
        queue, controller = self.win.queue, self.win.controller
        if queue is None or controller is None or self._busy():
            return False
        queue.fill_choices()  # "Audit: NAME" is offered before the queue shows it
        queue.set_filter(QueueFilter(audit=name))
        try:
            first = controller.find_pending(None, queue.id_view())
        except UserError as exc:
            self.win.show_error("Review this audit", str(exc))
            return False
        if first is None:
            self._say(f"Audit {name} has no pending sample left: its numbers are final "
                      "unless you extend it")
            return False
        controller.go_to(first)
        queue.focus_table()
        return True

    def extend(self, name: str) -> None:
        """Draw more samples where errors call for them (``audit extend``)."""
        if self._busy():
            return
        def job(project: Project, _progress: Any, _cancel: Any) -> tuple[AuditStatus, int]:
            return extend_audit(project, name, who=self.win.annotator)

        def extended(result: tuple[AuditStatus, int]) -> None:
            added = result[1]
            self._say(f"Audit {name}: drew {added:,} more samples" if added else
                      f"Audit {name}: drew nothing; no stratum with errors needs more "
                      "samples than it has drawn")
            if added:  # the queue's "Audit: NAME" holds more samples now
                self.win.runner.announce(Changes(queue=True))
            self.refresh()

        self._start("extend", job, extended)

    def ask_accept(self, name: str) -> None:
        """Accept…: what would be accepted per stratum and what is refused, to confirm."""
        if self._busy():
            return
        session = self._session()

        def job(project: Project, _progress: Any, _cancel: Any) -> AcceptResult:
            return accept_audit(project, name, who=self.win.annotator, session=session,
                                dry_run=True)

        def confirm(plan: AcceptResult) -> None:
            table = "\n".join(line.strip() for line in plan.lines())
            if not plan.total:
                self._confirm("Accept audit", f"Nothing to accept by audit {name}.", table,
                              None, lambda: None, wrap=True)
                return
            refused = f"; {len(plan.refused):,} strata refused" if plan.refused else ""
            self._confirm("Accept audit", f"Give {plan.total:,} samples the status "
                          f"'accepted' by audit {name}{refused}? One Ctrl+Z puts them back.",
                          table, "&Accept", lambda: self._accept(name, session), wrap=True)

        self._start("count", job, confirm)

    def _accept(self, name: str, session: str | None) -> None:
        def job(project: Project, _progress: Any, _cancel: Any) -> AcceptResult:
            return accept_audit(project, name, who=self.win.annotator, session=session)

        def accepted(result: AcceptResult) -> None:
            project = self.win.project
            if project is not None and result.total:
                op, changes = AcceptSteps(
                    project, who=self.win.annotator, session=session, note=self._say,
                    elsewhere=lambda what, work: elsewhere(self.host, self.win.project, what,
                                                           work)).step(result)
                self.win.runner.adopt(op, changes)  # one undo step; queue, tally, panel
            self._say(f"Accepted {result.total:,} samples by audit {name}")
            self.refresh()

        self._start("accept", job, accepted)

    # ---- helpers ----------------------------------------------------------------------------

    def _confirm(self, title: str, question: str, table: str, go: str | None,
                 then: Callable[[], None], *, wrap: bool = False) -> None:
        box = ConfirmDialog(self.host, title=title, question=question, table=table, go=go,
                            wrap=wrap)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(then)
        if go is not None:
            box.rejected.connect(lambda: self._say("Cancelled: nothing was changed"))
        box.finished.connect(lambda _code: self._forget(box))
        self.confirm = box
        box.open()

    def _forget(self, dialog: QDialog) -> None:
        """A dialog closed (and is deleted): no reference to it stays."""
        if self.dialog is dialog:
            self.dialog = None
        if self.confirm is dialog:
            self.confirm = None

    def _start(self, kind: str, job: Any, then: Callable[[Any], None]) -> None:
        project = self.win.project
        if project is None:
            return
        location = project.location
        texts = _TEXTS[kind]
        runner = ServiceRunner(self.host, location=location, job=job, texts=texts,
                               show_report=False)
        # the audit services take no cancel (each is one transaction, written whole or not
        # at all): a Cancel button would only say "Stopping…" and then do it all the same
        runner.dialog.setCancelButton(None)
        self.job = runner

        def done(result: Any) -> None:
            runner.deleteLater()
            self.job = None
            still = self.win.project
            if still is None or still.location != location:
                return  # the project was closed meanwhile: nothing here to show it in
            if runner.error is not None:
                self.win.show_error(texts.not_done, runner.error)
            elif result is not None:
                then(result)

        runner.done.connect(done)
        runner.start()

    def _busy(self) -> bool:
        if self.job is not None and self.job.is_running():
            self._say("An audit job is still running")
            return True
        return False

    def _session(self) -> str | None:
        team = self.win.team.team
        return team.session if team is not None else None

    def _say(self, line: str) -> None:
        self.win.status.remark(line, 15000)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.host and event.type() == QEvent.Type.Close and self.job is not None:
            self.job.cancel(wait=True)  # the thread ends before the window does
        return False
