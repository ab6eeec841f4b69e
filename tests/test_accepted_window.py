"""The ``accepted`` status in the window (issue 14): the queue filtered to Accepted shows the
samples an audit accepted with their mark and the audit's name, the progress counts them as
decided, a reviewer can still approve one (the history names the audit), and the export
dialog offers accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from accepted_support import accept_by_audit
from irtd_annotator.services.project import Project
from irtd_annotator.ui.queue.model import COLUMN_OF
from irtd_annotator.ui.sample.history_dialog import HistoryDialog
from irtd_annotator.ui.sample.history_words import what_changed
from review_data import ReviewData
from test_export_window import open_export_dialog, press_export, wait_done
from test_history_words import what_column
from test_main_window import key, open_window, shown, store


@pytest.fixture()
def accepted(data: ReviewData) -> list[int]:
    """The Location samples, accepted by the audit "loc-1" before the window opens."""
    ids = sorted(data.location.values())
    with Project.open(data.path, create=False) as project:
        accept_by_audit(project, ids, "loc-1")
    return ids


def test_the_queue_filtered_to_accepted_shows_them_as_decided_by_the_audit(
        qtbot: QtBot, data: ReviewData, accepted: list[int]) -> None:
    win, errors = open_window(qtbot, str(data.path))
    assert win.queue is not None
    assert win.progress_label.text() == "5 / 18 decided"  # accepted counts as decided
    combo = win.queue.status_combo
    assert "accepted" in [combo.itemText(n) for n in range(combo.count())]

    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_End)  # the status filter's last entry
    assert combo.currentText() == "accepted"
    qtbot.waitUntil(lambda: win.queue.current_ids() == accepted)
    assert win.queue.count_label.text() == "5 samples"
    assert win.progress_label.text() == "5 / 5 decided"
    model = win.queue.model
    status = model.index(0, COLUMN_OF["status"])
    assert model.data(status, Qt.ItemDataRole.ToolTipRole) == (
        f"accepted (by audit loc-1) (sample {accepted[0]}, Location)")
    icon = model.data(status, Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    qtbot.waitUntil(lambda: shown(win) == accepted[0])
    assert win.panel.status_label.text() == "accepted (by audit loc-1)"

    # a reviewer may still decide an accepted sample: it becomes theirs
    win.queue.focus_table()
    qtbot.waitUntil(lambda: win.queue.table.hasFocus())
    key(qtbot, win, Qt.Key.Key_A)
    assert store(data, "SELECT status, decided_by FROM samples WHERE id=?", accepted[0]) == [
        ("approved", "Ada")]
    qtbot.waitUntil(lambda: win.progress_label.text() == "4 / 4 decided")
    assert win.session is not None
    dialog = HistoryDialog(win.session.history(accepted[0]), win)
    qtbot.addWidget(dialog)
    assert what_column(dialog) == ["status: accepted (audit loc-1) → approved",
                                   "status: pending → accepted (audit loc-1)"]
    assert errors == []
    win.close()


@pytest.mark.parametrize(("old", "new", "words"), [
    ("pending", "accepted (by audit loc-1)", "status: pending → accepted (audit loc-1)"),
    ("accepted (by audit a (2))", "rejected (wrong count): no", "status: accepted (audit a (2))"
                                                                 " → rejected"),
    ("rejected (wrong count): seen (by audit x)", "pending", "status: rejected → pending"),
])
def test_history_words_name_the_audit_that_accepted(old: str, new: str, words: str) -> None:
    assert what_changed("status", "status", old, new).text == words


def test_the_export_dialog_offers_accepted_and_exports_them_with_the_approved(
        qtbot: QtBot, tmp_path: Path, data: ReviewData, accepted: list[int]) -> None:
    win, errors = open_window(qtbot, str(data.path))
    out = tmp_path / "release"
    dialog = open_export_dialog(qtbot, win)
    check = dialog.statuses["accepted"]
    assert check.text() == "accepted" and not check.isChecked()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    dialog.folder.setText(str(out))
    press_export(qtbot, dialog)
    runner = wait_done(qtbot, win)
    assert runner.error is None and errors == []
    assert runner.message_box is not None
    runner.message_box.accept()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["filters"]["statuses"] == ["approved", "accepted"]
    assert manifest["by_status"] == {"accepted": 5} and manifest["by_task"] == {"Location": 5}
    win.close()
