"""Bulk decisions in the window (issue 14), driven as a reviewer would: rows selected with
Shift+Down, Ctrl+D / Ctrl+Shift+M, the decision dialog, the counted confirmation, the
decision on a worker thread, one Ctrl+Z for all of it, and Cancel changing nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.ui.bulk_dialog import DecideDialog
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.queue.model import COLUMN_OF
from review_data import ReviewData
from test_main_window import Errors, key, open_window, shown, store

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture()
def window(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    yield from focused_window(qtbot, data)


def focused_window(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    """The window on ``data``'s project, the queue's table focused; closed after the test."""
    win, errors = open_window(qtbot, str(data.path))
    assert win.queue is not None
    win.queue.focus_table()
    qtbot.waitUntil(lambda: win.queue is not None and win.queue.table.hasFocus())
    yield win, errors
    win.close()


def statuses(data: ReviewData, ids: list[int]) -> dict[int, tuple[str, str | None, str | None]]:
    marks = ",".join("?" * len(ids))
    return {r[0]: (r[1], r[2], r[3]) for r in store(
        data, f"SELECT id, status, reject_reason, note FROM samples WHERE id IN ({marks})", *ids)}


def revisions(data: ReviewData, ids: list[int]) -> int:
    marks = ",".join("?" * len(ids))
    return int(store(data, "SELECT count(*) FROM revisions WHERE action = 'status' AND "
                     f"sample_id IN ({marks})", *ids)[0][0])


def select_rows(qtbot: QtBot, win: MainWindow, n: int) -> list[int]:
    """Select the first ``n`` rows from the keyboard (the first is current): Shift+Down."""
    assert win.queue is not None
    for _ in range(n - 1):
        key(qtbot, win, Qt.Key.Key_Down, SHIFT)
    return win.queue.selected_ids()


def open_dialog(qtbot: QtBot, win: MainWindow, *, every: bool = False) -> DecideDialog:
    if every:
        key(qtbot, win, Qt.Key.Key_M, CTRL | SHIFT)
    else:
        key(qtbot, win, Qt.Key.Key_D, CTRL)
    qtbot.waitUntil(lambda: win.bulk.dialog is not None and win.bulk.dialog.isVisible())
    assert win.bulk.dialog is not None
    return win.bulk.dialog


def confirmation(qtbot: QtBot, win: MainWindow, dialog: DecideDialog) -> QMessageBox:
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.bulk.confirm is not None and win.bulk.confirm.isVisible())
    assert win.bulk.confirm is not None
    return win.bulk.confirm


def press(qtbot: QtBot, box: QMessageBox, name: str) -> None:
    button = box.findChild(QPushButton, name) if name else box.button(
        QMessageBox.StandardButton.Cancel)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def show_location(win: MainWindow, data: ReviewData) -> list[int]:
    """Filter the queue to task Location; its Samples' ids."""
    assert win.queue is not None
    win.queue.set_filter(QueueFilter(tasks=("Location",)))
    return sorted(data.location.values())


