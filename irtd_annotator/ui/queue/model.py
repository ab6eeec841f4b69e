"""The queue's table model: the Sample ids of the current filter, read a window at a time.

A filter in id order (``session.windowed``) is never read whole: the model asks the session
for the count (kept by the store, so instant) and reads the ids in windows of
``window_size`` as rows are shown, each window one index range after the last id of the one
before it. A filter that sorts by another column, or searches text, reads all its ids in one
query. Rows (QueueRow) are fetched a page at a time, by id, into a bounded LRU. So a queue
of 260,000 Samples costs a count and one window when its filter changes, never a query per
row nor every row.

Pins: a Sample the filter does not select but the user opened (a sibling of another task),
or the Sample the user is looking at after a change took it out of the filter, is shown
where they left it, until the next re-query. Model rows are the filter's rows with the pins
inserted; ``_pins`` holds (filter row it stands before, id) in order.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from irtd_annotator.services.review.session import Changes, QueueFilter, QueueRow

Index = QModelIndex | QPersistentModelIndex

# (sort key of QueueFilter, header) per column.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("status", "Status"), ("task", "Task"), ("source", "Source"),
    ("image", "Image"), ("edited", "Edited"), ("warnings", "Warnings"),
)
COLUMN_OF = {key: n for n, (key, _title) in enumerate(COLUMNS)}
STATUS_COLOURS = {
    "pending": "#9e9e9e", "approved": "#2e7d32", "rejected": "#c62828", "flagged": "#ef6c00",
}
MISSING_COLOUR = "#b71c1c"
ID_ROLE = Qt.ItemDataRole.UserRole  # data(index, ID_ROLE) is the row's Sample id


class QueueSource(Protocol):
    """What the model needs of the review session."""

    def query_ids(self, flt: QueueFilter) -> list[int]: ...
    def rows(self, ids: Sequence[int]) -> dict[int, QueueRow]: ...
    def counts(self, flt: QueueFilter) -> tuple[int, int]: ...
    def windowed(self, flt: QueueFilter) -> bool: ...
    def window_ids(self, flt: QueueFilter, *, after: int | None, offset: int = 0,
                   limit: int) -> list[int]: ...
    def rows_before(self, flt: QueueFilter, sample_id: int) -> int: ...
    def selects(self, flt: QueueFilter, sample_id: int) -> bool: ...


class QueueIds(Sequence[int]):
    """The queue's ids in order, read lazily from the model (windows on demand)."""

    def __init__(self, model: "QueueModel") -> None:
        self._model = model

    def __len__(self) -> int:
        return self._model.rowCount()

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = index + len(self) if index < 0 else index
        sid = self._model.id_at(row)
        if sid is None:
            raise IndexError(index)
        return sid

    def __iter__(self) -> Iterator[int]:
        for row in range(len(self)):
            sid = self._model.id_at(row)
            if sid is not None:
                yield sid

    def __contains__(self, sample_id: object) -> bool:
        return isinstance(sample_id, int) and self._model.row_of(sample_id) is not None

    def index(self, sample_id: Any, start: int = 0, stop: int | None = None) -> int:
        row = self._model.row_of(sample_id) if isinstance(sample_id, int) else None
        if row is None or row < start or (stop is not None and row >= stop):
            raise ValueError(f"{sample_id!r} is not in the queue")
        return row


