"""Team work in the window, driven from the keyboard and the dock's controls: next pending
passes over a Sample another reviewer holds, the queue and the status bar say who holds
what, leaving and closing release the window's lease, a lead assigns a batch and a reviewer
filters the queue to "My batch"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.team import Holder, TeamWork
from irtd_annotator.ui import team as team_ui
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.queue.dock import QueueDock
from irtd_annotator.ui.queue.model import COLUMN_OF
from irtd_annotator.ui.team import AssignDialog
from review_data import ReviewData
from test_main_window import key, open_window, shown
from test_queue_model import FakeBigSession


@pytest.fixture()
def window(qtbot: QtBot, data: ReviewData) -> Iterator[MainWindow]:
    win, errors = open_window(qtbot, str(data.path))
    yield win
    win.close()
    assert errors == []


@pytest.fixture()
def bob(data: ReviewData) -> Iterator[TeamWork]:
    """Bob, reviewing in another window (another session) on the same file."""
    with Project.open(data.path, create=False) as project:
        yield TeamWork(project, annotator="Bob")


def leases(data: ReviewData) -> dict[int, str]:
    with sqlite3.connect(data.path) as conn:
        return dict(conn.execute("SELECT sample_id, who FROM leases").fetchall())


def held_by(win: MainWindow, sample_id: int) -> str:
    """The queue's Held by cell of a Sample."""
    assert win.queue is not None
    model = win.queue.model
    row = model.row_of(sample_id)
    assert row is not None
    return str(model.data(model.index(row, COLUMN_OF["held"])))


def test_next_pending_passes_over_a_sample_another_reviewer_holds(
        qtbot: QtBot, data: ReviewData, window: MainWindow, bob: TeamWork) -> None:
    win = window
    g1, l1, c1 = data.grounding["190001"], data.location["190001"], data.caption["190001"]
    assert shown(win) == g1
    assert leases(data) == {g1: "Ada"}             # the Sample shown is hers
    assert bob.take(l1) is not None and bob.take(l1).mine
    key(qtbot, win, "N")
    assert shown(win) == c1                        # l1 is Bob's: passed over
    assert leases(data) == {l1: "Bob", c1: "Ada"}  # g1 was let go on leaving
    qtbot.waitUntil(lambda: held_by(win, l1) == "Bob")
    assert held_by(win, c1) == "Ada" and held_by(win, g1) == ""
    assert win.team.held_label.text() == ""
    header = win.queue.table.horizontalHeader()  # Held by is no sort key: the sort stays
    header.setSortIndicator(COLUMN_OF["held"], Qt.SortOrder.DescendingOrder)
    assert win.queue.current_filter().sort == "id" and header.sortIndicatorSection() == 0
    # opened by hand, a Sample Bob holds stays his, says so, and can still be reviewed
    key(qtbot, win, "K")
    assert shown(win) == l1
    qtbot.waitUntil(lambda: win.team.held_label.text() == "Held by Bob")  # once she stays
    assert leases(data) == {l1: "Bob"}
    key(qtbot, win, "A")
    with sqlite3.connect(data.path) as conn:
        assert conn.execute("SELECT status, decided_by FROM samples WHERE id=?",
                            (l1,)).fetchall() == [("approved", "Ada")]
    key(qtbot, win, "J")
    assert shown(win) == c1 and win.team.held_label.text() == ""
    qtbot.waitUntil(lambda: leases(data) == {l1: "Bob", c1: "Ada"})


def test_next_pending_says_the_pending_samples_are_held_by_others(
        qtbot: QtBot, data: ReviewData, window: MainWindow) -> None:
    with sqlite3.connect(data.path) as conn:
        pending = int(conn.execute(
            "SELECT count(*) FROM samples WHERE status='pending'").fetchone()[0])
    assert pending > 2
    with Project.open(data.path, create=False) as project:
        lead = TeamWork(project, annotator="Lea")
        assert lead.assign(QueueFilter(), to="Bob", count=pending) == pending
        key(qtbot, window, "N")
    assert window.statusBar().currentMessage() == (
        f"No pending sample is free for you: {pending:,} pending are held by others "
        "or in others' batches")


def test_leaving_and_closing_the_window_release_its_lease(
        qtbot: QtBot, data: ReviewData, bob: TeamWork) -> None:
    win, errors = open_window(qtbot, str(data.path))
    g1, l1 = data.grounding["190001"], data.location["190001"]
    assert leases(data) == {g1: "Ada"}
    key(qtbot, win, "J")
    assert shown(win) == l1
    qtbot.waitUntil(lambda: leases(data) == {l1: "Ada"})  # held once she stays
    assert bob.next_pending(None, [g1, l1]) == g1  # free again for the others
    win.close()
    assert leases(data) == {g1: "Bob"}
    assert errors == []


