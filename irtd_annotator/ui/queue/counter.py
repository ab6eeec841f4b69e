"""A text search's count, read on a worker thread and delivered to the queue's model.

The queue shows a search's first window at once; counting every hit (and each status, for
the progress line) takes a second for a common word at 2.6M Samples (issue 16). A
``SearchCounter`` runs ``count_found`` on a thread of its own pool, with a connection of
that thread's own (the session's ``count_found`` opens one), and delivers the result by a
queued signal: the model keeps it on the GUI thread. Each request carries a generation;
only the newest filter's count is delivered, an older one is dropped, and a request that
is already stale when its turn comes is not run.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, SignalInstance

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.review.found_counts import FoundCounts
from irtd_annotator.services.review.session import QueueFilter


@runtime_checkable
class CountsLater(Protocol):
    """A session whose counts may be read off the GUI thread."""

    def count_found(self, flt: QueueFilter) -> FoundCounts: ...
    def keep_found(self, found: FoundCounts) -> None: ...


class SearchCounter(QObject):
    """Counts filters on one worker thread; ``counted`` / ``failed`` arrive on the GUI's."""

    counted = Signal(int, object)  # (generation, FoundCounts)
    failed = Signal(int, str)      # (generation, the error's one line)

    def __init__(self, session: CountsLater, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one count at a time: a newer one makes it stale
        self.generation = 0

    def count(self, flt: QueueFilter) -> int:
        """Count ``flt`` in the background; its generation (the newest from now on)."""
        self.generation += 1
        self._pool.start(_Count(self, flt, self.generation))
        return self.generation

    def cancel(self) -> None:
        """Drop the counts asked for so far (a filter that needs none replaced them)."""
        self.generation += 1

    def wait(self) -> None:
        """Wait for the worker (tests, and the window's closing: no thread outlives it)."""
        self._pool.waitForDone()

    def _run(self, flt: QueueFilter, generation: int) -> None:  # on the worker thread
        if generation != self.generation:
            return  # a newer filter came before this one's turn
        try:
            found = self._session.count_found(flt)
        except UserError as exc:  # the store's errors, as one line
            self._deliver(self.failed, generation, str(exc))
            return
        self._deliver(self.counted, generation, found)

    def _deliver(self, signal: SignalInstance, generation: int, what: object) -> None:
        try:
            signal.emit(generation, what)
        except RuntimeError:  # the queue (and this counter) went with its window meanwhile
            return


class _Count(QRunnable):
    def __init__(self, counter: SearchCounter, flt: QueueFilter, generation: int) -> None:
        super().__init__()
        self._counter = counter
        self._flt = flt
        self._generation = generation

    def run(self) -> None:
        self._counter._run(self._flt, self._generation)
