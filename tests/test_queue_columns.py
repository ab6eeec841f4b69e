"""The queue's columns fit (issue 13): the status is a coloured mark with its word in the
tooltip, image paths keep their file name, the task filter's entries carry their counts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.queue.columns import COUNT_ROLE, elide_path
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.model import COLUMN_OF
from review_data import ReviewData


def dock_on(qtbot: QtBot, session: ReviewSession) -> QueueDock:
    """The queue of ``session``, its first query made (the dock need not be shown)."""
    dock = QueueDock(session)
    qtbot.addWidget(dock)
    assert dock.current_id() is not None
    return dock


def painted(dock: QueueDock, row: int, key: str, width: int = 40) -> QStyleOptionViewItem:
    """What the table's delegate paints in a cell ``width`` wide (text, elision, decoration)."""
    table = dock.table
    index = dock.model.index(row, COLUMN_OF[key])
    option = QStyleOptionViewItem()
    option.initFrom(table.viewport())
    option.rect = QRect(0, 0, width, table.verticalHeader().defaultSectionSize())
    table.itemDelegateForIndex(index).initStyleOption(option, index)
    return option


def image_of(icon: Any) -> QImage:
    return icon.pixmap(16, 16).toImage()


def test_the_status_is_a_coloured_mark_with_its_word_in_the_tooltip(
        qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    approved, rejected = data.caption["190001"], data.caption["190002"]
    session.set_status(approved, "approved")
    session.set_status(rejected, "rejected", reason="wrong count")
    dock = dock_on(qtbot, session)
    model = dock.model
    marks = {}
    for sid, word in ((approved, "approved"), (rejected, "rejected"),
                      (data.caption["190003"], "pending")):
        row = model.row_of(sid)
        assert row is not None
        cell = model.index(row, COLUMN_OF["status"])
        assert model.data(cell, Qt.ItemDataRole.ToolTipRole).startswith(word)
        assert model.data(cell) == word  # sorting and reading keep the word
        mark = model.data(cell, Qt.ItemDataRole.DecorationRole)
        assert not mark.isNull()
        marks[word] = image_of(mark)
        option = painted(dock, row, "status")
        assert option.text == "" and not option.icon.isNull()  # the mark alone, never "…roved"
    assert marks["approved"] != marks["rejected"] != marks["pending"] != marks["approved"]


def test_image_paths_keep_their_file_name(qtbot: QtBot, session: ReviewSession,
                                          data: ReviewData) -> None:
    dock = dock_on(qtbot, session)
    metrics = QFontMetrics(dock.table.font())
    path = "63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg"
    assert elide_path(path, metrics, 2000) == path
    for shown in ("63-FLIR_ADAS/…/PreviewData/FLIR_02410.jpeg", "63-FLIR_ADAS/…/FLIR_02410.jpeg",
                  "…/FLIR_02410.jpeg"):  # the source, the last folders that fit, the name
        assert elide_path(path, metrics, metrics.horizontalAdvance(shown)) == shown
    assert elide_path(path, metrics, 60).endswith("0.jpeg")  # room for less than the name
    row = dock.model.row_of(data.flir[0])
    assert row is not None
    full = dock.model.data(dock.model.index(row, COLUMN_OF["image"]))
    name = full.rpartition("/")[2]
    option = painted(dock, row, "image", width=metrics.horizontalAdvance(name) + 80)
    assert option.text.endswith("/" + name) and "…" in option.text


def test_the_task_filter_shows_the_count_of_each_task(
        qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    dock = dock_on(qtbot, session)
    combo = dock.task_combo
    view = combo.view()
    shown = {}
    for n in range(1, combo.count()):
        option = QStyleOptionViewItem()
        index = combo.model().index(n, 0)
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        shown[combo.itemText(n)] = option.text
    expected = {"Grounding": len(data.grounding) + len(data.flir), "Location": len(data.location),
                "Caption": len(data.caption)}
    assert shown == {task: f"{task} ({n:,})" for task, n in expected.items()}
    # the entries' own text stays the task: the filter, and the saved filter, use it
    combo.setCurrentIndex(combo.findText("Caption"))
    assert dock.current_filter().tasks == ("Caption",)
    assert combo.itemData(combo.findText("Caption"), COUNT_ROLE) == session.counts(
        QueueFilter(tasks=("Caption",)))[1]