def test_input_in_the_window_renews_its_lease_at_most_once_a_minute(
        qtbot: QtBot, data: ReviewData, window: MainWindow,
        monkeypatch: pytest.MonkeyPatch) -> None:
    g1 = data.grounding["190001"]

    def until() -> float:
        with sqlite3.connect(data.path) as conn:
            return float(conn.execute("SELECT until FROM leases WHERE sample_id=?",
                                      (g1,)).fetchone()[0])

    taken = until()
    key(qtbot, window, "Q")  # input, but the lease was written a moment ago
    QApplication.processEvents()
    assert until() == taken
    monkeypatch.setattr(team_ui, "RENEW_AFTER_S", 0.0)  # as if the minute had passed
    key(qtbot, window, "Q")
    qtbot.waitUntil(lambda: until() > taken)


def test_a_lead_assigns_a_batch_and_a_reviewer_filters_to_my_batch(
        qtbot: QtBot, data: ReviewData, window: MainWindow, bob: TeamWork) -> None:
    win = window
    assert win.queue is not None
    g1, l1, c1 = data.grounding["190001"], data.location["190001"], data.caption["190001"]
    g2 = data.grounding["190002"]
    # Review > Assign batch...: Ada's two first pending Samples, then Bob's next two
    for name in ("Ada", "Bob"):
        def fill(name: str = name) -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, AssignDialog):
                QTimer.singleShot(10, fill)  # not shown yet
                return
            qtbot.keyClicks(dialog.name, name)
            dialog.count.selectAll()
            qtbot.keyClicks(dialog.count, "2")
            qtbot.keyClick(dialog.count, Qt.Key.Key_Return)

        QTimer.singleShot(0, fill)
        win.actions_by_name["assign"].trigger()
    assert win.statusBar().currentMessage() == "Assigned 2 samples to Bob"
    with sqlite3.connect(data.path) as conn:
        assert dict(conn.execute("SELECT sample_id, who FROM assignments").fetchall()) == {
            g1: "Ada", l1: "Ada", c1: "Bob", data.grounding["190002"]: "Bob"}
    # "My batch" in the queue dock
    check = win.queue.batch_check
    assert check.isVisible() and not check.isChecked()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert win.queue.current_ids() == [g1, l1]
    assert win.queue.count_label.text() == "2 samples"
    assert win.queue.current_filter().assigned_to == "Ada"
    key(qtbot, win, "N")
    assert shown(win) == l1
    key(qtbot, win, "N")
    assert shown(win) == g1                        # her batch wraps round
    assert bob.next_pending(None, [g1, l1, c1, g2]) == c1  # Bob's batch, never Ada's
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert len(win.queue.current_ids()) == 18


def test_two_windows_on_one_file_pressing_next_pending_get_different_samples(
        qtbot: QtBot, data: ReviewData) -> None:
    ada, ada_errors = open_window(qtbot, str(data.path), annotator="Ada")
    bob, bob_errors = open_window(qtbot, str(data.path), annotator="Bob")
    g1, l1, c1 = data.grounding["190001"], data.location["190001"], data.caption["190001"]
    g2 = data.grounding["190002"]
    assert shown(ada) == shown(bob) == g1           # both open on the first Sample ...
    assert bob.team.held_label.text() == "Held by Ada"  # ... which Ada holds
    key(qtbot, bob, "N")
    assert shown(bob) == l1                         # g1 is Ada's: Bob gets the next one
    key(qtbot, ada, "N")
    assert shown(ada) == c1                         # and Ada the one after
    key(qtbot, bob, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # approve and next
    assert shown(bob) == g2                         # c1 is Ada's
    assert leases(data) == {c1: "Ada", g2: "Bob"}   # g1 and l1 were let go on leaving
    for win in (ada, bob):
        win.close()
    assert leases(data) == {}
    assert ada_errors == bob_errors == []


def test_held_by_reads_the_rows_on_screen_only_of_a_big_queue(qtbot: QtBot) -> None:
    dock = QueueDock(FakeBigSession())  # 100,000 Samples
    qtbot.addWidget(dock)
    dock.resize(600, 500)
    dock.show()
    qtbot.waitUntil(lambda: dock.current_id() == 1)
    asked: list[list[int]] = []

    def holders(ids: Sequence[int]) -> dict[int, Holder]:
        asked.append(list(ids))
        return {sid: Holder("Bob", mine=False) for sid in ids if sid % 2 == 0}

    dock.holders.set_source(holders)
    shown_rows = asked[-1]
    assert shown_rows[0] == 1 and 5 < len(shown_rows) < 60  # a screenful, not 100,000
    model = dock.model
    assert [model.data(model.index(r, COLUMN_OF["held"])) for r in range(4)] == [
        "", "Bob", "", "Bob"]
    dock.table.scrollToBottom()
    qtbot.waitUntil(lambda: asked[-1][-1] == 100_000)  # read again once the scroll settles
    assert len(asked[-1]) < 60
    dock.holders.set_source(None)
