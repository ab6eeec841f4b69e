"""The queue's columns fit (issue 13): the status is a coloured mark with its word in the
tooltip, image paths keep their file name, the task filter's entries carry their counts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import HINTS
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.queue.columns import (
    COUNT_ROLE,
    elide_path,
    short_source,
    short_task,
    warning_marks,
)
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.model import COLUMN_OF
from review_data import ReviewData
from test_main_window import open_window
from test_window_fit import LAPTOP, small_screen


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


def _real_sources(irtd_files: Path) -> set[str]:
    """The sources the real IR-TD files name (``63-FLIR_ADAS``...)."""
    found: set[str] = set()
    for file in irtd_files.glob("*.json"):
        found.update(re.findall(r'Data4MLLM/([^/"]+)/', file.read_text(encoding="utf-8")))
    return found


def test_no_task_source_or_warning_is_cut_at_the_default_width_on_a_laptop(
        qtbot: QtBot, data: ReviewData, irtd_files: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """M3: at 1366 px, every task, every real source and any warnings are read whole (the
    text as painted is no wider than its column), the full names being in the tooltips."""
    small_screen(monkeypatch, LAPTOP)
    win, errors = open_window(qtbot, str(data.path))
    try:
        assert win.queue is not None
        table = win.queue.table
        metrics, header = table.fontMetrics(), table.horizontalHeader()
        margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        sources = _real_sources(irtd_files)
        assert len(sources) >= 8, sources
        codes = [c for c in HINTS if c != "reimport-conflict"]
        cells = {"task": [(t.value, short_task(t.value)) for t in Task],
                 "source": [(s, short_source(s)) for s in sources],
                 "warnings": [("; ".join(codes[:n]), warning_marks("; ".join(codes[:n])))
                              for n in range(1, len(codes) + 1)]}
        cut = [(key, full, shown) for key, texts in cells.items() for full, shown in texts
               if metrics.horizontalAdvance(shown) + margin > header.sectionSize(COLUMN_OF[key])]
        assert cut == []
        # the queue paints the short names (its rows hold the full ones)
        model = win.queue.model
        rows = {model.index(r, COLUMN_OF["source"]).data(): r for r in range(model.rowCount())}
        assert "63-FLIR_ADAS" in rows, rows
        assert painted(win.queue, rows["63-FLIR_ADAS"], "source", 200).text == "FLIR_ADAS"
        assert errors == []
    finally:
        win.close()


def test_short_names_and_warning_marks_keep_the_full_text_in_the_tooltip() -> None:
    assert short_task("Pedestrian Counting") == "Ped. counting"
    assert short_task("Relationship") == "Relationship"
    assert short_source("63-FLIR_ADAS") == "FLIR_ADAS"
    assert short_source("23-RGBTCrowdCounting") == "RGBT-Crowd"
    assert short_source("LLVIP") == "LLVIP" and short_source("7-") == "7-"
    assert warning_marks("") == "" and warning_marks("bad-markup") == "⚠"
    assert warning_marks("bad-markup; zero-area") == "⚠2"
