"""The queue's Sample ids, read a window at a time, with the pins inserted (no Qt).

A filter in id order (``session.windowed``) is never read whole: the count comes from the
store's tally and the ids are read in windows of ``window_size`` as rows are asked for, each
window one index range after the last id of the one before it. A filter that sorts by another
column, or searches text by risk, reads all its ids in one query.

A text search in id order may be read before it is counted (``read_first``, issue 16): its
first window alone, ``counting`` set while a full window leaves more to come. The total is
then the rows read so far; windows are added after the last (``next_window``, ``add_window``)
as the view scrolls, and ``counted`` sets the total when the count arrives.

Pins: a Sample the filter does not select but the user opened (a sibling of another task),
or the Sample the user is looking at after a change took it out of the filter, is shown
where they left it, until the next re-query. Rows (the model's) are the filter's rows with
the pins inserted; ``_pins`` holds (filter row it stands before, id) in order.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

from irtd_annotator.services.review.session import QueueFilter, QueueRow

Windows = dict[int, list[int]]  # window number -> its ids


class QueueSource(Protocol):
    """What the queue needs of the review session."""

    def query_ids(self, flt: QueueFilter) -> list[int]: ...
    def rows(self, ids: Sequence[int]) -> dict[int, QueueRow]: ...
    def counts(self, flt: QueueFilter) -> tuple[int, int]: ...
    def windowed(self, flt: QueueFilter) -> bool: ...
    def window_ids(self, flt: QueueFilter, *, after: int | None, offset: int = 0,
                   limit: int) -> list[int]: ...
    def rows_before(self, flt: QueueFilter, sample_id: int) -> int: ...
    def selects(self, flt: QueueFilter, sample_id: int) -> bool: ...


class IdWindows:
    """The ids of one filter in queue order: the windows held and the pins.

    The queue model calls ``read`` before it announces a reset and installs the result
    inside it, so that no query runs while views are told the rows are changing.
    """

    def __init__(self, session: QueueSource, *, window_size: int) -> None:
        self._session = session
        self._window = window_size
        self.filter = QueueFilter()
        self.total = 0                    # rows the filter selects (pins not counted)
        self._windows: Windows = {}
        self._where: dict[int, int] = {}  # id -> filter row, of the windows held
        self._pins: list[tuple[int, int]] = []  # (filter row it stands before, id), in order
        self.counting = False  # the total is the rows read so far: the count is on its way

    def row_count(self) -> int:
        """The rows shown: the filter's and the pins."""
        return self.total + len(self._pins)

    # ---- reading and installing a filter -------------------------------------------------------

    def read(self, flt: QueueFilter, *, whole: bool = False) -> tuple[int, Windows]:
        """(rows the filter selects, the windows read now) for a new filter."""
        session = self._session
        if session.windowed(flt) and not whole:
            total = session.counts(flt)[1]
            first = session.window_ids(flt, after=None, limit=self._window) if total else []
            return total, {0: first}
        ids = session.query_ids(flt)
        return len(ids), {n // self._window: ids[n:n + self._window]
                          for n in range(0, len(ids), self._window)} or {0: []}

    def read_first(self, flt: QueueFilter) -> tuple[int, Windows, bool]:
        """(rows read, the first window, whether more may follow: count them) for a new
        windowed filter, not counted: a text search, whose count reads every hit."""
        first = self._session.window_ids(flt, after=None, limit=self._window)
        return len(first), {0: first}, len(first) == self._window

    def reset(self, flt: QueueFilter, total: int, windows: Windows, *,
              counting: bool = False) -> None:
        """Show ``flt`` from what ``read`` (or ``read_first``) returned for it; the pins go."""
        self.filter = flt
        self._install(total, windows)
        self._pins = []
        self.counting = counting

    def next_window(self) -> list[int]:
        """While counting: the ids of the window after the last held (a query, nothing held)."""
        last = self._windows[max(self._windows)]
        return self._session.window_ids(self.filter, after=last[-1], limit=self._window) \
            if last else []

    def add_window(self, ids: list[int]) -> None:
        """Hold ``ids`` from ``next_window`` as the next window; a short one is the last."""
        self._hold(max(self._windows) + 1, ids)
        self.total += len(ids)
        self.counting = len(ids) == self._window

    def counted(self, total: int) -> None:
        """The filter's count arrived: ``total`` rows (at least those read so far)."""
        self.total = max(total, self.total)
        self.counting = False

    def read_all(self) -> None:
        """Hold every window of the filter (reads those not held yet)."""
        if self._session.windowed(self.filter) and len(self._where) < self.total:
            _total, windows = self.read(self.filter, whole=True)
            self._install(self.total, windows)

    def held_windows(self) -> list[int]:
        """The numbers of the id windows held."""
        return sorted(self._windows)

    # ---- rows and ids ----------------------------------------------------------------------------

    def id_at(self, row: int) -> int | None:
        """The id shown at ``row`` (its window read if needed), None past the end."""
        if not 0 <= row < self.row_count():
            return None
        pinned, frow = self._split(row)
        if pinned is not None:
            return pinned
        window = self._windows.get(frow // self._window)
        if window is None:
            window = self._load_window(frow // self._window)
        offset = frow % self._window
        return window[offset] if offset < len(window) else None

    def row_of(self, sample_id: int) -> int | None:
        """The row of a Sample id, or None when the queue does not show it."""
        known = self.known_row(sample_id)
        if known is not None:
            return known
        frow = None
        if len(self._where) < self.total and self._session.windowed(self.filter):
            if not self._session.selects(self.filter, sample_id):
                return None
            frow = self._session.rows_before(self.filter, sample_id)
            self._load_window(frow // self._window)
            if self._where.get(sample_id) != frow:
                return None  # the store changed under us: shown at the next re-query
        return None if frow is None else self._model_row(frow)

    def known_row(self, sample_id: int) -> int | None:
        """The row of a Sample among the pins and the windows held (no query)."""
        for n, (_before, pinned) in enumerate(self._pins):
            if pinned == sample_id:
                return self._pins[n][0] + n
        frow = self._where.get(sample_id)
        return None if frow is None else self._model_row(frow)

    # ---- pins ------------------------------------------------------------------------------------

    def is_pinned(self, sample_id: int) -> bool:
        """Whether ``sample_id`` is shown as a pin (the filter does not select it)."""
        return any(pinned == sample_id for _before, pinned in self._pins)

    def pin_place(self, anchor: int | None) -> tuple[int, int]:
        """(index among the pins, filter row it stands before) of a pin shown right after
        the row ``anchor`` (None: first); the pin's row is their sum."""
        if anchor is None:
            return 0, 0
        pinned, frow = self._split(anchor)
        if pinned is not None:
            position = next(n for n, (_b, i) in enumerate(self._pins) if i == pinned) + 1
            return position, self._pins[position - 1][0]
        before = frow + 1
        return bisect.bisect_left([b for b, _i in self._pins], before), before

    def add_pin(self, place: tuple[int, int], sample_id: int) -> None:
        """Pin ``sample_id`` at a place ``pin_place`` gave."""
        position, before = place
        self._pins.insert(position, (before, sample_id))

    # ---- after a change --------------------------------------------------------------------------

    def reread(self, changed: frozenset[int], *, keep: int | None, kept_at: int | None) -> None:
        """Read the filter again after the Samples ``changed`` changed; the Sample ``keep``
        (shown at ``kept_at`` before) stays where it was, pinned if the filter dropped it."""
        flt = self.filter
        pinned, kept_frow = self._split(kept_at) if kept_at is not None else (None, -1)
        if self._session.windowed(flt) and flt.sort == "id" and keep is not None \
                and changed == {keep} and kept_at is not None and pinned is None:
            # Only the Sample looked at changed, in a filter in id order: the rows before it
            # stay, and it stays at its row, pinned there if the filter no longer selects it.
            inside = self._session.selects(flt, keep)
            total = self._session.counts(flt)[1]
            windows = {n: ids for n, ids in self._windows.items()
                       if inside or (n + 1) * self._window <= kept_frow}
            self._install(total, windows)
            self._pins = [] if inside else [(kept_frow, keep)]
            return
        old_order = None if self._session.windowed(flt) else self._held_order()
        total, windows = self.read(flt)
        self._install(total, windows)
        self._pins = []
        if keep is not None and kept_at is not None and self.row_of(keep) is None:
            before = self._session.rows_before(flt, keep) if old_order is None \
                else self._place_in(old_order, keep)
            self._pins = [(before, keep)]

    # ---- internals -------------------------------------------------------------------------------

    def _install(self, total: int, windows: Windows) -> None:
        self.total = total
        self.counting = False
        self._windows = {}
        self._where = {}
        for number, ids in windows.items():
            self._hold(number, ids)

    def _hold(self, number: int, ids: list[int]) -> None:
        self._windows[number] = ids
        first = number * self._window
        for n, sid in enumerate(ids):
            self._where[sid] = first + n

    def _load_window(self, number: int) -> list[int]:
        held = self._windows.get(number)
        if held is not None:
            return held
        if not self._session.windowed(self.filter):
            return []  # every id is held; a window past the end is empty
        before = self._windows.get(number - 1)
        start = number * self._window
        if before is not None and len(before) == self._window:
            ids = self._session.window_ids(self.filter, after=before[-1], limit=self._window)
        elif 2 * start > self.total:
            # in the second half: read backwards from the end, a shorter offset to skip
            end = min(self.total, start + self._window)
            back = dataclasses.replace(self.filter, descending=not self.filter.descending)
            ids = self._session.window_ids(back, after=None, offset=self.total - end,
                                           limit=max(0, end - start))[::-1]
        else:
            ids = self._session.window_ids(self.filter, after=None,
                                           offset=number * self._window, limit=self._window)
        self._hold(number, ids)
        return ids

    def _split(self, row: int) -> tuple[int | None, int]:
        """(pinned id, -1) for a pinned row, else (None, its filter row)."""
        for n, (before, sid) in enumerate(self._pins):
            pin_row = before + n
            if row == pin_row:
                return sid, -1
            if row < pin_row:
                return None, row - n
        return None, row - len(self._pins)

    def _model_row(self, frow: int) -> int:
        return frow + sum(1 for before, _sid in self._pins if before <= frow)

    def _held_order(self) -> list[int]:
        """The ids of a fully read filter with the pins, in queue order."""
        order = [sid for n in sorted(self._windows) for sid in self._windows[n]]
        for n, (before, sid) in enumerate(self._pins):
            order.insert(before + n, sid)
        return order

    def _place_in(self, old_order: list[int], keep: int) -> int:
        """The filter row ``keep`` stands before in the new (fully read) filter: right after
        the nearest Sample before it in the old order that is still there."""
        position = old_order.index(keep)
        for previous in reversed(old_order[:position]):
            frow = self._where.get(previous)
            if frow is not None:
                return frow + 1
        return 0


class QueueIds(Sequence[int]):
    """The queue's ids in order, read lazily (windows on demand)."""

    def __init__(self, windows: IdWindows) -> None:
        self._windows = windows

    def __len__(self) -> int:
        return self._windows.row_count()

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = index + len(self) if index < 0 else index
        sid = self._windows.id_at(row)
        if sid is None:
            raise IndexError(index)
        return sid

    def __iter__(self) -> Iterator[int]:
        for row in range(len(self)):
            sid = self._windows.id_at(row)
            if sid is not None:
                yield sid

    def __contains__(self, sample_id: object) -> bool:
        return isinstance(sample_id, int) and self._windows.row_of(sample_id) is not None

    def index(self, sample_id: Any, start: int = 0, stop: int | None = None) -> int:
        row = self._windows.row_of(sample_id) if isinstance(sample_id, int) else None
        if row is None or row < start or (stop is not None and row >= stop):
            raise ValueError(f"{sample_id!r} is not in the queue")
        return row
