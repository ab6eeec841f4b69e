"""File > Export release on a worker thread: a progress dialog with Cancel, then the report.

The same pattern as the import (``import_worker``): the worker opens its own connection to the
project (SQLite connections belong to the thread that made them), never touches a widget and
only emits signals, which Qt delivers to the GUI thread. The export service writes into a
temporary folder and renames it into place at the end, so a cancelled or failed export leaves
nothing behind and the store unchanged.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.export import ExportOptions, ExportReport, export_release
from irtd_annotator.services.project import Project

_MAX_LINES = 40  # a longer report goes into the message box's details

# The service speaks the command line's words; the window names its own check boxes instead.
_CLI_WORDS = (
    ("use --force to replace it", "tick “Replace an existing non-empty folder” to replace it"),
    ("use --include-invalid", "tick “Include invalid samples”"),
)


def window_message(message: str) -> str:
    """A service message with the command-line option names replaced by the dialog's."""
    for cli, window in _CLI_WORDS:
        message = message.replace(cli, window)
    return message


class ExportWorker(QObject):
    """Runs ``export_release`` when ``run`` is called (on the thread it was moved to)."""

    progressed = Signal(int, int, str)   # done, total, what
    finished = Signal(object)            # ExportReport
    failed = Signal(str)                 # a message for the user (cancelled included)

    def __init__(self, location: str, out_dir: Path, options: ExportOptions) -> None:
        super().__init__()
        self._location = location
        self._out_dir = out_dir
        self._options = options
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the export to stop; nothing is kept and no release is recorded."""
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        try:
            with Project.open(self._location, create=False) as project:
                report = export_release(project, self._out_dir, options=self._options,
                                        progress=self.progressed.emit,
                                        cancel=self._cancel.is_set)
        except UserError as exc:
            self.failed.emit(window_message(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            self.failed.emit(f"The export stopped on an unexpected error: {exc!r}; "
                             "nothing was kept")
        else:
            self.finished.emit(report)


class ExportRunner(QObject):
    """Owns the thread, the worker and the progress dialog of one export."""

    done = Signal(object)   # ExportReport, or None when it failed or was cancelled

    def __init__(self, parent: QWidget, *, location: str, out_dir: Path,
                 options: ExportOptions, show_report: bool = True) -> None:
        super().__init__(parent)
        self._parent = parent
        self._show_report = show_report
        self.report: ExportReport | None = None
        self.error: str | None = None
        self.message_box: QMessageBox | None = None
        self.thread = QThread(self)
        self.worker = ExportWorker(location, out_dir, options)
        self.worker.moveToThread(self.thread)
        self.dialog = QProgressDialog(f"Exporting to {out_dir}…", "Cancel", 0, 0, parent)
        self.dialog.setObjectName("exportProgress")
        self.dialog.setWindowTitle("Export release")
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

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def cancel_and_wait(self) -> None:
        """Stop a running export and wait for its thread (the window is closing)."""
        if self.thread.isRunning():
            self.worker.cancel()
            self.thread.wait()

    def _on_cancel(self) -> None:
        self.dialog.setLabelText("Cancelling… (nothing is kept)")
        self.worker.cancel()

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        self.dialog.setLabelText(f"{what}: {done:,} / {total:,} samples")

    def _on_finished(self, report: ExportReport) -> None:
        self.report = report
        self._finish()
        if self._show_report:
            self._show("Export finished", report.summary(), QMessageBox.Icon.Information,
                       "exportReport")
        self.done.emit(report)

    def _on_failed(self, message: str) -> None:
        self.error = message
        self._finish()
        if self._show_report:
            self._show("Export not done", message, QMessageBox.Icon.Warning, "exportError")
        self.done.emit(None)

    def _show(self, title: str, text: str, icon: QMessageBox.Icon, name: str) -> None:
        lines = text.splitlines()
        short = len(lines) <= _MAX_LINES
        box = QMessageBox(icon, title, text if short else f"{lines[0]}\n\n(details below)",
                          QMessageBox.StandardButton.Ok, self._parent)
        box.setObjectName(name)
        if not short:  # a long list of left-out samples would not fit on the screen
            box.setDetailedText(text)
        if len(lines) > 1:  # the report's tables line up only in a fixed-width font
            box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

    def _finish(self) -> None:
        self.thread.quit()
        self.thread.wait()
        self.dialog.reset()
        self.dialog.hide()


def start_export(parent: QWidget, *, location: str, out_dir: Path, options: ExportOptions,
                 on_done: Callable[[ExportReport | None], None] | None = None,
                 show_report: bool = True) -> ExportRunner:
    """Start exporting the project at ``location`` into ``out_dir``; ``on_done`` gets the report."""
    runner = ExportRunner(parent, location=location, out_dir=Path(out_dir), options=options,
                          show_report=show_report)
    if on_done is not None:
        runner.done.connect(on_done)
    runner.start()
    return runner
