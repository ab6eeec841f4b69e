"""File > Import on a worker thread: a progress dialog with Cancel, then the report.

The worker opens its own connection to the project (SQLite connections belong to the thread
that made them) and never touches a widget: it only emits signals, which Qt delivers to the
GUI thread.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.importing import ImportOptions, ImportReport, import_files
from irtd_annotator.services.project import Project


class ImportWorker(QObject):
    """Runs ``import_files`` when ``run`` is called (on the thread it was moved to)."""

    progressed = Signal(int, int, str)   # done, total, what
    finished = Signal(object)            # ImportReport
    failed = Signal(str)                 # a message for the user (cancelled included)

    def __init__(self, location: str, files: Sequence[Path], options: ImportOptions) -> None:
        super().__init__()
        self._location = location
        self._files = list(files)
        self._options = options
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the import to stop; the file being written is rolled back."""
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        try:
            with Project.open(self._location, create=False) as project:
                report = import_files(project, self._files, options=self._options,
                                      progress=self.progressed.emit,
                                      cancel=self._cancel.is_set)
        except UserError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            self.failed.emit(f"The import stopped on an unexpected error: {exc!r}")
        else:
            self.finished.emit(report)


class ImportRunner(QObject):
    """Owns the thread, the worker and the progress dialog of one import."""

    done = Signal(object)   # ImportReport, or None when it failed or was cancelled

    def __init__(self, parent: QWidget, *, location: str, files: Sequence[Path],
                 options: ImportOptions, show_report: bool = True) -> None:
        super().__init__(parent)
        self._parent = parent
        self._show_report = show_report
        self.report: ImportReport | None = None
        self.error: str | None = None
        self.thread = QThread(self)
        self.worker = ImportWorker(location, files, options)
        self.worker.moveToThread(self.thread)
        self.dialog = QProgressDialog("Importing…", "Cancel", 0, 0, parent)
        self.dialog.setObjectName("importProgress")
        self.dialog.setWindowTitle("Import")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self._on_cancel)
        self.thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)

    def start(self) -> None:
        self.dialog.show()
        self.thread.start()

    def _on_cancel(self) -> None:
        self.dialog.setLabelText("Cancelling… (the file being written is rolled back)")
        self.worker.cancel()

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        self.dialog.setLabelText(f"{what}: {done:,} / {total:,}")

    def _on_finished(self, report: ImportReport) -> None:
        self.report = report
        self._finish()
        if self._show_report:
            box = QMessageBox(QMessageBox.Icon.Information, "Import finished", report.summary(),
                              QMessageBox.StandardButton.Ok, self._parent)
            box.setObjectName("importReport")
            box.open()
        self.done.emit(report)

    def _on_failed(self, message: str) -> None:
        self.error = message
        self._finish()
        if self._show_report:
            box = QMessageBox(QMessageBox.Icon.Warning, "Import not done", message,
                              QMessageBox.StandardButton.Ok, self._parent)
            box.setObjectName("importError")
            box.open()
        self.done.emit(None)

    def _finish(self) -> None:
        self.thread.quit()
        self.thread.wait()
        self.dialog.reset()
        self.dialog.hide()


def start_import(parent: QWidget, *, location: str, files: Sequence[Path], annotator: str,
                 on_done: Callable[[ImportReport | None], None],
                 show_report: bool = True) -> ImportRunner:
    """Start importing ``files`` into the project at ``location``; ``on_done`` gets the report."""
    options = ImportOptions(annotator=annotator)
    runner = ImportRunner(parent, location=location, files=[Path(f) for f in files],
                          options=options, show_report=show_report)
    runner.done.connect(on_done)
    runner.start()
    return runner
