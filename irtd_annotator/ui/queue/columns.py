"""How the queue's columns fit its dock (issue 13): the status as a coloured mark whose word is
in the tooltip, image paths elided in the middle so the file name stays, widths measured from
the font so that Edited and Warnings are on screen at the default width, and the task filter's
entries with their counts.

The model keeps every cell's text (sorting, tooltips and tests read it); the delegates only
decide how a cell is painted.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from irtd_annotator.domain.tasks import Task
from irtd_annotator.ui.queue.model import COLUMN_OF

__all__ = ["COUNT_ROLE", "SOURCE_SHORT", "TASK_SHORT", "CountDelegate", "QueueDelegate",
           "elide_path", "set_counts", "setup_columns", "short_source", "short_task",
           "warning_marks"]

Index = QModelIndex | QPersistentModelIndex
COUNT_ROLE = Qt.ItemDataRole.UserRole + 1  # a filter entry's number of Samples (None: unknown)

# The queue's short names, so that every cell is read whole in a queue about 490 px wide (a
# 1366 px screen); the full name is in the cell's tooltip and in the filters.
TASK_SHORT = {"Aerial Counting": "Aer. counting", "Pedestrian Counting": "Ped. counting"}
# IR-TD's sources, shown without their "<index>-" prefix ("63-FLIR_ADAS" -> "FLIR_ADAS");
# the one still longer than "ThermalWorld" is abbreviated here.
SOURCE_SHORT = {"RGBTCrowdCounting": "RGBT-Crowd"}
_SOURCE_INDEX = re.compile(r"[0-9]+-(?=.)")
_WARNING_MARK = "⚠"

# What each fixed column must show whole, beside its header: longer cells (a source of
# another dataset) are elided and read in full in their tooltip. "task" is measured over the
# short task names. The image column takes what is left (it stretches).
_WIDEST = {"id": "260000", "status": "", "held": "", "task": "", "source": "ThermalWorld",
           "edited": "", "warnings": f"{_WARNING_MARK}9"}


def short_task(task: str) -> str:
    """The Task column's name of ``task`` ("Ped. counting")."""
    return TASK_SHORT.get(task, task)


def short_source(source: str) -> str:
    """The Source column's name of ``source``: without the index ("FLIR_ADAS")."""
    name = _SOURCE_INDEX.sub("", source, count=1)
    return SOURCE_SHORT.get(name, name)


def warning_marks(warnings: str) -> str:
    """The Warnings column's mark of ``warnings`` ("; "-joined codes): "⚠", or "⚠2" for two;
    the codes and what they mean are in the tooltip."""
    codes = [code for code in warnings.split("; ") if code]
    if not codes:
        return ""
    return _WARNING_MARK if len(codes) == 1 else f"{_WARNING_MARK}{len(codes)}"
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
        if column == COLUMN_OF["task"]:
            option.text = short_task(option.text)
        elif column == COLUMN_OF["source"]:
            option.text = short_source(option.text)
            option.textElideMode = Qt.TextElideMode.ElideMiddle
        elif column == COLUMN_OF["warnings"]:
            option.text = warning_marks(option.text)
            option.displayAlignment = Qt.AlignmentFlag.AlignCenter
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
        texts = [short_task(t.value) for t in Task] if key == "task" else [widest]
        width = max(*(cells.horizontalAdvance(t) for t in texts),
                    titles.horizontalAdvance(title)) + _PAD
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
