"""The queue's table model: the Sample ids of the current filter, read a window at a time.

The ids come from IdWindows (id_windows: a filter in id order is read in windows as rows
are shown, pins inserted), the rows from a RowCache (row_cache: a page at a time, by id,
into a bounded LRU). So a queue of 260,000 Samples costs a count and one window when its
filter changes, never a query per row nor every row. This module turns them into Qt's
model API: resets, inserted pins, layout changes that keep the selection, cell data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from irtd_annotator.domain.model import decided_words
from irtd_annotator.domain.queue_filter import SORT_KEYS
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import hint
from irtd_annotator.services.review.session import Changes, QueueFilter, QueueRow
from irtd_annotator.ui.queue.counted_rows import CountedRows
from irtd_annotator.ui.queue.id_windows import IdWindows, QueueIds, QueueSource
from irtd_annotator.ui.queue.row_cache import RowCache
from irtd_annotator.ui.status_colours import STATUS_COLOURS  # the dashboard draws them too

__all__ = ["COLUMNS", "COLUMN_OF", "ID_ROLE", "MISSING_COLOUR", "STATUS_COLOURS", "QueueIds",
           "QueueModel", "QueueSource"]  # QueueIds, QueueSource: where the dock looks

Index = QModelIndex | QPersistentModelIndex

# (sort key of QueueFilter, header) per column; "held" (who works on a Sample now, from its
# lease) changes by the minute and is not a sort key.
# The image, the one long cell, comes last and stretches: the short columns before it stay
# in view in a narrow queue (issue 13).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("status", "Status"), ("task", "Task"), ("source", "Source"),
    ("edited", "Edited"), ("warnings", "Warnings"), ("risk", "Risk"), ("held", "Held by"),
    ("image", "Image"),
)
COLUMN_OF = {key: n for n, (key, _title) in enumerate(COLUMNS)}
# drawn on the status mark, so the statuses differ by more than their colour
_STATUS_GLYPHS = {"pending": "", "approved": "✓", "rejected": "✕", "flagged": "!",
                  "accepted": "◎"}
MISSING_COLOUR = "#b71c1c"
ID_ROLE = Qt.ItemDataRole.UserRole  # data(index, ID_ROLE) is the row's Sample id


class QueueModel(CountedRows):
    """Rows of the queue, one per Sample id of the current filter, loaded a window at a time."""

    def __init__(self, session: QueueSource, parent: QObject | None = None, *,
                 page_size: int = 200, max_pages: int = 40, window_size: int = 2000) -> None:
        if page_size < 1 or max_pages < 1 or window_size < 1:
            raise ValueError("page_size, max_pages and window_size must be positive, got "
                             f"{page_size}, {max_pages}, {window_size}")
        super().__init__(session, IdWindows(session, window_size=window_size), parent)
        self._page_size = page_size
        self._rows = RowCache(session.rows, max_rows=page_size * max_pages)
        self._missing_icon: QIcon | None = None
        self._status_icons: dict[str, QIcon] = {}
        self._held: dict[int, str] = {}  # Sample id -> who holds it (the rows shown only)

    # ---- ids and filter ------------------------------------------------------------------------

    @property
    def filter(self) -> QueueFilter:
        return self._ids.filter

    def set_filter(self, flt: QueueFilter, *, force: bool = False) -> None:
        """Re-query the filter (a model reset) unless it is the current filter."""
        if flt == self._ids.filter and not force and self._ids.total:
            return
        # before the reset: no query inside it (a text search's count: after it, see
        # CountedRows)
        total, windows, counting = self._read_filter(flt)
        self.beginResetModel()
        self._ids.reset(flt, total, windows, counting=counting)
        self._rows.clear()
        self.endResetModel()
        self._count_later(flt)

    def requery(self) -> None:
        """Query the ids of the current filter again (a model reset)."""
        self.set_filter(self._ids.filter, force=True)

    def id_view(self) -> QueueIds:
        """The ids in queue order as a lazy sequence (windows are read as they are asked);
        all of them: a search's count is waited for."""
        self.settle_count()
        return QueueIds(self._ids)

    def ids(self) -> list[int]:
        """Every Sample id in queue order (reads the windows not held yet: for a queue of
        hundreds of thousands, prefer ``id_view``)."""
        self.settle_count()
        self._ids.read_all()
        return list(self.id_view())

    def id_at(self, row: int) -> int | None:
        """The Sample id at ``row``, or None past the end."""
        if self.counting and row >= self._ids.row_count():
            self.settle_count()  # past the rows a search read so far: the next Sample's row
        return self._ids.id_at(row)

    def row_of(self, sample_id: int) -> int | None:
        """The row of a Sample id, or None when the queue does not show it."""
        if self.counting and self._ids.known_row(sample_id) is None \
                and self._session.selects(self._ids.filter, sample_id):
            self.settle_count()  # beyond the rows read: its row needs the count
        return self._ids.row_of(sample_id)

    def row_at(self, row: int) -> QueueRow | None:
        """The QueueRow at ``row``, fetching its page if needed (None if the Sample is gone)."""
        sid = self._ids.id_at(row)
        if sid is None:
            return None
        if sid in self._rows:
            return self._rows.get(sid)
        first = row - row % self._page_size
        page = [i for r in range(first, min(first + self._page_size, self.rowCount()))
                if (i := self._ids.id_at(r)) is not None]
        if sid not in page:
            page.append(sid)
        return self._rows.fetch(page, sid)

    def pin(self, sample_id: int, *, after: int | None) -> bool:
        """Show ``sample_id`` right after the Sample ``after`` until the next re-query.

        For a Sample the filter does not select but the user opened anyway (a sibling of
        another task). False when no such Sample exists.
        """
        if self.row_of(sample_id) is not None:
            return True
        if sample_id not in self._session.rows([sample_id]):
            return False
        place = self._ids.pin_place(self.row_of(after) if after is not None else None)
        row = sum(place)
        self.beginInsertRows(QModelIndex(), row, row)
        self._ids.add_pin(place, sample_id)
        self.endInsertRows()
        return True

    def is_pinned(self, sample_id: int) -> bool:
        """Whether ``sample_id`` is shown by ``pin`` (or kept by ``refresh``), not the filter."""
        return self._ids.is_pinned(sample_id)

    def cached_pages(self) -> list[int]:
        """The row pages held, least recently used first (for tests and diagnostics)."""
        pages: list[int] = []
        for sid in self._rows:
            row = self._ids.known_row(sid)
            if row is not None and row // self._page_size not in pages:
                pages.append(row // self._page_size)
        return pages

    def held_windows(self) -> list[int]:
        """The numbers of the id windows held (for tests and diagnostics)."""
        return self._ids.held_windows()

    # ---- sorting and refreshing ------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column by re-querying with the filter's sort key (column -1: by id)."""
        key = COLUMNS[column][0] if 0 <= column < len(COLUMNS) else "id"
        if key not in SORT_KEYS:
            return
        flt = dataclasses.replace(self._ids.filter, sort=key,
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
        ids = changes.sample_ids
        if changes.text or changes.geometry:  # the siblings' risk follows (docs/risk.md)
            ids = ids | self._rows.same_image(ids)
        self._update_rows(ids)

    def _may_move(self, changes: Changes) -> bool:
        flt = self._ids.filter
        touched: set[str] = set()
        if changes.status:
            touched.add("status")
        if changes.text or changes.geometry:
            touched.update(("edited", "warnings", "text", "risk"))
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
        old_ids = [self._ids.id_at(index.row()) for index in old_persistent]
        self._ids.reread(changes.sample_ids, keep=keep, kept_at=kept_at)
        new_persistent = []
        for index, sid in zip(old_persistent, old_ids):
            row = self._ids.row_of(sid) if sid is not None else None
            new_persistent.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(old_persistent, new_persistent)
        self.layoutChanged.emit()

    def _update_rows(self, sample_ids: frozenset[int]) -> None:
        self._rows.refresh(sample_ids)
        # A row whose window is not held is not on screen; it is read fresh when shown.
        for sid in sample_ids:
            row = self._ids.known_row(sid)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def set_holders(self, ids: Sequence[int], held: Mapping[int, str]) -> None:
        """Who holds each of ``ids`` now (``held``; the others: no one), for the Held by
        column: asked for the rows on screen only, so 260,000 rows cost one small read."""
        column = COLUMN_OF["held"]
        for sid in ids:
            who = held.get(sid)
            if self._held.get(sid) == who:
                continue
            if who is None:
                del self._held[sid]
            else:
                self._held[sid] = who
            row = self._ids.known_row(sid)
            if row is not None:
                self.dataChanged.emit(self.index(row, column), self.index(row, column))

    # ---- Qt model API ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else self._ids.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's name)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"Sort by {COLUMNS[section][1].lower()}" if COLUMNS[section][0] in SORT_KEYS
                        else "Who is working on the sample now (not a sort key)")
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
        key = COLUMNS[column][0]
        if key == "held":
            return self._held_data(row_number, role)
        row = self.row_at(row_number)
        if row is None:
            return (f"{self.id_at(row_number) or ''}" if key == "id" else "—") \
                if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, key)
        if role == Qt.ItemDataRole.DecorationRole:
            if key == "status":
                return self._status_icon(row.status)
            if key == "image" and row.missing:
                return self._warning_icon()
            return None
        if key == "image" and row.missing:  # ForegroundRole
            return QColor(MISSING_COLOUR)
        return None

    def _held_data(self, row_number: int, role: int) -> str | None:
        who = self._held.get(self.id_at(row_number) or 0)
        if role == Qt.ItemDataRole.DisplayRole:
            return who or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{who} is working on this sample now; next pending passes it over"
                    if who else "no one is working on this sample now")
        return None

    def _status_icon(self, status: str) -> QIcon | None:
        if status not in STATUS_COLOURS:
            return None
        if status not in self._status_icons:
            self._status_icons[status] = _drawn_mark(STATUS_COLOURS[status],
                                                     _STATUS_GLYPHS[status])
        return self._status_icons[status]

    def _warning_icon(self) -> QIcon:
        if self._missing_icon is None:
            style = QApplication.style()
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning) \
                if style is not None else QIcon()
            self._missing_icon = icon if not icon.isNull() else _drawn_warning_icon()
        return self._missing_icon