def test_three_rows_selected_with_shift_down_are_rejected_and_one_ctrl_z_puts_them_back(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    assert win.queue is not None
    rows = [win.queue.model.id_at(n) for n in range(4)]
    ids = [sid for sid in rows[:3] if sid is not None]
    assert select_rows(qtbot, win, 3) == ids
    assert shown(win) == ids[-1]  # the current row stays the Sample shown
    before = statuses(data, rows)  # type: ignore[arg-type]

    assert win.actions_by_name["decide_selected"] in win.queue.table.actions()  # context menu
    dialog = open_dialog(qtbot, win)
    what = dialog.findChild(QLabel, "bulkWhat")
    assert what is not None and "The 3 selected samples" in what.text()
    qtbot.mouseClick(dialog.buttons_by_value["rejected"], Qt.MouseButton.LeftButton)
    dialog.reason.setCurrentIndex(dialog.reason.findData("wrong count"))
    qtbot.keyClicks(dialog.note, "three at once")
    box = confirmation(qtbot, win, dialog)
    assert "Set 3 samples to" in box.text() and "rejected (wrong count): three at once" in \
        box.text() and "Location" in box.text() and "LLVIP" in box.text()
    assert statuses(data, rows) == before  # nothing written before the confirmation
    press(qtbot, box, "bulkGo")

    qtbot.waitUntil(lambda: {statuses(data, ids)[sid][0] for sid in ids} == {"rejected"})
    assert statuses(data, ids) == dict.fromkeys(ids, ("rejected", "wrong count", "three at once"))
    assert statuses(data, rows[3:]) == {s: before[s] for s in rows[3:]}  # type: ignore[index]
    assert revisions(data, ids) == 3  # one revision each
    qtbot.waitUntil(lambda: "Set 3 samples to rejected" in win.statusBar().currentMessage())
    assert win.bulk.job is None and win.bulk.report is None and errors == []
    tip = win.queue.model.data(win.queue.model.index(0, COLUMN_OF["status"]),
                               Qt.ItemDataRole.ToolTipRole)
    assert "rejected" in str(tip)  # the queue's row was read again

    win.queue.focus_table()
    key(qtbot, win, Qt.Key.Key_Z, CTRL)  # ONE undo step for all three
    qtbot.waitUntil(lambda: statuses(data, rows) == before)
    assert revisions(data, ids) == 6
    assert not win.undo_stack.canUndo()
    assert "Undid: set 3 samples to rejected" in win.statusBar().currentMessage()

    key(qtbot, win, Qt.Key.Key_Z, CTRL | SHIFT)  # and one redo
    qtbot.waitUntil(lambda: {statuses(data, ids)[sid][0] for sid in ids} == {"rejected"})
    assert revisions(data, ids) == 9 and win.undo_stack.canUndo()


def test_ctrl_and_shift_clicks_select_rows_and_the_clicked_one_is_shown(
        qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]
    assert win.queue is not None
    table, model = win.queue.table, win.queue.model
    rows = [model.id_at(n) for n in range(6)]

    def click(row: int, mods: Qt.KeyboardModifier) -> None:
        spot = table.visualRect(model.index(row, 0)).center()
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, mods, spot)

    click(3, CTRL)
    assert win.queue.selected_ids() == [rows[0], rows[3]] and shown(win) == rows[3]
    click(5, SHIFT)  # from the row clicked last, the rows selected before kept (Qt's way)
    assert win.queue.selected_ids() == [rows[0], *rows[3:6]] and shown(win) == rows[5]
    assert win.queue.selected_count() == 4
    click(1, Qt.KeyboardModifier.NoModifier)  # a plain click: that row alone
    assert win.queue.selected_ids() == [rows[1]] and shown(win) == rows[1]


