"""How the queue's columns fit its dock (issue 13): the status as a coloured mark whose word is
in the tooltip, image paths elided in the middle so the file name stays, widths measured from
the font so that Edited and Warnings are on screen at the default width, and the task filter's
entries with their counts.

The model keeps every cell's text (sorting, tooltips and tests read it); the delegates only
decide how a cell is painted.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from irtd_annotator.ui.queue.model import COLUMN_OF

__all__ = ["COUNT_ROLE", "CountDelegate", "QueueDelegate", "elide_path", "set_counts",
           "setup_columns"]

Index = QModelIndex | QPersistentModelIndex
COUNT_ROLE = Qt.ItemDataRole.UserRole + 1  # a filter entry's number of Samples (None: unknown)

# What each fixed column must show whole, beside its header: longer cells are elided and
# read in full in their tooltip. The image column takes what is left (it stretches).
_WIDEST = {"id": "260000", "status": "", "held": "", "task": "Relationship", "source": "63-FLIR",
           "edited": "", "warnings": ""}
_PAD = 8  # the cell's and the header's margins
_MARGIN = 4  # a cell's text margin on each side (the style's focus frame and its pixel)


class QueueDelegate(QStyledItemDelegate):
    """Paints the status column as its mark alone (the word is in the tooltip: a short word
    cut to "...roved" said less than a colour) and elides image paths in the middle, so
    that the file name the reviewer looks for stays in view."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        column = index.column()
        if column == COLUMN_OF["status"]:
            option.text = ""
            option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDisplay
            option.decorationAlignment = Qt.AlignmentFlag.AlignCenter
            option.displayAlignment = Qt.AlignmentFlag.AlignCenter
            option.decorationPosition = QStyleOptionViewItem.Position.Top
        option.textElideMode = Qt.TextElideMode.ElideRight
        if column == COLUMN_OF["image"] and option.rect.width() > 0:
            room = option.rect.width() - 2 * _MARGIN
            if not option.icon.isNull():
                room -= option.decorationSize.width() + _MARGIN
            option.text = elide_path(option.text, option.fontMetrics, room)
            option.textElideMode = Qt.TextElideMode.ElideLeft


def elide_path(path: str, metrics: QFontMetrics, width: int) -> str:
    """``path`` in ``width`` pixels: whole when it fits; else its first folder, "…" for the
    folders that do not fit and the file name whole ("LLVIP/…/train/010005.jpg"); else
    "…/010005.jpg"; when the name alone is too long, the end of the name ("…5.jpg")."""
    if metrics.horizontalAdvance(path) <= width:
        return path
    folders, name = path.split("/")[:-1], path.rpartition("/")[2]
    fits: str | None = None
    if len(folders) > 1:  # keep the first folder (the source) and as many last ones as fit
        for kept in range(len(folders) - 1):
            text = "/".join([folders[0], "…", *folders[len(folders) - kept:], name])
            if metrics.horizontalAdvance(text) > width:
                break
            fits = text
    if fits is None and folders and metrics.horizontalAdvance(f"…/{name}") <= width:
        fits = f"…/{name}"
    return fits or metrics.elidedText(name, Qt.TextElideMode.ElideLeft, max(0, width))


def setup_columns(table: QTableView) -> None:
    """Install the delegate and give each column its width from the font: every column but
    the image fits beside the others in a queue about 490 px wide (a 1366 px screen), and the
    image column, last, stretches over what is left."""
    table.setItemDelegate(QueueDelegate(table))
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setMinimumSectionSize(24)
    cells, titles = table.fontMetrics(), header.fontMetrics()
    model = table.model()
    for key, widest in _WIDEST.items():
        column = COLUMN_OF[key]
        title = str(model.headerData(column, Qt.Orientation.Horizontal)) if model else key
        width = max(cells.horizontalAdvance(widest), titles.horizontalAdvance(title)) + _PAD
        header.resizeSection(column, width)
    # the stretched last column never shrinks below the size it had: start it small
    header.resizeSection(COLUMN_OF["image"], titles.horizontalAdvance("Image") + _PAD)


class CountDelegate(QStyledItemDelegate):
    """The entries of a filter combo with their counts: "Caption (4,812)". The entry's text
    stays the bare value (what the filter and the settings hold); the count is painted."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        count = index.data(COUNT_ROLE)
        if isinstance(count, int):
            option.text = f"{option.text} ({count:,})"


def set_counts(combo: QComboBox, counts: dict[str, int]) -> None:
    """Show ``counts`` (by entry text) in ``combo``'s list; entries without one show none."""
    if not isinstance(combo.itemDelegate(), CountDelegate):
        combo.setItemDelegate(CountDelegate(combo))
    for n in range(combo.count()):
        combo.setItemData(n, counts.get(combo.itemText(n)), COUNT_ROLE)
    view = combo.view()  # the list as wide as its longest entry, count included
    view.setMinimumWidth(view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width())