def _drawn_warning_icon() -> QIcon:
    """A red disc with "!": for styles without a warning icon (e.g. offscreen, no theme)."""
    return _drawn_mark(MISSING_COLOUR, "!")


def _drawn_mark(colour: str, glyph: str) -> QIcon:
    """A disc of ``colour`` with ``glyph`` in white on it."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 14, 14)
    if glyph:
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    return QIcon(pixmap)


def _display(row: QueueRow, key: str) -> str:
    if key == "id":
        return str(row.id)
    if key == "edited":
        return "✓" if row.edited else ""
    if key == "warnings":
        return row.warnings
    if key == "risk":
        return str(row.risk) if row.risk else ""
    return str(getattr(row, key))


def _tooltip(row: QueueRow, key: str) -> str:
    if key == "image":
        return row.image + ("\nIR or visible image missing: the sample can still be reviewed"
                            if row.missing else "")
    if key == "warnings":  # the column shows a mark: each warning and what it means here
        codes = [code for code in row.warnings.split("; ") if code]
        task = next((t for t in Task if t.value == row.task), None)
        return "\n".join(f"{code}: {hint(code, task)}".rstrip(": ") for code in codes) \
            or "no warnings"
    if key == "edited":
        return "edited by a person" if row.edited else "as imported"
    if key == "risk":  # why: the sample panel says in words
        return f"risk {row.risk}: the higher, the likelier wrong (sample {row.id})"
    if key == "status":  # the column shows only its mark: the word is here
        return f"{decided_words(row.status, row.decided_by)} (sample {row.id}, {row.task})"
    if key in ("task", "source"):  # a narrow column may cut the word
        return f"{getattr(row, key)} (sample {row.id})"
    return f"sample {row.id}: {row.task}, {row.status}"
