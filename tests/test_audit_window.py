"""The queue dock's audit filter (issue 14): hidden while the project has no audit; with one,
"Audit: NAME" chosen from the keyboard narrows the queue to the samples the audit drew, and
the window remembers it with the rest of the filter."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from audit_data import build_audit_project, drawn
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import create_audit
from test_main_window import open_window


def test_the_audit_filter_selects_the_drawn_samples(qtbot: QtBot, tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    build_audit_project(db)
    win, errors = open_window(qtbot, db)
    assert win.queue is not None
    assert win.queue.audit_combo.isHidden()  # no audit yet: nothing to choose
    win.close()

    with Project.open(db, create=False) as project:
        create_audit(project, "a1", QueueFilter(tasks=("Relationship",)), max_error=0.05,
                     confidence=0.95, seed=2, by=("task", "source"), who="lead")
        picked = drawn(project, "a1")["Relationship|97-LLVIP"]
    win, errors = open_window(qtbot, db)
    assert win.queue is not None
    combo = win.queue.audit_combo
    assert combo.isVisible() and combo.currentText() == "Audit: none"
    assert len(win.queue.current_ids()) == 210
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: win.queue.current_filter().audit == "a1")
    assert combo.currentText() == "Audit: a1"
    assert win.queue.current_ids() == picked
    win.close()
    assert not errors

    again, _ = open_window(qtbot, db, active=False)
    assert again.queue is not None
    assert again.queue.current_filter().audit == "a1"
    assert again.queue.audit_combo.currentText() == "Audit: a1"
    assert again.queue.current_ids() == picked
    again.close()
