"""The queue's layout changes keep every persistent index on its Sample (issue 11, item 6).

A view answers ``layoutAboutToBeChanged`` by saving its selection as new persistent indexes
(QItemSelectionModel does), so the model must collect its persistent indexes after that
signal, or those are left at their old rows and the selection lands on another Sample.
On a real store, with windows of 3 ids so that a change crosses windows.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex
from PySide6.QtWidgets import QAbstractItemView, QTableView
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.ui.queue.model import ID_ROLE, QueueModel

PENDING = QueueFilter(statuses=("pending",))


def _windowed(session: ReviewSession) -> tuple[QueueModel, list[int]]:
    """A model of the "pending" filter in windows of 3 ids, and the pending ids in order."""
    model = QueueModel(session, window_size=3, page_size=2)
    model.set_filter(PENDING)
    pending = session.query_ids(PENDING)
    assert session.windowed(PENDING) and len(pending) >= 12  # several windows
    return model, pending


def _shown(model: QueueModel) -> list[int | None]:
    return [model.id_at(row) for row in range(model.rowCount())]


def _table(qtbot: QtBot, model: QueueModel) -> QTableView:
    view = QTableView()
    qtbot.addWidget(view)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def _selected_ids(view: QTableView) -> list[int]:
    selection = view.selectionModel()
    return sorted({index.data(ID_ROLE) for index in selection.selectedIndexes()})


# The C++ QAbstractItemModelTester reports a broken rule as a Qt warning: make it a failure.
@pytest.mark.qt_log_level_fail("WARNING")
def test_the_model_tester_passes_while_samples_leave_a_windowed_filter(
        qtmodeltester: Any, session: ReviewSession) -> None:
    model, pending = _windowed(session)
    qtmodeltester.check(model)
    looked_at = pending[4]
    assert model.row_of(looked_at) == 4  # the user opened it from the queue
    # approved out of the filter while looked at: pinned at its row
    model.refresh(session.set_status(looked_at, "approved"), keep=looked_at)
    assert _shown(model) == pending
    # another Sample, in an earlier window, leaves: the rows after it move up one
    model.refresh(session.set_status(pending[1], "approved"), keep=looked_at)
    rest = [sid for sid in pending if sid != pending[1]]
    assert _shown(model) == rest
    # a Sample the filter does not select, opened anyway: pinned after the first row
    assert model.pin(pending[1], after=pending[0])
    assert _shown(model) == [pending[0], pending[1]] + rest[1:]
    # a later Sample leaves: the filter is read again, only the Sample looked at stays pinned
    model.refresh(session.set_status(pending[8], "flagged"), keep=looked_at)
    assert _shown(model) == [sid for sid in rest if sid != pending[8]]
    # one in the last window leaves while nothing is looked at: no pin left
    model.refresh(session.set_status(pending[-1], "rejected", reason="ambiguous"))
    assert _shown(model) == [sid for sid in pending if sid not in
                             (pending[1], looked_at, pending[8], pending[-1])]
    model.requery()
    assert looked_at not in _shown(model) and model.rowCount() == len(pending) - 4


def test_a_tables_selection_stays_on_its_sample_when_rows_move(
        qtbot: QtBot, session: ReviewSession) -> None:
    model, pending = _windowed(session)
    view = _table(qtbot, model)
    looked_at, chosen = pending[4], pending[7]
    view.setCurrentIndex(model.index(model.row_of(looked_at), 0))
    view.selectionModel().select(
        model.index(model.row_of(chosen), 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert _selected_ids(view) == [looked_at, chosen]
    # a slot that keeps an index of its own when the layout is about to change
    held: list[QPersistentModelIndex] = []
    model.layoutAboutToBeChanged.connect(
        lambda *_: held.append(QPersistentModelIndex(model.index(model.row_of(chosen), 0))))

    # the Sample looked at is approved out of the filter: pinned, nothing moves
    with qtbot.waitSignal(model.layoutChanged, timeout=1000):
        model.refresh(session.set_status(looked_at, "approved"), keep=looked_at)
    assert _selected_ids(view) == [looked_at, chosen]
    assert held[-1].data(ID_ROLE) == chosen

    # a Sample in an earlier window leaves: the selection moves up with its Samples
    with qtbot.waitSignal(model.layoutChanged, timeout=1000):
        model.refresh(session.set_status(pending[0], "approved"), keep=looked_at)
    assert model.row_of(chosen) == 6
    assert _selected_ids(view) == [looked_at, chosen]
    assert view.currentIndex().data(ID_ROLE) == looked_at
    assert held[-1].data(ID_ROLE) == chosen and held[-1].row() == 6

    # the selected Sample itself leaves (nothing kept): it is no longer selected
    with qtbot.waitSignal(model.layoutChanged, timeout=1000):
        model.refresh(session.set_status(chosen, "flagged"), keep=looked_at)
    assert _selected_ids(view) == [looked_at]
    assert not held[-1].isValid()
