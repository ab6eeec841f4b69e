"""The window's Audits panel (issue 14) driven as a lead would: View > Audits by its key, an
audit made through New audit…, its samples reviewed with A, the numbers moving, Accept…
and one Ctrl+Z; refusals and errors as one clear line that changes nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from audit_data import build_audit_project, drawn, set_status
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import create_audit
from irtd_annotator.ui.audits.dialogs import ConfirmDialog, NewAuditDialog
from irtd_annotator.ui.audits.panel import VERDICT_COLOURS, AuditsPanel
from irtd_annotator.ui.main_window import MainWindow
from test_main_window import Errors, activate, key, open_window, when_modal

REL = ("Relationship", "97-LLVIP")
SIZES = {REL: 30, ("Location", "63-FLIR_ADAS"): 4}
PLAN = 7  # the zero-failure plan for 20 % at 80 % in a stratum of 30 (with the correction)


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Path, dict[tuple[str, str], list[int]]]:
    path = tmp_path / "audits.db"
    return path, build_audit_project(str(path), SIZES)


@pytest.fixture()
def window(qtbot: QtBot, project: tuple[Path, dict[tuple[str, str], list[int]]]
           ) -> Iterator[tuple[MainWindow, Errors]]:
    win, errors = open_window(qtbot, str(project[0]))
    yield win, errors
    win.close()


def statuses(path: Path, ids: list[int]) -> dict[str, int]:
    marks = ",".join("?" * len(ids))
    with sqlite3.connect(path) as conn:
        return dict(conn.execute(f"SELECT status, count(*) FROM samples WHERE id IN ({marks}) "
                                 "GROUP BY status", ids).fetchall())


def open_panel(qtbot: QtBot, win: MainWindow) -> AuditsPanel:
    key(qtbot, win, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: win.audits.dock.isVisible())
    return win.audits.panel


def click(qtbot: QtBot, button: QPushButton | None) -> None:
    assert button is not None and button.isEnabled(), button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def confirm_dialog(qtbot: QtBot, win: MainWindow) -> ConfirmDialog:
    """The confirmation the job opens once it has counted (a worker thread)."""
    qtbot.waitUntil(lambda: isinstance(win.audits.confirm, ConfirmDialog)
                    and win.audits.confirm.isVisible(), timeout=20000)
    box = win.audits.confirm
    assert isinstance(box, ConfirmDialog)
    return box


def stratum(panel: AuditsPanel, label: str) -> tuple[str, ...]:
    (row,) = [r for r in panel.rows() if r[1] == label]
    return row


def reviewed_audit(path: Path, name: str, *, rejected: int) -> list[int]:
    """An audit of the Relationship samples (20 % at 80 %) whose drawn samples other
    reviewers decided: the first ``rejected`` of them rejected, the rest approved."""
    with Project.open(str(path)) as p:
        create_audit(p, name, QueueFilter(tasks=("Relationship",)), max_error=0.2,
                     confidence=0.8, seed=5, who="lead")
        ids = drawn(p, name)["Relationship|97-LLVIP"]
        set_status(p, ids[:rejected], "rejected", reason="wrong")
        if ids[rejected:]:
            set_status(p, ids[rejected:], "approved")
    return ids


def verdict_colour(panel: AuditsPanel) -> str:
    item = panel.tree.topLevelItem(0)
    assert item is not None and item.child(0) is not None
    return item.child(0).foreground(8).color().name()


def test_audit_made_reviewed_accepted_and_undone_through_the_window(
        qtbot: QtBot, project: tuple[Path, dict[tuple[str, str], list[int]]],
        window: tuple[MainWindow, Errors]) -> None:
    path, ids = project
    win, errors = window
    panel = open_panel(qtbot, win)
    assert panel.rows() == [] and "No audit yet" in panel.note.text()

    # New audit…: a name, the Relationship samples, 20 % at 80 %, seed 7; the plan first
    click(qtbot, panel.buttons["new"])
    dialog = win.audits.dialog
    assert isinstance(dialog, NewAuditDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.name_edit, "rel")
    click_radio = dialog.from_choice
    qtbot.mouseClick(click_radio, Qt.MouseButton.LeftButton, pos=click_radio.rect().center())
    dialog.task_combo.setFocus()
    while dialog.task_combo.currentText() != "Relationship":
        qtbot.keyClick(dialog.task_combo, Qt.Key.Key_Down)
    for box, value in ((dialog.max_error, "20"), (dialog.confidence, "80")):
        box.selectAll()
        qtbot.keyClicks(box, value)
    dialog.seed_edit.selectAll()
    qtbot.keyClicks(dialog.seed_edit, "7")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)  # Show the plan…
    plan = confirm_dialog(qtbot, win)
    assert "draw 7 samples to review in 1 strata" in plan.question.text()
    assert "Relationship / 97-LLVIP" in plan.table.toPlainText()
    assert "Location" not in plan.table.toPlainText()
    with Project.open(str(path)) as p:
        assert drawn(p, "rel") == {}  # nothing written before Create
    click(qtbot, plan.go)
    qtbot.waitUntil(lambda: len(panel.rows()) == 1, timeout=20000)
    row = stratum(panel, "Relationship / 97-LLVIP")
    assert row[2:7] == ("30", str(PLAN), str(PLAN), "0", "0") and row[9:] == ("continue", "0")
    assert verdict_colour(panel) == VERDICT_COLOURS["continue"]
    with Project.open(str(path)) as p:
        audit_ids = drawn(p, "rel")["Relationship|97-LLVIP"]
    assert len(audit_ids) == PLAN and errors == []

    # Review this audit: the queue shows the audit's samples from the first pending
    click(qtbot, panel.buttons["review"])
    assert win.queue is not None and win.controller is not None
    assert win.queue.current_filter() == QueueFilter(audit="rel")
    assert win.queue.audit_combo.isVisible() and win.queue.audit_combo.currentText() == "Audit: rel"
    assert sorted(win.queue.current_ids()) == audit_ids
    assert win.controller.current_id == audit_ids[0]

    # each approved with A (then J): the panel's numbers move after each decision; the test
    # project has no image files, which the first A asks about once
    when_modal(QMessageBox, lambda box: qtbot.keyClick(box, Qt.Key.Key_Y))
    for n in range(1, PLAN + 1):
        key(qtbot, win, Qt.Key.Key_A)
        qtbot.waitUntil(lambda n=n: stratum(panel, "Relationship / 97-LLVIP")[5] == str(n))
        key(qtbot, win, Qt.Key.Key_J)
    assert statuses(path, audit_ids) == {"approved": PLAN}
    row = stratum(panel, "Relationship / 97-LLVIP")
    assert row[5:7] == (str(PLAN), "0") and row[9] == "accept"
    assert verdict_colour(panel) == VERDICT_COLOURS["accept"]

    # Accept…: the count to confirm, then the rest of the stratum is accepted
    rest = sorted(set(ids[REL]) - set(audit_ids))
    click(qtbot, panel.buttons["accept"])
    box = confirm_dialog(qtbot, win)
    assert f"Give {len(rest)} samples the status 'accepted' by audit rel" in box.question.text()
    click(qtbot, box.go)
    qtbot.waitUntil(lambda: stratum(panel, "Relationship / 97-LLVIP")[10] == str(len(rest)),
                    timeout=20000)
    assert statuses(path, rest) == {"accepted": len(rest)}
    assert statuses(path, ids[("Location", "63-FLIR_ADAS")]) == {"pending": 4}

    # one Ctrl+Z puts every one of them back to pending
    activate(qtbot, win)
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: statuses(path, rest) == {"pending": len(rest)})
    qtbot.waitUntil(lambda: stratum(panel, "Relationship / 97-LLVIP")[10] == "0")
    assert statuses(path, audit_ids) == {"approved": PLAN}  # the reviews stay
    assert errors == []


def test_a_rejected_audit_is_refused_with_its_reason_and_nothing_changes(
        qtbot: QtBot, project: tuple[Path, dict[tuple[str, str], list[int]]]) -> None:
    path, ids = project
    audit_ids = reviewed_audit(path, "bad", rejected=PLAN)
    win, errors = open_window(qtbot, str(path))
    panel = open_panel(qtbot, win)
    row = stratum(panel, "Relationship / 97-LLVIP")
    assert row[5:7] == (str(PLAN), str(PLAN)) and row[9] == "reject"
    assert verdict_colour(panel) == VERDICT_COLOURS["reject"]
    click(qtbot, panel.buttons["accept"])
    box = confirm_dialog(qtbot, win)
    assert box.go is None and "Nothing to accept by audit bad" in box.question.text()
    assert "refused Relationship / 97-LLVIP: verdict reject" in box.table.toPlainText()
    box.reject()
    rest = sorted(set(ids[REL]) - set(audit_ids))
    assert statuses(path, rest) == {"pending": len(rest)}
    assert not win.undo_stack.canUndo()

    # a second audit of the same name: one clear line, nothing drawn
    click(qtbot, panel.buttons["new"])
    dialog = win.audits.dialog
    assert isinstance(dialog, NewAuditDialog)
    qtbot.keyClicks(dialog.name_edit, "bad")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors == ["an audit named 'bad' exists already; choose another name"]
    assert [r[0] for r in panel.rows()] == ["bad"]
    assert QApplication.activeModalWidget() is None
    win.close()


def test_extend_draws_more_where_an_error_calls_for_it_and_the_queue_follows(
        qtbot: QtBot, project: tuple[Path, dict[tuple[str, str], list[int]]]) -> None:
    path, _ids = project
    first = reviewed_audit(path, "ext", rejected=1)
    win, errors = open_window(qtbot, str(path))
    assert win.queue is not None
    panel = open_panel(qtbot, win)
    row = stratum(panel, "Relationship / 97-LLVIP")
    assert row[3:7] == (str(PLAN), str(PLAN), str(PLAN), "1") and row[9] == "continue"

    # the queue's filter offers the audit: chosen from the keyboard
    combo = win.queue.audit_combo
    assert combo.isVisible() and combo.itemText(1) == "Audit: ext"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert win.queue.current_filter().audit == "ext"
    assert sorted(win.queue.current_ids()) == first

    click(qtbot, panel.buttons["extend"])
    more = 13  # the plan for one error found: 20 % at 80 % in a stratum of 30
    qtbot.waitUntil(lambda: stratum(panel, "Relationship / 97-LLVIP")[3:5] == (
        str(more), str(more)), timeout=20000)
    assert stratum(panel, "Relationship / 97-LLVIP")[5:7] == (str(PLAN), "1")
    qtbot.waitUntil(lambda: len(win.queue.current_ids()) == more)  # read again
    assert "drew 6 more samples" in win.statusBar().currentMessage()

    qtbot.keyClick(combo, Qt.Key.Key_Up)  # "Any audit or none": every sample again
    assert win.queue.current_filter().audit is None and len(win.queue.current_ids()) == 34
    assert errors == []
    win.close()