def test_the_review_keys_act_on_the_shown_sample_only_not_on_the_selection(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    ids = select_rows(qtbot, window[0], 3)
    win = window[0]
    assert len(ids) == 3
    key(qtbot, win, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: statuses(data, ids)[ids[-1]][0] == "approved")
    assert [statuses(data, ids)[sid][0] for sid in ids[:2]] == ["pending", "pending"]
    assert f"Decided sample {ids[-1]} only" in win.statusBar().currentMessage()


def test_all_matching_the_filter_are_approved_from_the_review_menu_and_others_left_alone(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    location = show_location(win, data)
    others = sorted(data.caption.values())
    n = len(location)
    assert win.progress_label.text() == f"0 / {n} decided"
    menu = win.menus["&Review"]
    menu.popup(win.mapToGlobal(win.rect().center()))
    qtbot.waitUntil(menu.isVisible)
    every = win.actions_by_name["decide_matching"]
    assert every.text() == f"Decide all {n} &matching the filter…"  # the count, in the menu
    menu.setActiveAction(every)
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.bulk.dialog is not None and win.bulk.dialog.isVisible())
    assert win.bulk.dialog is not None
    said = [label.text() for label in win.bulk.dialog.findChildren(QLabel)]
    # the filter names no status: every status is decided, and the dialog must say so
    assert f"All {n} samples matching the queue's filter: any status; tasks Location." in said
    box = confirmation(qtbot, win, win.bulk.dialog)  # approve is the first choice
    assert f"Set {n} samples to <b>approved</b>" in box.text()
    press(qtbot, box, "bulkGo")
    qtbot.waitUntil(lambda: {s[0] for s in statuses(data, location).values()} == {"approved"})
    assert {s[0] for s in statuses(data, others).values()} == {"pending"}
    qtbot.waitUntil(lambda: win.progress_label.text() == f"{n} / {n} decided")


def test_cancel_in_the_dialog_or_the_confirmation_changes_nothing(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    every = sorted([*data.location.values(), *data.caption.values(), *data.grounding.values()])
    before = statuses(data, every)
    dialog = open_dialog(qtbot, win, every=True)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert win.bulk.job is None and win.bulk.confirm is None  # not even counted

    dialog = open_dialog(qtbot, win, every=True)
    box = confirmation(qtbot, win, dialog)
    press(qtbot, box, "")
    qtbot.waitUntil(lambda: "Cancelled: nothing was changed" in win.statusBar().currentMessage())
    assert statuses(data, every) == before and revisions(data, every) == 0
    assert not win.undo_stack.canUndo()


def test_selected_rows_are_assigned_to_a_reviewer(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]
    ids = select_rows(qtbot, win, 2)
    dialog = open_dialog(qtbot, win)
    qtbot.mouseClick(dialog.buttons_by_value["assign"], Qt.MouseButton.LeftButton)
    assert not dialog.ok.isEnabled()  # a name first
    qtbot.keyClicks(dialog.reviewer, "bo")
    box = confirmation(qtbot, win, dialog)
    assert "Give <b>bo</b> 2 samples, all the 2 selected" in box.text()
    assert store(data, "SELECT count(*) FROM assignments") == [(0,)]
    press(qtbot, box, "bulkGo")
    qtbot.waitUntil(lambda: "Assigned 2 samples to bo" in win.statusBar().currentMessage())
    assert sorted(r[0] for r in store(data, "SELECT sample_id FROM assignments WHERE who = 'bo'")
                  ) == sorted(ids)


def batch_of(data: ReviewData, who: str) -> list[int]:
    return sorted(r[0] for r in store(data, "SELECT sample_id FROM assignments WHERE who = ?",
                                      who))


def give(data: ReviewData, sid: int, who: str) -> None:
    """An assignment made before (by another lead, at another time)."""
    store(data, "INSERT INTO assignments (sample_id, who, by, at) VALUES (?, ?, 'kim', "
          "'2026-01-01T00:00:00.000+00:00')", sid, who)


def assign_confirmation(qtbot: QtBot, win: MainWindow, to: str, *,
                        every: bool = False) -> QMessageBox:
    dialog = open_dialog(qtbot, win, every=every)
    qtbot.mouseClick(dialog.buttons_by_value["assign"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.reviewer, to)
    return confirmation(qtbot, win, dialog)


def test_assigning_the_selection_is_one_undo_step_that_leaves_older_assignments(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    ids = select_rows(qtbot, win, 4)
    give(data, ids[0], "bob")  # in bob's batch already: the undo must leave it there
    box = assign_confirmation(qtbot, win, "bob")
    press(qtbot, box, "bulkGo")
    qtbot.waitUntil(lambda: batch_of(data, "bob") == sorted(ids))
    qtbot.waitUntil(lambda: "Assigned 3 samples to bob" in win.statusBar().currentMessage())
    assert win.bulk.job is None and errors == []

    assert win.queue is not None
    win.queue.focus_table()
    key(qtbot, win, Qt.Key.Key_Z, CTRL)  # one step: none of the three assigned
    qtbot.waitUntil(lambda: batch_of(data, "bob") == [ids[0]])
    assert not win.undo_stack.canUndo()
    assert "Undid: assign 3 samples to bob; 3 taken back" in win.statusBar().currentMessage()
    key(qtbot, win, Qt.Key.Key_Z, CTRL | SHIFT)  # and assigned again
    qtbot.waitUntil(lambda: batch_of(data, "bob") == sorted(ids))
    assert "Redid: assign 3 samples to bob; 3 given" in win.statusBar().currentMessage()
    assert win.undo_stack.canUndo() and errors == []


def test_the_assign_confirmation_counts_what_is_given_and_says_what_is_left_out(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    ids = select_rows(qtbot, win, 6)
    store(data, "UPDATE samples SET status = 'approved' WHERE id = ?", ids[0])
    give(data, ids[1], "cy")
    box = assign_confirmation(qtbot, win, "bob")
    text = box.text()
    assert "Give <b>bob</b> 4 samples of the 6 selected" in text
    assert "total" in text and "LLVIP" in text  # per task and source, as a decision's
    assert "1 left out: not pending" in text and "1 left out: already in a batch" in text
    go = box.findChild(QPushButton, "bulkGo")
    assert go is not None and go.text() == "Assign 4 samples"
    press(qtbot, box, "bulkGo")
    qtbot.waitUntil(lambda: len(batch_of(data, "bob")) == 4)
    assert batch_of(data, "bob") == sorted(ids[2:]) and batch_of(data, "cy") == [ids[1]]
    assert errors == []


def test_assigning_all_matching_counts_the_pending_ones_only(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    location = show_location(win, data)
    store(data, "UPDATE samples SET status = 'flagged' WHERE id = ?", location[0])
    box = assign_confirmation(qtbot, win, "bob", every=True)
    n = len(location)
    assert f"Give <b>bob</b> {n - 1} samples of the {n} matching the filter" in box.text()
    assert "1 left out: not pending" in box.text()
    press(qtbot, box, "")
    qtbot.waitUntil(lambda: "Cancelled: nothing was changed" in win.statusBar().currentMessage())
    assert batch_of(data, "bob") == []


def test_a_key_decision_undone_first_leaves_the_bulk_undo_whole(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    """Reject 3 at once, P on the shown one, Ctrl+Z, Ctrl+Z: all 3 are put back, the one
    set to pending and back included."""
    win, errors = window
    ids = select_rows(qtbot, win, 3)
    before = statuses(data, ids)
    dialog = open_dialog(qtbot, win)
    qtbot.mouseClick(dialog.buttons_by_value["rejected"], Qt.MouseButton.LeftButton)
    dialog.reason.setCurrentIndex(dialog.reason.findData("wrong count"))
    press(qtbot, confirmation(qtbot, win, dialog), "bulkGo")
    qtbot.waitUntil(lambda: {statuses(data, ids)[sid][0] for sid in ids} == {"rejected"})
    qtbot.waitUntil(lambda: "Set 3 samples to rejected" in win.statusBar().currentMessage())
    assert win.queue is not None
    win.queue.focus_table()
    key(qtbot, win, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: statuses(data, ids)[ids[-1]][0] == "pending")
    key(qtbot, win, Qt.Key.Key_Z, CTRL)  # the P
    qtbot.waitUntil(lambda: statuses(data, ids)[ids[-1]][0] == "rejected")
    key(qtbot, win, Qt.Key.Key_Z, CTRL)  # the bulk reject
    qtbot.waitUntil(lambda: "Undid: set 3 samples to rejected" in
                    win.statusBar().currentMessage())
    assert statuses(data, ids) == before
    assert "3 put back" in win.statusBar().currentMessage()
    assert "changed by someone since" not in win.statusBar().currentMessage()
    assert errors == []


def dialog_keys(qtbot: QtBot, win: MainWindow) -> DecideDialog:
    """Ctrl+D on two selected rows; the dialog active, as a window manager makes it."""
    select_rows(qtbot, win, 2)
    dialog = open_dialog(qtbot, win)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_alt_r_chooses_reject_and_puts_the_keys_in_the_reason_where_down_changes_it(
        qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    dialog = dialog_keys(qtbot, window[0])
    first = dialog.reason.currentData()
    qtbot.keyClick(focused() or dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.chosen() == "rejected")
    qtbot.waitUntil(lambda: focused() is dialog.reason)
    qtbot.keyClick(focused() or dialog, Qt.Key.Key_Down)
    assert dialog.chosen() == "rejected"  # Down moved the reason, not the choice
    assert dialog.reason.currentData() == dialog.reason.itemData(1) != first
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_alt_s_chooses_assign_and_puts_the_keys_in_the_name_field(
        qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    dialog = dialog_keys(qtbot, window[0])
    qtbot.keyClick(focused() or dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: focused() is dialog.reviewer)
    qtbot.keyClicks(dialog.reviewer, "bo")
    assert dialog.choice() == ("assign", "bo") and dialog.ok.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_tab_from_the_assign_choice_reaches_the_name_field(
        qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    dialog = dialog_keys(qtbot, window[0])
    assign = dialog.buttons_by_value["assign"]
    qtbot.mouseClick(assign, Qt.MouseButton.LeftButton)
    assign.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: focused() is assign)
    qtbot.keyClick(assign, Qt.Key.Key_Tab)
    assert focused() is dialog.reviewer
    reject = dialog.buttons_by_value["rejected"]
    qtbot.mouseClick(reject, Qt.MouseButton.LeftButton)
    reject.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.keyClick(reject, Qt.Key.Key_Tab)  # the reason is next to Reject
    assert focused() is dialog.reason
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def approve_rows(qtbot: QtBot, win: MainWindow, rows: range) -> None:
    """Rows clicked (the first) and Shift clicked (the last), approved with Ctrl+D."""
    assert win.queue is not None
    table, model = win.queue.table, win.queue.model
    for row, mods in ((rows[0], Qt.KeyboardModifier.NoModifier), (rows[-1], SHIFT)):
        spot = table.visualRect(model.index(row, 0)).center()
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, mods, spot)
    press(qtbot, confirmation(qtbot, win, open_dialog(qtbot, win)), "bulkGo")


def test_samples_already_approved_are_said_in_the_status_bar_without_a_report_box(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]
    assert win.queue is not None
    first = win.queue.model.id_at(0)
    assert first is not None
    win.review_keys.approve_without_images = True  # its images are not on disk: no question
    key(qtbot, win, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: statuses(data, [first])[first][0] == "approved")
    approve_rows(qtbot, win, range(3))
    qtbot.waitUntil(lambda: "Set 2 samples to approved; left alone: 1 already approved"
                    in win.statusBar().currentMessage())
    assert win.bulk.report is None


def test_samples_with_bad_markup_left_alone_are_reported_in_a_box(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]
    assert win.queue is not None
    bad = win.queue.model.id_at(1)
    store(data, "UPDATE samples SET warnings = 'bad-markup' WHERE id = ?", bad)
    approve_rows(qtbot, win, range(3))
    qtbot.waitUntil(lambda: win.bulk.report is not None and win.bulk.report.isVisible())
    assert win.bulk.report is not None and "1 with bad markup" in win.bulk.report.text()
    win.bulk.report.close()


def test_the_one_shown_only_remark_goes_with_the_next_decision(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win = window[0]
    assert win.queue is not None
    ids = select_rows(qtbot, win, 3)
    key(qtbot, win, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: f"Decided sample {ids[-1]} only" in win.statusBar().currentMessage())
    other = win.queue.model.id_at(5)
    assert other is not None
    spot = win.queue.table.visualRect(win.queue.model.index(5, 0)).center()
    qtbot.mouseClick(win.queue.table.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    win.review_keys.approve_without_images = True  # no question if its images are missing
    key(qtbot, win, Qt.Key.Key_A)  # one row selected: the shown one, approved
    qtbot.waitUntil(lambda: statuses(data, [other])[other][0] == "approved")
    assert "only, the one shown" not in win.statusBar().currentMessage()


def test_a_bulk_flag_that_empties_the_queue_leaves_the_sample_panel_empty(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    """As a filter that selects nothing does (README: review keys act only on a sample the
    queue shows): the last sample shown must not stay in the panel for A to decide again."""
    win, errors = window
    queue = win.queue
    assert queue is not None
    queue.set_filter(QueueFilter(statuses=("pending",), tasks=("Location",)))
    ids = sorted(data.location.values())
    qtbot.waitUntil(lambda: shown(win) in ids and win.panel.sample_id == shown(win))
    queue.focus_table()
    dialog = open_dialog(qtbot, win, every=True)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(focused() or dialog, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # &Flag
    qtbot.waitUntil(lambda: dialog.chosen() == "flagged")
    press(qtbot, confirmation(qtbot, win, dialog), "bulkGo")
    qtbot.waitUntil(lambda: {statuses(data, ids)[sid][0] for sid in ids} == {"flagged"})
    qtbot.waitUntil(lambda: queue.model.rowCount() == 0)
    qtbot.waitUntil(lambda: win.panel.sample_id is None)
    assert shown(win) is None
    queue.focus_table()
    key(qtbot, win, Qt.Key.Key_A)  # nothing shown: nothing approved
    assert {statuses(data, ids)[sid][0] for sid in ids} == {"flagged"}

    key(qtbot, win, Qt.Key.Key_Z, CTRL)  # the queue fills again, and the panel with it
    qtbot.waitUntil(lambda: queue.model.rowCount() == len(ids))
    qtbot.waitUntil(lambda: shown(win) in ids and win.panel.sample_id == shown(win))
    assert errors == []
