"""The search index built on a worker thread while the window is open (ADR 0024).

A project opened with Samples in the index's backlog (an import from the command line whose
background builder was stopped, or the window's own import) is indexed here, a short write
transaction at a time; the status bar says how many are left and that searches are slower
meanwhile. Closing the project or the window stops the builder after its current
transaction; the rest waits for the next builder.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, SignalInstance, Slot

from irtd_annotator.services.project import Project
from irtd_annotator.services.search_index import build_needed, build_search_index, pending_samples
from irtd_annotator.ui.status_bar import WindowStatus


class _BuildWorker(QObject):
    """Builds the index of the project at ``location`` when ``run`` is called (on its thread)."""

    left = Signal(int)      # Samples still to index
    finished = Signal(str)  # what it did, or why it stopped

    def __init__(self, location: str) -> None:
        super().__init__()
        self._location = location
        self.stop = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            with Project.open(self._location, create=False) as project:
                if self.stop.is_set() or not build_needed(project):
                    self.finished.emit("")
                    return
                self.left.emit(pending_samples(project))
                report = build_search_index(project, progress=self.left.emit,
                                            stop=self.stop.is_set)
            self.finished.emit("" if report.stopped == "asked to stop" else report.summary())
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            self.finished.emit(f"Search index not built now ({exc}); it is built at the next open")
        finally:
            self.thread().quit()


class IndexBuilder(QObject):
    """Starts and stops the window's builder and shows its progress in the status bar."""

    def __init__(self, status: WindowStatus, parent: QObject, *,
                 opened: SignalInstance | None = None) -> None:
        super().__init__(parent)
        self._status = status
        self._thread: QThread | None = None
        self._worker: _BuildWorker | None = None
        if opened is not None:  # the window's project_opened(key): a backlog is built then
            opened.connect(self.start)

    def start(self, location: str) -> None:
        """Build the project's index in the background if it has a backlog (a builder of
        this window already running goes on: it reads the backlog as it goes)."""
        if self.is_running():
            return
        self._thread = QThread(self)
        self._worker = _BuildWorker(location)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.left.connect(self._on_left)
        self._worker.finished.connect(self._finished)
        self._thread.start()

    def is_running(self) -> bool:
        """True until the builder's thread has ended."""
        return self._thread is not None and self._thread.isRunning()

    def stop(self) -> None:
        """Stop after the current transaction and wait for it (well under a second)."""
        if self._worker is not None:
            self._worker.stop.set()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._status.show_index_backlog(0)
        self._thread = self._worker = None

    @Slot(int)
    def _on_left(self, left: int) -> None:
        # a count posted by a builder stopped since (delivered after the stop) is not shown
        if self.sender() is self._worker is not None:
            self._status.show_index_backlog(left)

    @Slot(str)
    def _finished(self, summary: str) -> None:
        if self.sender() is not self._worker:
            return
        self._status.show_index_backlog(0)
        if summary:
            self._status.remark(summary)
