"""The queue: a lazy table model over Sample ids, and the dock with its filters.

On a real store built from the real data, and on a fake session of 100,000 ids that counts
what the model asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import Changes, QueueFilter, QueueRow, ReviewSession
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.model import COLUMN_OF, ID_ROLE, QueueModel
from review_data import ReviewData

BIG = 100_000
PAGE = 200


class CountingSession:
    """A real ReviewSession that records every id query and row fetch."""

    def __init__(self, session: ReviewSession) -> None:
        self.session = session
        self.queries: list[QueueFilter] = []
        self.fetches: list[list[int]] = []

    def query_ids(self, flt: QueueFilter) -> list[int]:
        self.queries.append(flt)
        return self.session.query_ids(flt)

    def rows(self, ids: Sequence[int]) -> dict[int, QueueRow]:
        self.fetches.append(list(ids))
        return self.session.rows(ids)

    def window_ids(self, flt: QueueFilter, **kwargs: Any) -> list[int]:
        self.queries.append(flt)
        return self.session.window_ids(flt, **kwargs)

    def __getattr__(self, name: str) -> Any:  # counts, windowed, rows_before, selects, ...
        return getattr(self.session, name)


class FakeBigSession:
    """100,000 Samples that exist only as numbers: rows are made up on demand and counted."""

    def __init__(self, count: int = BIG) -> None:
        self.count = count
        self.queries = 0
        self.windows: list[tuple[int | None, int, bool]] = []  # (after, offset, descending)
        self.fetches: list[list[int]] = []

    def query_ids(self, flt: QueueFilter) -> list[int]:
        self.queries += 1
        ids = list(range(1, self.count + 1))
        return ids[::-1] if flt.descending else ids

    # a windowed filter: the count, and windows of ids in order
    def counts(self, flt: QueueFilter) -> tuple[int, int]:
        return 0, self.count

    def windowed(self, flt: QueueFilter) -> bool:
        return flt.sort == "id" and not flt.text

    def window_ids(self, flt: QueueFilter, *, after: int | None, offset: int = 0,
                   limit: int) -> list[int]:
        self.queries += after is None and offset == 0  # a filter's first read
        self.windows.append((after, offset, flt.descending))
        ids = list(range(1, self.count + 1))
        if flt.descending:
            ids.reverse()
        start = 0 if after is None else ids.index(after) + 1
        return ids[start + offset:start + offset + limit]

    def rows_before(self, flt: QueueFilter, sample_id: int) -> int:
        return self.count - sample_id if flt.descending else sample_id - 1

    def selects(self, flt: QueueFilter, sample_id: int) -> bool:
        return 1 <= sample_id <= self.count

    def rows(self, ids: Sequence[int]) -> dict[int, QueueRow]:
        self.fetches.append(list(ids))
        return {i: QueueRow(id=i, status="pending", task="Location", source="63-FLIR_ADAS",
                            image=f"63-FLIR_ADAS/training/PreviewData/FLIR_{i:05d}.jpeg",
                            edited=False, warnings="", missing=i % 7 == 0) for i in ids}

    def choices(self) -> dict[str, list[str]]:
        return {"task": ["Location"], "source": ["63-FLIR_ADAS"],
                "status": ["pending", "approved", "rejected", "flagged"]}

    def fetched_rows(self) -> set[int]:
        """Rows (0-based) fetched so far; id i sits at row i - 1 in ascending order."""
        return {i - 1 for block in self.fetches for i in block}


def display(model: QueueModel, row: int, key: str) -> Any:
    return model.data(model.index(row, COLUMN_OF[key]))


def show_table(qtbot: QtBot, model: QueueModel) -> QTableView:
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


# ---- the model on a real store ------------------------------------------------------------

def test_model_passes_the_model_tester_on_a_real_store(qtmodeltester: Any, session: ReviewSession) -> None:
    model = QueueModel(session, page_size=4, max_pages=2)
    model.set_filter(QueueFilter())
    assert model.rowCount() == 18
    qtmodeltester.check(model)
    model.set_filter(QueueFilter(tasks=("Grounding",), sort="image", descending=True))
    qtmodeltester.check(model)
    model.set_filter(QueueFilter(text="nothing says this"))
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_rows_show_the_queue_columns(qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    model = QueueModel(session)
    model.set_filter(QueueFilter())
    row = model.row_of(data.flir[0])
    assert row is not None
    assert display(model, row, "id") == str(data.flir[0])
    assert display(model, row, "status") == "pending"
    assert display(model, row, "task") == "Grounding"
    assert display(model, row, "source") == "63-FLIR_ADAS"
    assert display(model, row, "image").startswith("63-FLIR_ADAS/")
    assert display(model, row, "edited") == ""
    # A missing image is marked in the image column: icon, colour, tooltip.
    image = model.index(row, COLUMN_OF["image"])
    assert not model.data(image, Qt.ItemDataRole.DecorationRole).isNull()
    assert "missing" in model.data(image, Qt.ItemDataRole.ToolTipRole)
    assert model.data(image, Qt.ItemDataRole.ForegroundRole) is not None
    llvip = model.index(model.row_of(data.caption["190001"]), COLUMN_OF["image"])
    assert model.data(llvip, Qt.ItemDataRole.DecorationRole) is None
    assert model.data(llvip, ID_ROLE) == data.caption["190001"]
    assert model.headerData(COLUMN_OF["warnings"], Qt.Orientation.Horizontal) == "Warnings"


def test_filters_and_sort_re_query(session: ReviewSession, data: ReviewData) -> None:
    counting = CountingSession(session)
    model = QueueModel(counting)
    model.set_filter(QueueFilter(tasks=("Caption",)))
    assert model.ids() == sorted(data.caption.values())
    assert {display(model, r, "task") for r in range(model.rowCount())} == {"Caption"}
    session.set_status(data.caption["190003"], "flagged")
    session.set_status(data.caption["190001"], "approved")
    model.sort(COLUMN_OF["status"], Qt.SortOrder.DescendingOrder)
    assert model.filter.sort == "status" and model.filter.descending
    assert [display(model, r, "status") for r in range(model.rowCount())] == \
        ["pending", "pending", "pending", "flagged", "approved"]
    assert len(counting.queries) == 2
    model.sort(COLUMN_OF["status"], Qt.SortOrder.DescendingOrder)  # the same: no query
    assert len(counting.queries) == 2
    model.set_filter(QueueFilter(missing_images=True))
    assert model.ids() == data.flir


def test_refresh_updates_only_the_changed_row(qtbot: QtBot, session: ReviewSession,
                                              data: ReviewData) -> None:
    counting = CountingSession(session)
    model = QueueModel(counting)
    model.set_filter(QueueFilter())
    sid = data.grounding["190004"]
    row = model.row_of(sid)
    assert display(model, row, "status") == "pending"
    queries = len(counting.queries)
    changes = session.set_status(sid, "approved")
    with qtbot.waitSignal(model.dataChanged, timeout=1000) as blocker:
        model.refresh(changes)
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (row, row)
    assert display(model, row, "status") == "approved"
    assert len(counting.queries) == queries  # no re-query for a filter that cannot drop it
    assert counting.fetches[-1] == [sid]
    changes = session.edit_turn(sid, 1, session.sample(sid).turns[1].text + " ")
    model.refresh(changes)
    assert display(model, row, "edited") == "✓"


def test_refresh_under_a_status_filter_keeps_the_current_sample(
        qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    model = QueueModel(session)
    model.set_filter(QueueFilter(statuses=("pending",)))
    view = show_table(qtbot, model)
    first, second = data.grounding["190001"], data.location["190001"]
    view.setCurrentIndex(model.index(model.row_of(second), 0))
    model.refresh(session.set_status(second, "approved"), keep=second)
    # The sample looked at stays, in place and selected, showing its new status.
    assert model.row_of(second) == 1 and view.currentIndex().row() == 1
    assert display(model, 1, "status") == "approved"
    # Another sample leaving the filter goes away; the current row follows its sample.
    with qtbot.waitSignal(model.layoutChanged, timeout=1000):
        model.refresh(session.set_status(first, "rejected", reason="ambiguous"), keep=second)
    assert model.row_of(first) is None
    assert model.row_of(second) == 0 and view.currentIndex().row() == 0
    model.requery()
    assert model.row_of(second) is None
    assert model.rowCount() == 16


# ---- laziness on 100,000 ids ---------------------------------------------------------------------

def test_only_pages_near_the_visible_rows_are_fetched(qtbot: QtBot) -> None:
    fake = FakeBigSession()
    model = QueueModel(fake, page_size=PAGE, max_pages=8)
    model.set_filter(QueueFilter())
    assert fake.queries == 1 and fake.fetches == []
    assert model.rowCount() == BIG
    view = show_table(qtbot, model)
    qtbot.waitUntil(lambda: bool(fake.fetches))
    assert fake.fetched_rows() == set(range(PAGE))  # the first page only
    assert all(len(block) <= PAGE for block in fake.fetches)

    view.scrollTo(model.index(50_000, 0), QTableView.ScrollHint.PositionAtCenter)
    qtbot.waitUntil(lambda: any(50_000 - 1 in [i - 1 for i in b] for b in fake.fetches))
    view.viewport().repaint()
    pages = {r // PAGE for r in fake.fetched_rows()}
    assert pages <= {0, 249, 250}, pages
    assert 250 in pages
    assert len(fake.fetches) <= 4

    for page in range(0, 400, 10):  # wander through the queue: the cache stays bounded
        assert model.row_at(page * PAGE + 5) is not None
    assert len(model.cached_pages()) <= 8
    assert model.row_at(BIG - 1) is not None and model.row_at(BIG) is None


def test_sorting_and_refreshing_a_big_queue_stays_lazy(qtbot: QtBot) -> None:
    fake = FakeBigSession()
    model = QueueModel(fake, page_size=PAGE, max_pages=8)
    model.set_filter(QueueFilter())
    model.sort(COLUMN_OF["id"], Qt.SortOrder.DescendingOrder)
    assert fake.queries == 2 and model.id_at(0) == BIG
    assert model.row_at(0) is not None  # the first page is held, the one of id 3 is not
    fetches = len(fake.fetches)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))
    model.refresh(Changes(sample_ids=frozenset({BIG, 3}), status=True))
    assert fake.queries == 2  # no status filter, not sorted by status: rows only
    assert fake.fetches[fetches:] == [[BIG]]  # id 3 is fetched when its page is shown
    assert changed == [0]  # id 3's window was never read: it is not on screen
    assert model.row_of(3) == BIG - 3 and model.row_at(BIG - 3).id == 3


# ---- the dock ---------------------------------------------------------------------------------------

@pytest.fixture()
def dock(qtbot: QtBot, session: ReviewSession) -> QueueDock:
    widget = QueueDock(session)
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.model.rowCount() > 0)  # the first query waits for the loop
    return widget


def test_dock_navigation_emits_sample_activated(qtbot: QtBot, dock: QueueDock,
                                                data: ReviewData) -> None:
    assert dock.objectName() == "queueDock"
    ids = dock.current_ids()
    assert len(ids) == 18
    assert dock.current_id() == ids[0]  # the first row is current from the start
    with qtbot.waitSignal(dock.sample_activated, timeout=1000) as blocker:
        dock.set_current(ids[5])
    assert blocker.args == [ids[5]]
    assert dock.next_id(1) == ids[6] and dock.next_id(-5) == ids[0]
    assert dock.next_id(-6) is None and dock.next_id(100) is None
    dock.table.setFocus()
    with qtbot.waitSignal(dock.sample_activated, timeout=1000) as blocker:
        qtbot.keyClick(dock.table, Qt.Key.Key_Down)
    assert blocker.args == [ids[6]]
    with qtbot.waitSignal(dock.sample_activated, timeout=1000) as blocker:
        qtbot.keyClick(dock.table, Qt.Key.Key_End)
    assert blocker.args == [ids[-1]]
    # Setting the current sample again emits nothing.
    with qtbot.assertNotEmitted(dock.sample_activated):
        dock.set_current(ids[-1])


def test_dock_filters_keep_the_current_sample(qtbot: QtBot, dock: QueueDock, data: ReviewData) -> None:
    caption = data.caption["190002"]
    dock.set_current(caption)
    combo = dock.task_combo
    with qtbot.assertNotEmitted(dock.sample_activated):
        combo.setCurrentIndex(combo.findText("Caption"))
    assert dock.current_filter().tasks == ("Caption",)
    assert dock.current_ids() == sorted(data.caption.values())
    assert dock.current_id() == caption
    dock.fill_choices()  # after an import: the choice made stays
    assert combo.currentText() == "Caption" and combo.count() == 4  # all, 3 tasks
    assert dock.current_filter().tasks == ("Caption",)
    # A filter that drops the current sample makes the first row current.
    with qtbot.waitSignal(dock.sample_activated, timeout=1000) as blocker:
        dock.set_filter(QueueFilter(missing_images=True))
    assert blocker.args == [data.flir[0]]
    assert dock.task_combo.currentIndex() == 0
    assert dock.missing_check.value() is True and dock.missing_check.text() == "Missing images: yes"
    # Clicking the tri-state cycles any -> yes -> no -> any.
    with qtbot.waitSignal(dock.filter_changed, timeout=1000):
        qtbot.mouseClick(dock.missing_check, Qt.MouseButton.LeftButton)
    assert dock.current_filter().missing_images is False
    assert len(dock.current_ids()) == 15
    qtbot.mouseClick(dock.missing_check, Qt.MouseButton.LeftButton)
    assert dock.current_filter().missing_images is None
    # A filter with several statuses (restored from settings) shows in its combo.
    dock.set_filter(QueueFilter(statuses=("pending", "flagged")))
    assert dock.status_combo.currentText() == "pending, flagged"
    assert dock.count_label.text() == "18 samples"


def test_search_is_debounced_into_one_query(qtbot: QtBot, session: ReviewSession,
                                            data: ReviewData) -> None:
    counting = CountingSession(session)
    dock = QueueDock(counting)
    qtbot.addWidget(dock)
    dock.show()
    dock.set_filter(QueueFilter(sort="task"))  # as the window restores a saved filter
    assert len(counting.queries) == 1  # not one for the default filter, then another
    QApplication.processEvents()  # the deferred first load comes and finds nothing to do
    QApplication.processEvents()
    assert len(counting.queries) == 1
    before = len(counting.queries)
    with qtbot.waitSignal(dock.filter_changed, timeout=2000) as blocker:
        qtbot.keyClicks(dock.search_edit, "HEADLIGHTS")
    assert blocker.args[0].text == "HEADLIGHTS"
    assert len(counting.queries) == before + 1  # one query for the whole word
    assert sorted(dock.current_ids()) == sorted(data.caption.values())
    assert dock.count_label.text() == "5 samples"


def test_header_click_sorts_by_re_query(qtbot: QtBot, dock: QueueDock, data: ReviewData) -> None:
    header = dock.table.horizontalHeader()
    section = COLUMN_OF["task"]
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    with qtbot.waitSignal(dock.filter_changed, timeout=1000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(x, header.height() // 2))
    flt = dock.current_filter()
    assert flt.sort == "task"
    tasks = [display(dock.model, r, "task") for r in range(dock.model.rowCount())]
    assert tasks == sorted(tasks, reverse=flt.descending)
    assert header.sortIndicatorSection() == section


def test_dock_refresh_and_a_sibling_outside_the_filter(qtbot: QtBot, dock: QueueDock,
                                                       session: ReviewSession, data: ReviewData) -> None:
    dock.set_filter(QueueFilter(tasks=("Grounding",), statuses=("pending",)))
    sid = data.grounding["190003"]
    dock.set_current(sid)
    dock.refresh(session.set_status(sid, "approved"))
    assert dock.current_id() == sid and sid in dock.current_ids()  # it stays while looked at
    # Opening a Caption sibling shows it right after the current row.
    caption = data.caption["190003"]
    with qtbot.waitSignal(dock.sample_activated, timeout=1000):
        assert dock.set_current(caption)
    ids = dock.current_ids()
    assert ids[ids.index(sid) + 1] == caption
    assert not dock.set_current(999_999)


def test_dock_over_a_big_queue_fetches_little(qtbot: QtBot) -> None:
    fake = FakeBigSession()
    dock = QueueDock(fake)
    activated: list[int] = []
    dock.sample_activated.connect(activated.append)
    qtbot.addWidget(dock)
    dock.resize(600, 500)
    dock.show()
    qtbot.waitUntil(lambda: activated == [1])  # the first load makes the first row current
    dock.table.setFocus()
    with qtbot.waitSignal(dock.sample_activated, timeout=1000) as blocker:
        qtbot.keyClick(dock.table, Qt.Key.Key_End)
    assert blocker.args == [BIG]
    qtbot.keyClick(dock.table, Qt.Key.Key_PageUp)
    qtbot.keyClicks(dock.table, "xyz")  # type-to-find would scan every row: it is off
    fetched = fake.fetched_rows()
    assert len(fetched) <= 3 * PAGE  # the first page, the last one or two
    # the first window of ids, and the last one read backwards from the end
    assert fake.windows == [(None, 0, False), (None, 0, True)]
