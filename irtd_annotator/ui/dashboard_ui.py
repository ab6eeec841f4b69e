"""The dashboard in the window (issue 15): the Dashboard dock (View > Dashboard, Ctrl+Shift+D),
its numbers read from the services, and a click on a bar turned into the queue's filter.

The numbers come from ``services.dashboard.read_dashboard`` (the kept tallies and indexed
queries: no sample's text is read). While the dock is shown it reads them again after every
saved change (the change pipeline's ``changed``), once per run of decisions, when asked
(Refresh, F5) and every minute: decisions saved by another process (a team on PostgreSQL,
the CLI's ``review`` on the same file) reach no ``changed`` of this window. A minute's tick
is skipped while a dialog or a long job holds the window; a hidden dock reads nothing and
catches up when it is shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, SignalInstance
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMenu, QWidget

from irtd_annotator.domain.dashboard import Dashboard
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.project import Project
from irtd_annotator.ui.dashboard.dock import DashboardDock
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.unseen import describe_filter
from irtd_annotator.ui.screen_fit import own_corners
from irtd_annotator.ui.status_bar import WindowStatus

__all__ = ["DASHBOARD_KEY", "DashboardUi", "Reader", "services_reader"]

DASHBOARD_KEY = "Ctrl+Shift+D"
REFRESH_DELAY_MS = 300  # a run of decisions (or one bulk decision's) reads the numbers once
# others' decisions are read this often while shown; a read takes ~70 ms at 260K samples
AUTO_REFRESH_MS = 60_000
SHARE_OF_HEIGHT = 0.55  # the first show gives the dock this much of the window: charts to read
NO_PROJECT = "Open a project to see its dashboard"
NO_READER = "No data: this installation cannot read the dashboard's numbers"

Reader = Callable[[Project], Dashboard]


def services_reader() -> Reader | None:
    """``services.dashboard.read_dashboard``, or None where that module is not there (the
    dock then says "No data" instead of failing)."""
    try:
        module = importlib.import_module("irtd_annotator.services.dashboard")
    except ImportError:
        return None
    reader = getattr(module, "read_dashboard", None)
    return reader if callable(reader) else None


class DashboardWindow(Protocol):
    """What of the main window the dashboard uses (a Protocol: the window builds
    DashboardUi, so the two modules do not import each other)."""

    project: Project | None
    queue: QueueDock | None
    runner: ChangeRunner
    status: WindowStatus
    menus: dict[str, QMenu]

    @property
    def project_opened(self) -> SignalInstance: ...

    def window(self) -> QWidget: ...  # the main window itself, as a widget (Qt's)

    def height(self) -> int: ...

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None: ...  # noqa: N802

    def setCorner(self, corner: Qt.Corner, area: Qt.DockWidgetArea) -> None: ...  # noqa: N802

    def resizeDocks(self, docks: list[QDockWidget], sizes: list[int],  # noqa: N802
                    orientation: Qt.Orientation) -> None: ...


class DashboardUi(QObject):
    """Built once per window: the Dashboard dock, its toggle in View, its live numbers."""

    def __init__(self, window: DashboardWindow, reader: Reader | None = None) -> None:
        host = window.window()
        super().__init__(host)
        self.win = window
        self.reader = reader if reader is not None else services_reader()
        self.dock = DashboardDock(host)
        own_corners(window)  # the dock beside the queue: the queue keeps its height
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()  # until View > Dashboard
        self.dock.show_message(NO_PROJECT)
        self.toggle = self.dock.toggleViewAction()
        self.toggle.setText("&Dashboard")
        self.toggle.setObjectName("action_dashboard")
        self.toggle.setShortcut(QKeySequence(DASHBOARD_KEY))
        self.toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.toggle.setStatusTip("Progress per task and source, reviewers, rejections, warnings, "
                                 "drafts and audits; click a bar for its samples")
        host.addAction(self.toggle)  # the key works with the menu bar hidden too
        window.menus["&View"].addAction(self.toggle)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self.refresh)
        self.ticker = QTimer(self)  # runs only while the dock is shown
        self.ticker.setInterval(AUTO_REFRESH_MS)
        self.ticker.timeout.connect(self._tick)
        self.dock.visibilityChanged.connect(self._shown)
        self.dock.refresh_requested.connect(self.refresh)
        self.toggle.triggered.connect(self._asked)
        self.dock.filter_requested.connect(self.show_samples)
        window.project_opened.connect(lambda _key: self._opened())
        window.runner.changed.connect(self._on_changed)

    def _asked(self, shown: bool) -> None:
        """View > Dashboard (not a layout restored at start-up, whose height stays): a dock
        too low to read a chart is given room for them, after the layout placed it."""
        if shown:
            QTimer.singleShot(0, self._make_room)

    def _make_room(self) -> None:
        wanted = int(self.win.height() * SHARE_OF_HEIGHT)
        if self.dock.isVisible() and not self.dock.isFloating() and \
                self.dock.height() < wanted // 2:
            self.win.resizeDocks([self.dock], [wanted], Qt.Orientation.Vertical)

    def _opened(self) -> None:
        queue = self.win.queue
        if queue is not None:  # the project closes with its queue: the dock says so then
            queue.destroyed.connect(self._closed)  # a slot of ours: gone with this object
        if self.dock.isVisible():
            self.refresh()

    def _closed(self, _queue: QObject | None = None) -> None:
        if self.win.project is None:  # not when another project took its place meanwhile
            self.timer.stop()
            self.dock.show_message(NO_PROJECT)

    def _shown(self, shown: bool) -> None:
        if shown:
            self.refresh()
            self.ticker.start()
        else:
            self.ticker.stop()

    def _tick(self) -> None:
        """A minute went by: read others' decisions, unless a dialog or a long job's
        progress holds the window (the next tick catches up)."""
        if QApplication.activeModalWidget() is None and self.dock.isVisible():
            self.refresh()

    def _on_changed(self, changes: Changes) -> None:
        # any saved change may move a number (an edit moves the drafts' share edited)
        if changes and self.dock.isVisible():
            self.timer.start()

    def refresh(self) -> Dashboard | None:
        """Read the numbers again and draw them (None when there are none to draw)."""
        self.timer.stop()
        project = self.win.project
        if project is None or self.win.queue is None:  # closed: its queue went with it
            self.dock.show_message(NO_PROJECT)
            return None
        if self.reader is None:
            self.dock.show_message(NO_READER)
            return None
        as_of = datetime.now()  # the reviewer's clock: "as of HH:MM" in the totals line
        try:
            dashboard = self.reader(project)
        except UserError as exc:
            self.dock.show_message(f"The dashboard cannot be read: {exc}")
            return None
        self.dock.show_dashboard(dashboard, as_of=as_of)
        return dashboard

    def show_samples(self, flt: QueueFilter) -> None:
        """A bar was clicked: the queue shows its samples, and has the keys."""
        queue = self.win.queue
        if queue is None:
            return
        queue.fill_choices()  # an audit's or a source's choice is offered before it is shown
        queue.set_filter(flt)
        queue.show()
        queue.raise_()
        queue.focus_table()
        self.win.status.remark("The queue shows the samples of the bar: "
                               + describe_filter(flt, no_status="any status"), 10000)
