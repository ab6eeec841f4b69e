"""File > Export release… and File > Releases… in the window, on a real project: the dialog
is filled in as a user would, the export runs on a worker, and the release is on disk and in
the store."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from export_support import read_release_file
from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, list_releases
from irtd_annotator.ui import report_page
from irtd_annotator.ui.dialogs import FlagDialog
from irtd_annotator.ui.jobs import export_worker
from irtd_annotator.ui.jobs.export_dialog import ExportDialog, ReleasesDialog
from irtd_annotator.ui.jobs.export_worker import ExportRunner
from irtd_annotator.ui.jobs.report_box import ReportBox
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData, build_review_project
from test_main_window import Errors, open_window, store, when_modal

PREFIX = "/data/Data4MLLM/"


@pytest.fixture()
def data(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


@pytest.fixture()
def window(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    win, errors = open_window(qtbot, str(data.path))
    yield win, errors
    win.close()


def review(win: MainWindow, sample_id: int, action: str) -> None:
    """Show a sample and press a review action on it, as the reviewer does."""
    assert win.controller is not None
    win.controller.go_to(sample_id)
    assert win.controller.current_id == sample_id
    if action == "flag":  # F asks an optional note first (issue 13): none, Return flags
        when_modal(FlagDialog, lambda dialog: QTest.keyClick(dialog.note, Qt.Key.Key_Return))
    win.actions_by_name[action].trigger()


def open_export_dialog(qtbot: QtBot, win: MainWindow) -> ExportDialog:
    win.actions_by_name["export"].trigger()
    qtbot.waitUntil(lambda: isinstance(win.findChild(ExportDialog), ExportDialog)
                    and win.findChild(ExportDialog).isVisible())
    dialog = win.findChild(ExportDialog)
    assert isinstance(dialog, ExportDialog)
    return dialog


def press_export(qtbot: QtBot, dialog: ExportDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Export"
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def wait_done(qtbot: QtBot, win: MainWindow) -> ExportRunner:
    qtbot.waitUntil(lambda: win.export_runner is not None and (
        win.export_runner.report is not None or win.export_runner.error is not None),
        timeout=60_000)
    runner = win.export_runner
    assert runner is not None and not runner.is_running()
    return runner


def assert_one_line_each(qtbot: QtBot, box: ReportBox, header: str) -> None:
    """The report's tables keep their lines: none wrapped, none wider than the box (a
    message box wrapped each checksum onto a line of its own, issue 13)."""
    details = box.details
    qtbot.waitUntil(details.isVisible)
    text = details.toPlainText()
    assert header in text and box.summary.text().startswith("release ")
    block = details.document().firstBlock()
    while block.isValid():
        assert block.layout().lineCount() == 1, block.text()
        block = block.next()
    assert details.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    assert details.horizontalScrollBar().maximum() == 0  # the widest line is in view


def releases(data: ReviewData) -> str:
    with Project.open(data.path, create=False) as project:
        return list_releases(project)


def test_export_dialog_writes_a_release_and_records_it(
        qtbot: QtBot, tmp_path: Path, data: ReviewData,
        window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    review(win, data.grounding["190001"], "approve")
    review(win, data.caption["190002"], "approve")
    review(win, data.location["190003"], "approve")  # approved, but its task is not ticked
    review(win, data.flir[0], "flag")
    review(win, data.caption["190004"], "flag")      # flagged Caption: exported too
    win.controller.go_to(data.caption["190005"])     # ... never a rejected one
    win.controller.set_status("rejected", reason="wrong count")
    out = tmp_path / "releases" / "v1"

    dialog = open_export_dialog(qtbot, win)
    # the defaults: approved only, every task and source offered, nothing ticked
    assert [s for s, c in dialog.statuses.items() if c.isChecked()] == ["approved"]
    assert {dialog.tasks.item(r).text() for r in range(dialog.tasks.count())} == {
        "Grounding", "Location", "Caption"}
    assert {dialog.sources.item(r).text() for r in range(dialog.sources.count())} == {
        "LLVIP", "63-FLIR_ADAS"}
    assert dialog.out_dir().parent == data.path.parent and not dialog.force.isChecked()
    dialog.folder.setText(str(out))
    dialog.statuses["flagged"].setChecked(True)
    dialog.set_checked("task", ["Grounding", "Caption"])
    dialog.prefix.setText(PREFIX)
    dialog.format.setCurrentText("jsonl")
    press_export(qtbot, dialog)

    runner = wait_done(qtbot, win)
    assert runner.error is None and errors == []
    assert {p.name for p in out.iterdir()} >= {"Detection.jsonl", "Caption.jsonl", "manifest.json"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["samples"] == 4 and manifest["by_task"] == {"Caption": 2, "Grounding": 2}
    assert manifest["filters"]["statuses"] == ["approved", "flagged"]
    assert manifest["filters"]["format"] == "jsonl" and manifest["created_by"] == "Ada"
    detection = read_release_file(out / "Detection.jsonl")
    captions = read_release_file(out / "Caption.jsonl")
    assert sorted(s["id"] for s in captions) == ["190002", "190004"]
    assert all(s["image"][0].startswith(PREFIX) for s in detection + captions)
    assert all(not (out / n).exists() for n in ("Location.jsonl", "Location.json"))

    # the user sees the report; the store has the release
    box = runner.message_box
    assert box is not None and box.objectName() == "exportReport" and box.isVisible()
    assert "release 1: 4 samples exported" in box.text()
    assert_one_line_each(qtbot, box, "sha256")
    box.accept()
    listed = releases(data)
    assert str(out) in listed and "approved,flagged" in listed and "Ada" in listed

    # File > Releases shows the same release, a row of a table
    win.actions_by_name["releases"].trigger()
    qtbot.waitUntil(lambda: win.findChild(ReleasesDialog) is not None)
    shown = win.findChild(ReleasesDialog)
    assert [shown.table.item(0, c).text() for c in (1, 2, 3)] == [str(out), "4", "Ada"]
    assert "approved, flagged" in shown.table.item(0, 0).toolTip()
    shown.reject()

    # the window keeps working after the export
    review(win, data.grounding["190002"], "approve")
    assert store(data, "SELECT status FROM samples WHERE id=?", data.grounding["190002"]) == [
        ("approved",)]


def test_a_cancelled_export_leaves_no_folder_and_no_release(
        qtbot: QtBot, tmp_path: Path, data: ReviewData, monkeypatch: pytest.MonkeyPatch,
        window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    review(win, data.grounding["190001"], "approve")
    review(win, data.caption["190001"], "approve")
    # The export is held after its last progress report until the user has pressed Cancel,
    # so the test does not race a two-sample export.
    reached, go = threading.Event(), threading.Event()
    real = export_worker.export_release

    def held(project: Project, out_dir: Path, **kwargs: Any) -> Any:
        progress = kwargs.pop("progress")

        def report_then_wait(done: int, total: int, what: str) -> None:
            progress(done, total, what)
            if done == total:
                reached.set()
                go.wait(30)

        return real(project, out_dir, progress=report_then_wait, **kwargs)

    monkeypatch.setattr(export_worker, "export_release", held)
    out = tmp_path / "cancelled"
    runner = win.export_release(out, ExportOptions(annotator="Ada"), show_report=False)
    assert runner is not None
    try:
        qtbot.waitUntil(reached.is_set, timeout=30_000)
        qtbot.waitUntil(lambda: runner.dialog.labelText() == "export: 2 / 2 samples")
        assert runner.dialog.maximum() == 2 and runner.dialog.value() == 2
        cancel = runner.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # the user presses Cancel
    finally:
        go.set()
    wait_done(qtbot, win)
    assert runner.report is None and "cancelled" in (runner.error or "")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cancelled")] == []
    assert releases(data) == "no releases yet"
    assert not runner.dialog.isVisible() and errors == []


def test_a_non_empty_folder_is_refused_unless_replace_is_ticked(
        qtbot: QtBot, tmp_path: Path, data: ReviewData,
        window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    review(win, data.caption["190001"], "approve")
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n", encoding="utf-8")

    dialog = open_export_dialog(qtbot, win)
    dialog.folder.setText(str(out))
    press_export(qtbot, dialog)
    runner = wait_done(qtbot, win)
    assert runner.report is None and "not empty" in (runner.error or "")
    box = runner.message_box
    assert box is not None and box.objectName() == "exportError" and box.isVisible()
    assert box.icon() == QMessageBox.Icon.Warning and str(out) in box.text()
    # not a release: replacing it is not offered, in the window's words or the CLI's
    assert "Replace" not in box.text() and "--force" not in box.text()
    box.accept()
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert releases(data) == "no releases yet"

    # ticked, the same folder is still refused: it is not a release
    dialog = open_export_dialog(qtbot, win)
    dialog.folder.setText(str(out))
    dialog.force.setChecked(True)
    press_export(qtbot, dialog)
    runner = wait_done(qtbot, win)
    assert "not a release" in (runner.error or "")
    assert runner.message_box is not None
    runner.message_box.accept()
    assert [p.name for p in out.iterdir()] == ["notes.txt"]

    # a previous release is replaced only when ticked
    (out / "notes.txt").unlink()
    for tick, ok in ((False, True), (False, False), (True, True)):
        dialog = open_export_dialog(qtbot, win)
        dialog.folder.setText(str(out))
        dialog.force.setChecked(tick)
        press_export(qtbot, dialog)
        runner = wait_done(qtbot, win)
        assert (runner.error is None) == ok, runner.error
        if not ok:
            assert runner.message_box is not None
            assert "tick “Replace a previous release in this folder”" in runner.message_box.text()
            runner.message_box.accept()
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".json") == [
        "Caption.json", "manifest.json"]
    assert releases(data).count(str(out)) == 2


def test_the_dialog_says_what_is_missing_and_export_needs_a_project(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    dialog = open_export_dialog(qtbot, win)
    dialog.statuses["approved"].setChecked(False)
    press_export(qtbot, dialog)
    assert dialog.isVisible() and "at least one status" in dialog.error_label.text()
    dialog.statuses["rejected"].setChecked(True)
    dialog.folder.setText("  ")
    press_export(qtbot, dialog)
    assert dialog.isVisible() and "output folder" in dialog.error_label.text()
    dialog.reject()
    assert win.export_runner is None

    win.close_project()
    assert not win.actions_by_name["export"].isEnabled()
    assert not win.actions_by_name["releases"].isEnabled()
    assert win.actions_by_name["export"].shortcut().toString() == "Ctrl+E"


# ---- the "Report page" box (issue 15): the page of export --with-report-page, all or none

@pytest.fixture()
def one_approved(data: ReviewData, window: tuple[MainWindow, Errors]) -> MainWindow:
    """The window with one sample approved: something to export."""
    review(window[0], data.grounding["190001"], "approve")
    return window[0]


def tick_report_page(qtbot: QtBot, win: MainWindow, out: Path) -> Any:
    """Open File > Export release, choose ``out`` and tick "Report page" with the mouse."""
    dialog = open_export_dialog(qtbot, win)
    box = dialog.report_page
    assert box.isVisible() and not box.isChecked() and "Report page" in box.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    dialog.folder.setText(str(out))
    return dialog


def test_the_report_page_box_puts_the_page_into_the_release(
        qtbot: QtBot, tmp_path: Path, data: ReviewData, one_approved: MainWindow,
        window: tuple[MainWindow, Errors]) -> None:
    win, errors = one_approved, window[1]
    review(win, data.caption["190002"], "approve")
    win.controller.go_to(data.caption["190005"])
    win.controller.set_status("rejected", reason="wrong count")
    out = tmp_path / "release"
    dialog = tick_report_page(qtbot, win, out)
    press_export(qtbot, dialog)
    assert dialog.error_label.isHidden(), dialog.error_label.text()
    runner = wait_done(qtbot, win)
    assert runner.error is None and errors == []
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    total = len(data.grounding) * 3 + len(data.flir)
    assert f"<th>Samples</th><td>{total:,}</td>" in page  # the export's project's totals
    assert "<th>Decided (approved, accepted or rejected)</th><td>3 " in page
    assert not re.search(r"https?:|<script|<link|@import|src=\"(?!data:)", page)
    pngs = sorted(p.name for p in (out / "report").glob("*.png"))
    assert "progress_by_task.png" in pngs and "progress_by_source.png" in pngs
    assert all((out / "report" / n).read_bytes().startswith(b"\x89PNG") for n in pngs)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["samples"] == 2
    assert all(not f["name"].startswith("report") for f in manifest["files"])
    assert runner.message_box is not None  # "Export finished" says where the page is
    assert f"The report page: {out / 'report' / 'report.html'}" in (
        runner.message_box.summary.text())
    runner.message_box.accept()


def test_without_the_box_the_release_has_no_page(
        qtbot: QtBot, tmp_path: Path, one_approved: MainWindow,
        window: tuple[MainWindow, Errors]) -> None:
    win, errors = one_approved, window[1]
    out = tmp_path / "release"
    dialog = open_export_dialog(qtbot, win)
    dialog.folder.setText(str(out))
    press_export(qtbot, dialog)
    runner = wait_done(qtbot, win)
    assert runner.error is None and errors == []
    assert (out / "manifest.json").is_file() and not (out / "report").exists()
    assert runner.message_box is not None and "report page" not in runner.message_box.text()
    runner.message_box.accept()


def test_a_page_that_cannot_be_written_leaves_no_release(
        qtbot: QtBot, tmp_path: Path, data: ReviewData, monkeypatch: pytest.MonkeyPatch,
        one_approved: MainWindow) -> None:
    win = one_approved

    def full(*_: object) -> Path:
        raise UserError("cannot write report/report.html: No space left on device")

    monkeypatch.setattr(report_page, "write_files", full)
    out = tmp_path / "releases" / "v1"
    out.parent.mkdir()
    press_export(qtbot, tick_report_page(qtbot, win, out))
    runner = wait_done(qtbot, win)
    assert runner.report is None and "No space left on device" in (runner.error or "")
    assert list(out.parent.iterdir()) == []  # no release, no partial folder, no report/
    assert releases(data) == "no releases yet"
    if runner.message_box is not None:
        runner.message_box.accept()


def test_a_cancelled_export_leaves_no_release_and_no_report_folder(
        qtbot: QtBot, tmp_path: Path, data: ReviewData, monkeypatch: pytest.MonkeyPatch,
        one_approved: MainWindow) -> None:
    win = one_approved
    # The page is written, then the export holds until the user has pressed Cancel.
    written, go = threading.Event(), threading.Event()
    real_write = report_page.write_files

    def write_then_wait(files: Any, folder: Path) -> Path:
        page = real_write(files, folder)
        written.set()
        go.wait(30)
        return page

    monkeypatch.setattr(report_page, "write_files", write_then_wait)
    out = tmp_path / "releases" / "v1"
    out.parent.mkdir()
    press_export(qtbot, tick_report_page(qtbot, win, out))
    runner = win.export_runner
    assert runner is not None
    try:
        qtbot.waitUntil(written.is_set, timeout=30_000)
        # written into the partial folder beside the release-to-be
        assert [p for p in out.parent.iterdir() if (p / "report" / "report.html").is_file()]
        cancel = runner.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    finally:
        go.set()
    wait_done(qtbot, win)
    assert runner.report is None and "cancelled" in (runner.error or "")
    assert list(out.parent.iterdir()) == []  # no release, no partial folder, no report/
    assert releases(data) == "no releases yet"