class QueueModel(QAbstractTableModel):
    """Rows of the queue, one per Sample id of the current filter, loaded a window at a time."""

    def __init__(self, session: QueueSource, parent: QObject | None = None, *,
                 page_size: int = 200, max_pages: int = 40, window_size: int = 2000) -> None:
        super().__init__(parent)
        if page_size < 1 or max_pages < 1 or window_size < 1:
            raise ValueError("page_size, max_pages and window_size must be positive, got "
                             f"{page_size}, {max_pages}, {window_size}")
        self._session = session
        self._page_size = page_size
        self._max_rows = page_size * max_pages
        self._window = window_size
        self._filter = QueueFilter()
        self._total = 0                          # rows the filter selects (pins not counted)
        self._windows: dict[int, list[int]] = {}  # window number -> its ids
        self._where: dict[int, int] = {}         # id -> filter row, of the windows held
        self._pins: list[tuple[int, int]] = []   # (filter row it stands before, id), in order
        self._rows: OrderedDict[int, QueueRow | None] = OrderedDict()  # id -> row, LRU
        self._missing_icon: QIcon | None = None

    # ---- ids and filter ------------------------------------------------------------------------

    @property
    def filter(self) -> QueueFilter:
        return self._filter

    def set_filter(self, flt: QueueFilter, *, force: bool = False) -> None:
        """Re-query the filter (a model reset) unless it is the current filter."""
        if flt == self._filter and not force and self._total:
            return
        total, windows = self._read(flt)
        self.beginResetModel()
        self._filter = flt
        self._install(total, windows)
        self._pins = []
        self.endResetModel()

    def requery(self) -> None:
        """Query the ids of the current filter again (a model reset)."""
        self.set_filter(self._filter, force=True)

    def id_view(self) -> QueueIds:
        """The ids in queue order as a lazy sequence (windows are read as they are asked)."""
        return QueueIds(self)

    def ids(self) -> list[int]:
        """Every Sample id in queue order (reads the windows not held yet: for a queue of
        hundreds of thousands, prefer ``id_view``)."""
        if self._session.windowed(self._filter) and len(self._where) < self._total:
            _total, windows = self._read(self._filter, whole=True)
            self._install(self._total, windows, keep_rows=True)
        return list(self.id_view())

    def id_at(self, row: int) -> int | None:
        if not 0 <= row < self.rowCount():
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
        known = self._known_row(sample_id)
        if known is not None:
            return known
        frow = None
        if len(self._where) < self._total \
                and self._session.windowed(self._filter):
            if not self._session.selects(self._filter, sample_id):
                return None
            frow = self._session.rows_before(self._filter, sample_id)
            self._load_window(frow // self._window)
            if self._where.get(sample_id) != frow:
                return None  # the store changed under us: shown at the next re-query
        return None if frow is None else self._model_row(frow)

    def row_at(self, row: int) -> QueueRow | None:
        """The QueueRow at ``row``, fetching its page if needed (None if the Sample is gone)."""
        sid = self.id_at(row)
        if sid is None:
            return None
        if sid in self._rows:
            self._rows.move_to_end(sid)
            return self._rows[sid]
        first = row - row % self._page_size
        page = [i for r in range(first, min(first + self._page_size, self.rowCount()))
                if (i := self.id_at(r)) is not None]
        if sid not in page:
            page.append(sid)
        fresh = self._session.rows(page)
        for i in page:
            self._rows[i] = fresh.get(i)
            self._rows.move_to_end(i)
        while len(self._rows) > self._max_rows:
            self._rows.popitem(last=False)
        return self._rows.get(sid)

    def pin(self, sample_id: int, *, after: int | None) -> bool:
        """Show ``sample_id`` right after the Sample ``after`` until the next re-query.

        For a Sample the filter does not select but the user opened anyway (a sibling of
        another task). False when no such Sample exists.
        """
        if self.row_of(sample_id) is not None:
            return True
        if sample_id not in self._session.rows([sample_id]):
            return False
        anchor = self.row_of(after) if after is not None else None
        if anchor is None:
            position, before = 0, 0
        else:
            pinned, frow = self._split(anchor)
            if pinned is not None:
                position = next(n for n, (_b, i) in enumerate(self._pins) if i == pinned) + 1
                before = self._pins[position - 1][0]
            else:
                before = frow + 1
                position = bisect.bisect_left([b for b, _i in self._pins], before)
        row = before + position
        self.beginInsertRows(QModelIndex(), row, row)
        self._pins.insert(position, (before, sample_id))
        self.endInsertRows()
        return True

    def cached_pages(self) -> list[int]:
        """The row pages held, least recently used first (for tests and diagnostics)."""
        pages: list[int] = []
        for sid in self._rows:
            row = self._known_row(sid)
            if row is not None and row // self._page_size not in pages:
                pages.append(row // self._page_size)
        return pages

    def held_windows(self) -> list[int]:
        """The numbers of the id windows held (for tests and diagnostics)."""
        return sorted(self._windows)

    # ---- windows and pins ----------------------------------------------------------------------

    def _read(self, flt: QueueFilter, *, whole: bool = False) -> tuple[int, dict[int, list[int]]]:
        """(rows the filter selects, the windows read now) for a new filter."""
        session = self._session
        if session.windowed(flt) and not whole:
            total = session.counts(flt)[1]
            first = session.window_ids(flt, after=None, limit=self._window) if total else []
            return total, {0: first}
        ids = session.query_ids(flt)
        return len(ids), {n // self._window: ids[n:n + self._window]
                          for n in range(0, len(ids), self._window)} or {0: []}

    def _install(self, total: int, windows: dict[int, list[int]], *,
                 keep_rows: bool = False) -> None:
        self._total = total
        self._windows = {}
        self._where = {}
        if not keep_rows:  # rows are by id: after a change only the changed ones are stale
            self._rows.clear()
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
        if not self._session.windowed(self._filter):
            return []  # every id is held; a window past the end is empty
        before = self._windows.get(number - 1)
        start = number * self._window
        if before is not None and len(before) == self._window:
            ids = self._session.window_ids(self._filter, after=before[-1], limit=self._window)
        elif 2 * start > self._total:
            # in the second half: read backwards from the end, a shorter offset to skip
            end = min(self._total, start + self._window)
            back = dataclasses.replace(self._filter, descending=not self._filter.descending)
            ids = self._session.window_ids(back, after=None, offset=self._total - end,
                                           limit=max(0, end - start))[::-1]
        else:
            ids = self._session.window_ids(self._filter, after=None,
                                           offset=number * self._window, limit=self._window)
        self._hold(number, ids)
        return ids

    def _pin_row(self, n: int) -> int:
        return self._pins[n][0] + n

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

    # ---- sorting and refreshing ------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column by re-querying with the filter's sort key (column -1: by id)."""
        key = COLUMNS[column][0] if 0 <= column < len(COLUMNS) else "id"
        flt = dataclasses.replace(self._filter, sort=key,
                                  descending=order == Qt.SortOrder.DescendingOrder)
        self.set_filter(flt)

    def refresh(self, changes: Changes, *, keep: int | None = None) -> None:
        """Show what ``changes`` touched.

        When the change cannot move a Sample in or out of the filter, or change its place,
        only the changed rows are fetched again (dataChanged). Otherwise the filter is read
        again and the rows moved (a layout change that keeps the selection); the Sample
        ``keep`` (the one the user is looking at) stays where it is even if the filter no
        longer selects it, so approving it does not make it vanish under the user's eyes.
        It leaves at the next re-query.
        """
        if not changes.sample_ids:
            return
        if self._may_move(changes):
            self._relayout(changes, keep)
        self._update_rows(changes.sample_ids)

    def _may_move(self, changes: Changes) -> bool:
        flt = self._filter
        touched: set[str] = set()
        if changes.status:
            touched.add("status")
        if changes.text or changes.geometry:
            touched.update(("edited", "warnings", "text"))
        criteria = {
            "status": bool(flt.statuses), "edited": flt.edited is not None,
            "warnings": flt.warnings is not None, "text": bool(flt.text.strip()),
        }
        return any(criteria.get(key) or flt.sort == key for key in touched)

    def _relayout(self, changes: Changes, keep: int | None) -> None:
        kept_at = self.row_of(keep) if keep is not None else None
        self.layoutAboutToBeChanged.emit()
        # Only now: views answer the signal with persistent indexes of their own (a
        # QItemSelectionModel saves its selection so), and those must follow their Samples too.
        old_persistent = self.persistentIndexList()
        old_ids = [self.id_at(index.row()) for index in old_persistent]
        flt = self._filter
        pinned, kept_frow = self._split(kept_at) if kept_at is not None else (None, -1)
        if self._session.windowed(flt) and keep is not None and changes.sample_ids == {keep} \
                and kept_at is not None and pinned is None:
            # Only the Sample looked at changed, in a filter in id order: the rows before it
            # stay, and it stays at its row, pinned there if the filter no longer selects it.
            inside = self._session.selects(flt, keep)
            total = self._session.counts(flt)[1]
            windows = {n: ids for n, ids in self._windows.items()
                       if inside or (n + 1) * self._window <= kept_frow}
            self._install(total, windows, keep_rows=True)
            self._pins = [] if inside else [(kept_frow, keep)]
        else:
            old_order = None if self._session.windowed(flt) else self._held_order()
            total, windows = self._read(flt)
            self._install(total, windows, keep_rows=True)
            self._pins = []
            if keep is not None and kept_at is not None and self.row_of(keep) is None:
                before = self._session.rows_before(flt, keep) if old_order is None \
                    else self._place_in(old_order, keep)
                self._pins = [(before, keep)]
        new_persistent = []
        for index, sid in zip(old_persistent, old_ids):
            row = self.row_of(sid) if sid is not None else None
            new_persistent.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(old_persistent, new_persistent)
        self.layoutChanged.emit()

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

    def _known_row(self, sample_id: int) -> int | None:
        """The row of a Sample among the pins and the windows held (no query)."""
        for n, (_before, pinned) in enumerate(self._pins):
            if pinned == sample_id:
                return self._pin_row(n)
        frow = self._where.get(sample_id)
        return None if frow is None else self._model_row(frow)

    def _update_rows(self, sample_ids: frozenset[int]) -> None:
        held = [sid for sid in sample_ids if sid in self._rows]
        fresh = self._session.rows(held) if held else {}
        for sid in held:
            self._rows[sid] = fresh.get(sid)
        # A row whose window is not held is not on screen; it is read fresh when shown.
        for sid in sample_ids:
            row = self._known_row(sid)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # ---- Qt model API ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else self._total + len(self._pins)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's name)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort by {COLUMNS[section][1].lower()}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row_number, column = index.row(), index.column()
        if not 0 <= row_number < self.rowCount() or not 0 <= column < len(COLUMNS):
            return None
        if role == ID_ROLE:
            return self.id_at(row_number)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ForegroundRole):
            return None
        row = self.row_at(row_number)
        key = COLUMNS[column][0]
        if row is None:
            return (f"{self.id_at(row_number) or ''}" if key == "id" else "—") \
                if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, key)
        if role == Qt.ItemDataRole.DecorationRole:
            if key == "status":
                colour = STATUS_COLOURS.get(row.status)
                return QColor(colour) if colour else None
            if key == "image" and row.missing:
                return self._warning_icon()
            return None
        if key == "image" and row.missing:  # ForegroundRole
            return QColor(MISSING_COLOUR)
        return None

    def _warning_icon(self) -> QIcon:
        if self._missing_icon is None:
            style = QApplication.style()
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) \
                if style is not None else QIcon()
            self._missing_icon = icon if not icon.isNull() else _drawn_warning_icon()
        return self._missing_icon


def _drawn_warning_icon() -> QIcon:
    """A red disc with "!": for styles without a warning icon (e.g. offscreen, no theme)."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(MISSING_COLOUR))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 14, 14)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "!")
    painter.end()
    return QIcon(pixmap)


def _display(row: QueueRow, key: str) -> str:
    if key == "id":
        return str(row.id)
    if key == "edited":
        return "✓" if row.edited else ""
    if key == "warnings":
        return row.warnings
    return str(getattr(row, key))


def _tooltip(row: QueueRow, key: str) -> str:
    if key == "image":
        return row.image + ("\nIR or visible image missing: the sample can still be reviewed"
                            if row.missing else "")
    if key == "warnings":
        return row.warnings or "no warnings"
    if key == "edited":
        return "edited by a person" if row.edited else "as imported"
    return f"sample {row.id}: {row.task}, {row.status}"
