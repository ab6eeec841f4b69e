"""Long service work (import, export) on a worker thread: a progress dialog with Cancel, then
the report in a ReportBox.

The worker opens its own connection to the project (SQLite connections belong to the thread
that made them) and never touches a widget: it only emits signals, which Qt delivers to the
GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.ui.jobs.report_box import ReportBox

# job(project, progress, cancel) -> a report with .summary()
Job = Callable[[Project, Callable[[int, int, str], None], Callable[[], bool]], Any]


@dataclass(frozen=True)
class JobTexts:
    """What the dialogs of one kind of job say; ``name`` prefixes their object names."""

    name: str            # "import" -> objects importProgress, importReport, importError
    title: str           # the progress dialog's title
    running: str         # its first label
    cancelling: str      # its label after Cancel
    unit: str = ""       # appended to "done / total" ("samples")
    finished: str = "Finished"
    not_done: str = "Not done"
    unexpected: str = "The work stopped on an unexpected error"


class ServiceWorker(QObject):
    """Runs ``job`` on the project at ``location`` when ``run`` is called (on its thread)."""

    progressed = Signal(int, int, str)   # done, total, what
    finished = Signal(object)            # the job's report
    failed = Signal(str)                 # a message for the user (cancelled included)

    def __init__(self, location: str, job: Job, *, texts: JobTexts,
                 message: Callable[[str], str] = str) -> None:
        super().__init__()
        self._location = location
        self._job = job
        self._texts = texts
        self._message = message
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop; the services roll back what they had not finished."""
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        """Run the job and report; then end the thread's event loop, so that a GUI thread
        waiting for the thread (the window closing) is not left waiting for ever."""
        try:
            with Project.open(self._location, create=False) as project:
                report = self._job(project, self.progressed.emit, self._cancel.is_set)
        except UserError as exc:
            self.failed.emit(self._message(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            self.failed.emit(f"{self._texts.unexpected}: {exc!r}")
        else:
            self.finished.emit(report)
        finally:
            self.thread().quit()


class ServiceRunner(QObject):
    """Owns the thread, the worker and the progress dialog of one job."""

    done = Signal(object)   # the report, or None when it failed or was cancelled

    def __init__(self, parent: QWidget, *, location: str, job: Job, texts: JobTexts,
                 message: Callable[[str], str] = str, show_report: bool = True) -> None:
        super().__init__(parent)
        self._parent = parent
        self._texts = texts
        self._show_report = show_report
        self.report: Any = None
        self.error: str | None = None
        self.message_box: ReportBox | None = None
        # Named so as not to shadow QObject.thread(), the thread this runner lives in.
        self._thread = QThread(self)
        self.worker = ServiceWorker(location, job, texts=texts, message=message)
        self.worker.moveToThread(self._thread)
        self.dialog = QProgressDialog(texts.running, "Cancel", 0, 0, parent)
        self.dialog.setObjectName(f"{texts.name}Progress")
        self.dialog.setWindowTitle(texts.title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)
        self._thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)

    def start(self) -> None:
        """Show the progress dialog and start the job on its thread."""
        self.dialog.show()
        self._thread.start()

    def is_running(self) -> bool:
        """True until the job's thread has ended."""
        return self._thread.isRunning()

    def cancel(self, *, wait: bool = False) -> None:
        """Stop the job, the one way every caller does (the dialog's Cancel, the window
        closing): the services roll back what they had not finished. With ``wait``, return
        only once the thread has ended, and show no report (the window is going away)."""
        if not self._thread.isRunning():
            return
        self.dialog.setLabelText(self._texts.cancelling)
        self.worker.cancel()
        if wait:
            self._show_report = False
            self._thread.wait()
            self._finish()

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total <= 0:  # nothing to count yet (waiting for another import): a busy bar
            self.dialog.setMaximum(0)
            self.dialog.setLabelText(what)
            return
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        unit = f" {self._texts.unit}" if self._texts.unit else ""
        self.dialog.setLabelText(f"{what}: {done:,} / {total:,}{unit}")

    def _on_finished(self, report: Any) -> None:
        self.report = report
        self._finish()
        if self._show_report:
            self._show(self._texts.finished, report.summary(), QMessageBox.Icon.Information,
                       f"{self._texts.name}Report")
        self.done.emit(report)

    def _on_failed(self, message: str) -> None:
        self.error = message
        self._finish()
        if self._show_report:
            self._show(self._texts.not_done, message, QMessageBox.Icon.Warning,
                       f"{self._texts.name}Error")
        self.done.emit(None)

    def _show(self, title: str, text: str, icon: QMessageBox.Icon, name: str) -> None:
        # the reports' tables keep their lines (a message box would wrap each checksum onto
        # a line of its own) and scroll when longer than the screen
        box = ReportBox(icon, title, text, self._parent)
        box.setObjectName(name)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()
        self.dialog.reset()
        self.dialog.hide()
