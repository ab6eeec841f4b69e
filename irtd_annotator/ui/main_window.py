"""The main window: the queue on the left, the pair view in the middle, the sample panel on the
right (docks the user can rearrange), menus, a toolbar and a status bar.

It lays out and wires; the review flow lives in ``ReviewController``; every change runs through
the one ``ChangeRunner`` (ui/pipeline.py, its subscribers wired here), saved at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QMetaObject, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from irtd_annotator import __version__
from irtd_annotator.domain.errors import ProjectNotFoundError, UserError
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.importing.report import ImportReport
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, recover_releases
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui import dialogs
from irtd_annotator.ui.actions import (
    PROJECT_ACTIONS,
    build_actions,
    build_menus,
    build_toolbar,
    install_typing_guard,
    review_handlers,
    shortcut_rows,
)
from irtd_annotator.ui.audits_ui import AuditsUi
from irtd_annotator.ui.bulk import BulkUi
from irtd_annotator.ui.dashboard_ui import DashboardUi
from irtd_annotator.ui.edit_wiring import EditingUi
from irtd_annotator.ui.image_folders import ImageFoldersUi
from irtd_annotator.ui.jobs.export_dialog import (
    default_release_folder,
    open_export_dialog,
    show_releases,
)
from irtd_annotator.ui.jobs.export_worker import ExportRunner, start_export
from irtd_annotator.ui.jobs.import_worker import ImportRunner, start_import
from irtd_annotator.ui.jobs.index_builder import IndexBuilder
from irtd_annotator.ui.pair.view import PairView
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.report_page import release_page
from irtd_annotator.ui.review_controller import ReviewController
from irtd_annotator.ui.review_keys import ReviewKeys
from irtd_annotator.ui.reviewers import ReviewersUi
from irtd_annotator.ui.sample.history_dialog import HistoryDialog
from irtd_annotator.ui.sample.panel import SamplePanel
from irtd_annotator.ui.screen_fit import place_window, restore_docks
from irtd_annotator.ui.settings import AppSettings
from irtd_annotator.ui.status_bar import WindowStatus
from irtd_annotator.ui.team import TeamUi
from irtd_annotator.ui.toolbar_fit import fit_toolbars
from irtd_annotator.ui.window_memory import (
    RecentMenu,
    project_label,
    restore_view_state,
    save_view_state,
)

APP_NAME = "IRTD Annotator"
# The Sample shown is remembered once the reviewer stays on it this long (and on closing):
# QSettings writes its whole file with two fsyncs, which at every move cost more than
# reading the next Sample.
REMEMBER_SAMPLE_MS = 1000


class MainWindow(QMainWindow):
    """The review window of one project at a time."""

    project_opened = Signal(str)

    def __init__(self, settings: AppSettings, *, annotator: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings
        self.annotator = annotator
        self.project: Project | None = None
        self.location: str | None = None
        self.session: ReviewSession | None = None
        self.queue: QueueDock | None = None
        self.controller: ReviewController | None = None
        self.import_runner: ImportRunner | None = None
        self.export_runner: ExportRunner | None = None
        self._state_restored = False
        self.undo_stack = QUndoStack(self)
        self.runner = ChangeRunner(self.undo_stack, self)  # every change runs here
        self._links: list[QMetaObject.Connection] = []  # the open project's subscriptions
        self._remember_sample = QTimer(self)
        self._remember_sample.setSingleShot(True)
        self._remember_sample.setInterval(REMEMBER_SAMPLE_MS)
        self._remember_sample.timeout.connect(self._remember)

        self.pair_view = PairView(self)
        self.pair_view.setObjectName("pairView")
        self.setCentralWidget(self.pair_view)
        self.panel = SamplePanel(self)
        self.panel_dock = QDockWidget("Sample", self)
        self.panel_dock.setObjectName("sampleDock")
        # In a scroll area: the panel lays itself out again for every Sample shown (its labels
        # change), and a scroll area keeps that to itself instead of passing it on to the dock,
        # whose layout would fetch its title buttons' icons again each time.
        holder = QScrollArea(self.panel_dock)
        holder.setObjectName("sampleScroll")
        holder.setWidgetResizable(True)
        holder.setFrameShape(QFrame.Shape.NoFrame)
        holder.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay the window's and the panel's
        holder.setWidget(self.panel)
        self.panel_dock.setWidget(holder)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel_dock)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.review_keys = ReviewKeys(self, panel=self.panel, controller=lambda: self.controller)
        self.actions_by_name = build_actions(self, self._handlers())
        self.recent_menu = RecentMenu(settings, open_project=self.open_project, parent=self)
        view_actions = self.pair_view.view_actions(self)
        self._view_extra: list[QAction | None] = [
            *view_actions[:3], None, *view_actions[3:], None,
            self.panel_dock.toggleViewAction()]
        self.menus = build_menus(self, self.actions_by_name, extra={"&View": self._view_extra})
        self.menus["&File"].insertMenu(self.actions_by_name["import"], self.recent_menu)
        self.toolbar = build_toolbar(self, self.actions_by_name, view_actions[:3])
        self.menus["&View"].addAction(self.toolbar.toggleViewAction())
        # answer editors, Geometry menu and toolbar
        self.editing_ui = EditingUi(self, panel=self.panel, pair_view=self.pair_view,
                                    menus=self.menus, on_error=self._not_saved)
        fit_toolbars((self.toolbar, self.editing_ui.toolbar))  # one row from 1366 px up
        self.recent_menu.fill()
        self.team = TeamUi(self, annotator=annotator, assign=self.actions_by_name["assign"])
        self.folders = ImageFoldersUi(self, action=self.actions_by_name["image_folders"])
        self.audits = AuditsUi(self)  # View > Audits: the audits' numbers and actions
        self.status = WindowStatus(self, annotator=annotator)
        self.index_builder = IndexBuilder(self.status, self, opened=self.project_opened)  # 0024
        self.progress_label, self.save_label = self.status.progress_label, self.status.save_label
        self.reviewers = ReviewersUi(self, annotator=annotator, menu=self.menus["&View"])
        self.bulk = BulkUi(self, actions=self.actions_by_name)  # Decide selected / all matching
        self.dashboard = DashboardUi(self)  # View > Dashboard: charts of progress and quality
        self.runner.save_state.connect(self.status.show_save_state)
        self.runner.failed.connect(self._not_saved)
        self.pair_view.status_message.connect(self.status.remark)
        for changed in (self.pair_view.display_changed, self.pair_view.layout_changed,
                        self.pair_view.blend_changed):
            changed.connect(lambda _: save_view_state(self.settings, self.pair_view, self.location))
        self.panel.escape_pressed.connect(self._focus_queue)
        self.guard = install_typing_guard(self, typing_room=self.panel, home=self.pair_view)
        self._set_project_actions(False)

        place_window(self, settings.window_state()[0])  # fits the screen it opens on
        self.setWindowTitle(APP_NAME)
        self.statusBar().showMessage("Open a project with File > Open (Ctrl+O)")

    # ---- projects ---------------------------------------------------------------------------

    def open_project(self, location: str) -> bool:
        """Open the project at a path or URL; a clear message (and False) when it cannot."""
        try:
            project = Project.open(location, create=False)
        except UserError as exc:
            if isinstance(exc, ProjectNotFoundError):
                self.settings.remove_recent(location)
                self.recent_menu.fill()
            self.show_error("Cannot open the project", str(exc))
            return False
        try:  # an export killed midway is finished or undone at the next start (ADR 0016)
            recover_releases(project)
        except UserError as exc:
            self.show_error("An interrupted export could not be settled", str(exc))
        self.close_project()
        self.runner.reset()
        key = str(project.path) if project.path is not None else project.location
        # read before the queue exists: showing its first row already updates these
        saved_filter = self.settings.project_filter(key)
        wanted = self.settings.project_sample(key)
        self.project, self.location = project, key
        restore_view_state(self.settings, self.pair_view, key)  # its palette, not the last one's
        self.session = ReviewSession(project, annotator=self.annotator)
        self.queue = QueueDock(self.session, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.queue)
        self.queue.show()  # a dock added to a window already shown starts hidden
        self.menus["&View"].insertAction(self.panel_dock.toggleViewAction(),
                                         self.queue.toggleViewAction())
        self._restore_state_once()
        self.controller = ReviewController(self.session, queue=self.queue, panel=self.panel,
                                           pair_view=self.pair_view, runner=self.runner,
                                           parent=self)
        self.editing_ui.open(project, self.session, self.controller, runner=self.runner,
                             annotator=self.annotator)
        self.reviewers.open(project)
        self._wire_project()
        self.queue.set_filter(saved_filter)
        if wanted is not None:
            self.queue.set_current(wanted)  # False when it is gone: the first row stays
        current = self.queue.current_id()
        if current is not None and self.controller.current_id != current:
            self.controller.show_sample(current)
        self.controller.update_progress()
        self.team.open(project, queue=self.queue, controller=self.controller)  # leases, batches
        self.settings.add_recent(key)
        self.recent_menu.fill()
        self._set_project_actions(True)
        self.setWindowTitle(f"{project_label(key)} — {APP_NAME}")
        self.statusBar().showMessage(f"Opened {key}", 4000)
        self.project_opened.emit(key)
        return True

    def close_project(self) -> None:
        """Save what is pending, remember where the user was, and let the project go."""
        if self.project is None:
            return
        self.editing_ui.flush()  # typing and arrow-key nudges
        self.index_builder.stop()  # the rest of the backlog is built at the next open
        self._remember()
        self.team.close()  # its leases go before the store does
        self.undo_stack.clear()  # its steps belong to this project's session
        for link in self._links:
            QObject.disconnect(link)
        self._links.clear()
        if self.queue is not None:
            self.menus["&View"].removeAction(self.queue.toggleViewAction())
            self.removeDockWidget(self.queue)
            self.queue.deleteLater()
        if self.controller is not None:
            self.controller.deleteLater()
        self.editing_ui.close()
        self.reviewers.close()
        self.panel.clear()
        self.pair_view.show_pair(None)
        self.project.close()
        self.project = self.session = self.queue = self.controller = None
        self.location = None
        self._set_project_actions(False)

    def _wire_project(self) -> None:
        assert self.queue is not None and self.controller is not None
        c, queue = self.controller, self.queue
        queue.sample_activated.connect(c.show_sample)
        queue.filter_changed.connect(self._on_filter_changed)
        # the answer's markup is saved once it parses; other turns as typed
        assert self.editing_ui.controller is not None
        self.panel.text_committed.connect(self.editing_ui.controller.commit_text)
        self.panel.revert_requested.connect(c.revert_turn)
        self.panel.sibling_selected.connect(c.go_to)
        self.panel.history_requested.connect(self._show_history)
        c.error.connect(lambda text: self.show_error("Not saved", text))
        c.message.connect(self.status.remark)
        c.progress.connect(self.status.show_progress)
        c.sample_shown.connect(lambda _sid: self._remember_sample.start())  # kept if they stay
        queue.filter_changed.connect(c.follow_queue)  # an empty queue: an empty panel
        # what a saved change redraws, each subscribed once: the queue's rows, the progress,
        # then the sample panel and the pair view (their Sample read again once, for both)
        runner = self.runner
        self._links = [runner.changed.connect(queue.refresh),
                       runner.changed.connect(c.update_progress),
                       runner.changed.connect(c.apply_changes),
                       runner.revisit.connect(c.go_to),
                       runner.changed.connect(self.reviewers.on_changed)]

    def _remember(self) -> None:
        self._remember_sample.stop()
        if self.location is None or self.queue is None:
            return
        self.settings.set_project_filter(self.location, self.queue.current_filter())
        if self.controller is not None and self.controller.current_id is not None:
            self.settings.set_project_sample(self.location, self.controller.current_id)

    # ---- reactions --------------------------------------------------------------------------

    def _on_filter_changed(self, flt: QueueFilter) -> None:
        if self.location is not None:
            self.settings.set_project_filter(self.location, flt)
        if self.controller is not None:
            self.controller.update_progress()

    def _not_saved(self, reason: str) -> None:
        self.show_error("Not saved", f"The change was not saved.\n\n{reason}")

    def _show_history(self, sample_id: int) -> None:
        if self.session is None:
            return
        try:
            revisions = self.session.history(sample_id)
        except UserError as exc:
            self.show_error("History", str(exc))
            return
        HistoryDialog(revisions, self, title=f"History of sample {sample_id}").exec()

    def show_error(self, title: str, message: str) -> None:
        """A clear message in the window (tests replace this to avoid a modal box)."""
        self.statusBar().showMessage(message.splitlines()[0], 10000)
        dialogs.show_error(self, title, message)

    # ---- actions ----------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[], object]]:
        return {
            **review_handlers(lambda: self.controller), **self.review_keys.handlers(),
            "open": self._ask_open, "import": self._ask_import, "quit": self.close,
            "export": self._ask_export, "releases": self._show_releases,
            "edit_text": lambda: self.panel.focus_editor(), "focus_queue": self._focus_queue,
            "history": self._history_of_current,
            "shortcuts": self._show_shortcuts, "about": self._about,
        }

    def _set_project_actions(self, enabled: bool) -> None:
        for name in PROJECT_ACTIONS:
            self.actions_by_name[name].setEnabled(enabled)

    def _ask_open(self) -> None:
        path = dialogs.ask_project(self, self.location or self.settings.last_project)
        if path:
            self.open_project(path)

    def _ask_import(self) -> None:
        if self.location is None:
            return
        files = dialogs.ask_import_files(self)
        if files:
            self.import_files(files)

    def import_files(self, files: list[str], *, show_report: bool = True) -> ImportRunner | None:
        """Import files into the open project on a worker thread (progress, cancel, report)."""
        if self.location is None or self.project is None:
            return None
        self.panel.flush()
        self.import_runner = start_import(self, location=self.project.location,
                                          files=[Path(f) for f in files], annotator=self.annotator,
                                          on_done=self._imported, show_report=show_report)
        return self.import_runner

    def _imported(self, report: ImportReport | None) -> None:
        if report is not None and self.queue is not None and self.project is not None:
            self.runner.announce(Changes(queue=True))  # new Samples: the queue reads again
            self.index_builder.start(self.project.location)  # the import left its index to us

    def _ask_export(self) -> None:
        if self.session is None or self.project is None:
            return
        self.panel.flush()
        try:
            choices = self.session.choices()
        except UserError as exc:
            self.show_error("Export release", str(exc))
            return
        open_export_dialog(self, choices=choices, annotator=self.annotator,
                           folder=default_release_folder(self.project.folder),
                           report_page=release_page(self.project),
                           on_accept=lambda out, options: self.export_release(out, options))

    def export_release(self, out_dir: Path, options: ExportOptions, *,
                       show_report: bool = True) -> ExportRunner | None:
        """Export a release of the open project on a worker thread (progress, cancel, report)."""
        if self.project is None:
            return None
        self.panel.flush()
        self.export_runner = start_export(self, location=self.project.location, out_dir=out_dir,
                                          options=options, show_report=show_report)
        return self.export_runner

    def _show_releases(self) -> None:
        if self.project is not None:
            show_releases(self, self.project, on_error=self.show_error)

    def _focus_queue(self) -> None:
        if self.queue is not None:
            self.queue.focus_table()

    def _history_of_current(self) -> None:
        if self.controller is not None and self.controller.current_id is not None:
            self.panel.flush()
            self._show_history(self.controller.current_id)

    def _show_shortcuts(self) -> None:
        dialogs.ShortcutsDialog(shortcut_rows(self.menus), self).exec()

    def _about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", (
            f"<b>{APP_NAME}</b> {__version__}<br>Review and refine the annotations of IR-TD, "
            "the real-world infrared image-text dataset (IRGPT, ICCV 2025).<br>"
            "Every change is saved at once, with who made it and when."))

    # ---- layout and closing -----------------------------------------------------------------

    def _restore_state_once(self) -> None:
        if self._state_restored:
            return
        self._state_restored = True
        assert self.queue is not None  # widths for the screen if none or too wide for it
        restore_docks(self, self.settings.window_state()[1], self.queue, self.panel_dock)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Everything is already saved: remember the layout and where the user was, then go."""
        if self.import_runner is not None:
            self.import_runner.cancel(wait=True)
        if self.export_runner is not None:
            self.export_runner.cancel(wait=True)
        self.settings.save_window_state(QByteArray(self.saveGeometry()),
                                        QByteArray(self.saveState()))
        self.close_project()
        self.settings.sync()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.guard)
        super().closeEvent(event)
