"""What the Audits panel says (issue 14's tester): the interval is two-sided while accept and
reject each test one side, said in the header's tooltip and under the table; a dash for an
estimate of nothing reviewed; an Accept's refusal reasons wrap; and an accept keeps the
Sample shown in the queue, even one Ctrl+G opened outside the queue's filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from audit_data import build_audit_project
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import create_audit
from irtd_annotator.ui.audits.panel import COLUMNS
from irtd_annotator.ui.goto import GoToDialog
from test_audits_window import (
    PLAN,
    REL,
    SIZES,
    click,
    confirm_dialog,
    open_panel,
    reviewed_audit,
    statuses,
    stratum,
)
from test_main_window import key, open_window, shown

Project_ = tuple[Path, dict[tuple[str, str], list[int]]]


@pytest.fixture()
def project(tmp_path: Path) -> Project_:
    path = tmp_path / "audits.db"
    return path, build_audit_project(str(path), SIZES)


SIDES = "interval: two-sided at 80%; accept and reject each test one side at 80% (docs/audits.md)"


def test_nothing_reviewed_shows_a_dash_and_the_interval_is_said_to_be_two_sided(
        qtbot: QtBot, project: Project_) -> None:
    path, _ids = project
    with Project.open(str(path)) as p:
        create_audit(p, "fresh", QueueFilter(tasks=("Relationship",)), max_error=0.2,
                     confidence=0.8, seed=5, who="lead")
    win, errors = open_window(qtbot, str(path))
    panel = open_panel(qtbot, win)
    row = stratum(panel, "Relationship / 97-LLVIP")
    assert row[5:9] == ("0", "0", "–", "0.0% – 100.0%")
    assert panel.sides.isVisible() and panel.sides.text() == SIDES
    interval = [title for title, _tip in COLUMNS].index("Interval")
    tip = panel.tree.headerItem().toolTip(interval)
    assert "two-sided at the audit's confidence" in tip and "each test one side" in tip
    assert errors == []
    win.close()


def test_the_refusal_reasons_of_an_accept_wrap_in_a_narrow_dialog(
        qtbot: QtBot, project: Project_) -> None:
    path, _ids = project
    reviewed_audit(path, "bad", rejected=PLAN)
    win, _errors = open_window(qtbot, str(path))
    panel = open_panel(qtbot, win)
    assert stratum(panel, "Relationship / 97-LLVIP")[7] == "100.0%"
    click(qtbot, panel.buttons["accept"])
    box = confirm_dialog(qtbot, win)
    assert "the error rate is above 20.0% at 80% confidence" in box.table.toPlainText()
    assert box.width() <= 700  # beside the window on a 1366 px screen
    assert box.table.horizontalScrollBar().maximum() == 0  # every word seen without scrolling
    box.reject()
    win.close()


def test_an_accept_keeps_the_sample_ctrl_g_showed_outside_the_filter(
        qtbot: QtBot, project: Project_) -> None:
    path, ids = project
    audit_ids = reviewed_audit(path, "good", rejected=0)
    win, errors = open_window(qtbot, str(path))
    assert win.queue is not None
    win.queue.set_filter(QueueFilter(tasks=("Relationship",)))
    other = ids[("Location", "63-FLIR_ADAS")][0]
    key(qtbot, win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    goto = win.findChild(GoToDialog)
    assert goto is not None and goto.isVisible()
    qtbot.keyClicks(goto.edit, str(other))
    qtbot.keyClick(goto.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown(win) == other)
    assert win.queue.current_id() == other

    panel = open_panel(qtbot, win)
    click(qtbot, panel.buttons["accept"])
    box = confirm_dialog(qtbot, win)
    click(qtbot, box.go)
    rest = sorted(set(ids[REL]) - set(audit_ids))
    qtbot.waitUntil(lambda: statuses(path, rest) == {"accepted": len(rest)}, timeout=20000)
    qtbot.waitUntil(lambda: stratum(panel, "Relationship / 97-LLVIP")[10] == str(len(rest)))
    assert shown(win) == other and win.queue.current_id() == other
    assert win.queue.selected_ids() == [other]
    assert errors == []
    win.close()
