"""The queue's table model: an ordered list of Sample ids whose rows are fetched lazily.

Only the id list of the current filter is held (one query); rows are fetched a page at a
time (``session.rows`` for a block of ids around the row asked for) and kept in a bounded
LRU of pages, so a queue of hundreds of thousands of Samples costs one id list and a few
pages, never a query per row nor every row. Sorting re-queries with the filter's sort key
instead of sorting in a proxy model.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from irtd_annotator.services.review import Changes, QueueFilter, QueueRow

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


class QueueModel(QAbstractTableModel):
    """Rows of the queue, one per Sample id of the current filter, loaded a page at a time."""

    def __init__(self, session: QueueSource, parent: QObject | None = None, *,
                 page_size: int = 200, max_pages: int = 40) -> None:
        super().__init__(parent)
        if page_size < 1 or max_pages < 1:
            raise ValueError(f"page_size and max_pages must be positive, got {page_size}, {max_pages}")
        self._session = session
        self._page_size = page_size
        self._max_pages = max_pages
        self._filter = QueueFilter()
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = None  # built on first lookup by id
        self._pages: OrderedDict[int, dict[int, QueueRow]] = OrderedDict()
        self._missing_icon: QIcon | None = None

    # ---- ids and filter ------------------------------------------------------------------------

    @property
    def filter(self) -> QueueFilter:
        return self._filter

    def set_filter(self, flt: QueueFilter, *, force: bool = False) -> None:
        """Re-query the ids with ``flt`` (a model reset) unless it is the current filter."""
        if flt == self._filter and not force and self._ids:
            return
        ids = self._session.query_ids(flt)
        self.beginResetModel()
        self._filter = flt
        self._set_ids(ids)
        self.endResetModel()

    def requery(self) -> None:
        """Query the ids of the current filter again (a model reset)."""
        self.set_filter(self._filter, force=True)

    def ids(self) -> list[int]:
        """The Sample ids in queue order (a copy)."""
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, sample_id: int) -> int | None:
        """The row of a Sample id, or None when the filter does not show it."""
        if self._row_of is None:
            self._row_of = {sid: n for n, sid in enumerate(self._ids)}
        return self._row_of.get(sample_id)

    def row_at(self, row: int) -> QueueRow | None:
        """The QueueRow at ``row``, fetching its page if needed (None if the Sample is gone)."""
        if not 0 <= row < len(self._ids):
            return None
        page = row // self._page_size
        cached = self._pages.get(page)
        if cached is None:
            cached = self._fetch_page(page)
        else:
            self._pages.move_to_end(page)
        return cached.get(self._ids[row])

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
        row = anchor + 1 if anchor is not None else 0
        self.beginInsertRows(QModelIndex(), row, row)
        ids = self._ids
        ids.insert(row, sample_id)
        self._set_ids(ids)  # pages are blocks of rows: inserting shifts them all
        self.endInsertRows()
        return True

    def cached_pages(self) -> list[int]:
        """The page numbers held, least recently used first (for tests and diagnostics)."""
        return list(self._pages)

    def _set_ids(self, ids: list[int]) -> None:
        self._ids = list(ids)
        self._row_of = None
        self._pages.clear()

    def _fetch_page(self, page: int) -> dict[int, QueueRow]:
        start = page * self._page_size
        block = self._ids[start:start + self._page_size]
        rows = self._session.rows(block)
        self._pages[page] = rows
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        return rows

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
        only the changed rows are fetched again (dataChanged). Otherwise the ids are queried
        again and the rows moved (a layout change that keeps the selection); the Sample
        ``keep`` (the one the user is looking at) stays in the queue even if the filter no
        longer selects it, so approving it does not make it vanish under the user's eyes.
        It leaves at the next re-query.
        """
        if not changes.sample_ids:
            return
        if self._may_move(changes):
            new_ids = self._session.query_ids(self._filter)
            if keep is not None and keep in self._ids and keep not in new_ids:
                new_ids = _keep_in_place(new_ids, self._ids, keep)
            if new_ids != self._ids:
                self._relayout(new_ids)
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

    def _relayout(self, new_ids: list[int]) -> None:
        self.layoutAboutToBeChanged.emit()
        old_ids = self._ids
        self._set_ids(new_ids)
        new_row = self.row_of
        old_persistent = self.persistentIndexList()
        new_persistent = []
        for index in old_persistent:
            row = new_row(old_ids[index.row()]) if 0 <= index.row() < len(old_ids) else None
            new_persistent.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(old_persistent, new_persistent)
        self.layoutChanged.emit()

    def _update_rows(self, sample_ids: frozenset[int]) -> None:
        shown = sorted(row for sid in sample_ids if (row := self.row_of(sid)) is not None)
        if not shown:
            return
        # Rows of pages not held are fetched when next shown; only held ones are patched.
        held = [self._ids[row] for row in shown if row // self._page_size in self._pages]
        fresh = self._session.rows(held) if held else {}
        for row in shown:
            page = self._pages.get(row // self._page_size)
            if page is not None:
                sid = self._ids[row]
                if sid in fresh:
                    page[sid] = fresh[sid]
                else:
                    page.pop(sid, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # ---- Qt model API ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._ids)

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
        if not 0 <= row_number < len(self._ids) or not 0 <= column < len(COLUMNS):
            return None
        if role == ID_ROLE:
            return self._ids[row_number]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ForegroundRole):
            return None
        row = self.row_at(row_number)
        key = COLUMNS[column][0]
        if row is None:
            return (f"{self._ids[row_number]}" if key == "id" else "—") \
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


def _keep_in_place(new_ids: list[int], old_ids: list[int], keep: int) -> list[int]:
    """``new_ids`` with ``keep`` inserted after the nearest Sample before it that is still there."""
    present = set(new_ids)
    position = 0
    for previous in reversed(old_ids[:old_ids.index(keep)]):
        if previous in present:
            position = new_ids.index(previous) + 1
            break
    return new_ids[:position] + [keep] + new_ids[position:]
