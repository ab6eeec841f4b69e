"""The queue model's rows while a text search is counted (issue 16), as a base class.

``QueueModel.set_filter`` shows a text search's first window at once (``IdWindows.
read_first``) and asks a ``SearchCounter`` for its count. Until it arrives the model's rows
are those read so far: a view scrolled to their end reads the next window (Qt's
``canFetchMore``/``fetchMore``), and the count, once delivered on the GUI thread, adds the
rest (``rowsInserted``) and emits ``count_arrived`` for the progress line. What needs the
true number at once (End, select all, go to a Sample beyond the rows read, every id) calls
``settle_count``, which counts on the GUI thread if the worker has not answered yet.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Signal

from irtd_annotator.services.review.found_counts import FoundCounts
from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.ui.queue.counter import CountsLater, SearchCounter
from irtd_annotator.ui.queue.id_windows import IdWindows, QueueSource

Index = QModelIndex | QPersistentModelIndex


class CountedRows(QAbstractTableModel):
    """Rows of IdWindows whose count may arrive after them (see the module's doc)."""

    count_arrived = Signal(object)  # its QueueFilter's count is known (for the progress line)

    def __init__(self, session: QueueSource, ids: IdWindows,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._ids = ids
        self._counter: SearchCounter | None = None
        self._later: CountsLater | None = None  # the session, if it counts off the GUI thread
        self._generation = 0  # of the count the filter shown waits for
        if isinstance(session, CountsLater):
            self._later = session
            self._counter = SearchCounter(session, self)
            self._counter.counted.connect(self._on_counted)
            self._counter.failed.connect(self._on_failed)

    @property
    def counting(self) -> bool:
        """Whether the filter's count is on its way (rows so far: those read)."""
        return self._ids.counting

    def _read_filter(self, flt: QueueFilter) -> tuple[int, dict[int, list[int]], bool]:
        """(rows, windows, counting) of a new filter: a text search in id order uncounted."""
        if self._counter is not None and flt.text.strip() and self._session.windowed(flt):
            return self._ids.read_first(flt)
        total, windows = self._ids.read(flt)
        return total, windows, False

    def _count_later(self, flt: QueueFilter) -> None:
        """After a reset: count ``flt`` in the background if the rows shown wait for it."""
        if self._counter is None:
            return
        if self._ids.counting:
            self._generation = self._counter.count(flt)
        else:
            self._counter.cancel()

    def settle_count(self) -> None:
        """Know the filter's count now: counted on this thread unless it arrived already."""
        if self._ids.counting:
            self._count_known(self._session.counts(self._ids.filter)[1])

    def wait_for_count(self) -> None:
        """Block until the background count is done and delivered (tests, benchmarks)."""
        if self._counter is not None:
            self._counter.wait()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802 (Qt's name)
        return not parent.isValid() and self._ids.counting

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802 (Qt's name)
        if parent.isValid() or not self._ids.counting:
            return
        ids = self._ids.next_window()
        first = self._ids.row_count()
        if ids:
            self.beginInsertRows(QModelIndex(), first, first + len(ids) - 1)
            self._ids.add_window(ids)
            self.endInsertRows()
        else:
            self._ids.counted(self._ids.total)  # the last window was full, and the last
        if not self.counting:  # the last window read: the count is known
            self.count_arrived.emit(self._ids.filter)

    def _on_counted(self, generation: int, found: FoundCounts) -> None:
        if self._later is not None:
            self._later.keep_found(found)  # for the progress line, and later filters
        if generation == self._generation and found.flt == self._ids.filter:
            self._count_known(found.total)

    def _on_failed(self, generation: int, _message: str) -> None:
        if generation == self._generation and self._ids.counting:
            # the rows read stay; the progress line reads the count again and says why not
            self._ids.counted(self._ids.total)
            self.count_arrived.emit(self._ids.filter)

    def _count_known(self, total: int) -> None:
        if not self._ids.counting:
            return
        grow = total - self._ids.total
        if grow < 0:  # the store lost Samples since the rows were read: read them again
            flt = self._ids.filter
            self.beginResetModel()
            self._ids.reset(flt, *self._ids.read(flt))
            self.endResetModel()
        elif grow:
            first = self._ids.row_count()
            self.beginInsertRows(QModelIndex(), first, first + grow - 1)
            self._ids.counted(total)
            self.endInsertRows()
        else:
            self._ids.counted(total)
        self.count_arrived.emit(self._ids.filter)
