"""File > Image folders and "Locate..." in the real window: images that were "not found" are
shown once their folder is given, and the queue's missing-image filter follows (issue 13)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from folders_support import NAMES, copy_llvip, irtd_file
from irtd_annotator.importers.paths import ALL_SOURCES
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.ui import image_folders as folders_ui
from irtd_annotator.ui.main_window import MainWindow
from test_main_window import Errors, key, open_window


@pytest.fixture()
def missing(tmp_path: Path) -> Path:
    """A project of three Grounding samples whose LLVIP images are not where the file says."""
    db = tmp_path / "review.db"
    with Project.open(db) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())
    return db


@pytest.fixture()
def window(qtbot: QtBot, missing: Path) -> tuple[MainWindow, Errors]:
    win, errors = open_window(qtbot, str(missing))
    yield win, errors  # type: ignore[misc]
    win.close()


def ir_placeholder(window: MainWindow) -> str:
    return window.pair_view.ir_view.placeholder_text()


def queue_rows(window: MainWindow) -> int:
    assert window.queue is not None
    return window.queue.model.rowCount()


def test_image_folders_dialog_finds_the_images_of_a_typed_folder(
        qtbot: QtBot, window: tuple[MainWindow, Errors], tmp_path: Path, llvip_dir: Path) -> None:
    win, errors = window
    images = copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP")
    assert ir_placeholder(win).startswith("Infrared image not found: 190001.jpg")

    win.actions_by_name["image_folders"].trigger()
    dialog = win.folders.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.counts["LLVIP"].text() == "0 found · 6 missing"
    field = dialog.folders["LLVIP"]
    field.setFocus()
    qtbot.keyClicks(field, str(images))
    qtbot.keyClick(field, Qt.Key.Key_Return)  # Apply is the dialog's default button

    qtbot.waitUntil(lambda: dialog.counts["LLVIP"].text() == "6 found · 0 missing")
    qtbot.waitUntil(lambda: not win.folders.busy())
    assert field.text() == str(images)
    assert dialog.status.text() == "looked for the images of 3 pairs; 3 changed"
    assert win.pair_view.ir_view.has_image() and win.pair_view.visible_view.has_image()
    assert ir_placeholder(win) == ""
    assert errors == []


def test_the_missing_image_filter_follows_the_images_found(
        qtbot: QtBot, window: tuple[MainWindow, Errors], tmp_path: Path, llvip_dir: Path) -> None:
    win, _errors = window
    images = copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP", NAMES[:2])
    assert win.queue is not None
    win.queue.set_filter(QueueFilter(missing_images=True))
    assert queue_rows(win) == 3
    dialog = win.folders.open_dialog()
    assert dialog is not None
    dialog.folders["LLVIP"].setText(str(images))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: queue_rows(win) == 1)  # the one whose pair is still missing
    qtbot.waitUntil(lambda: not win.folders.busy())
    assert dialog.counts["LLVIP"].text() == "4 found · 2 missing"


def test_browse_fills_the_folder_and_a_bad_rule_says_why(
        qtbot: QtBot, window: tuple[MainWindow, Errors], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    win, _errors = window
    monkeypatch.setattr(folders_ui, "ask_folder", lambda *_a, **_k: str(tmp_path))
    dialog = win.folders.open_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.findChild(folders_ui.QPushButton, "browse:LLVIP"),
                     Qt.MouseButton.LeftButton)
    assert dialog.folders["LLVIP"].text() == str(tmp_path)
    dialog.rules.setFocus()
    qtbot.keyClicks(dialog.rules, "no arrow here")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "PATTERN=>REPLACEMENT" in dialog.status.text())
    qtbot.waitUntil(lambda: not win.folders.busy())
    assert dialog.apply_button.isEnabled()
    assert dialog.counts["LLVIP"].text() == "0 found · 6 missing"


def test_locate_on_the_placeholder_shows_the_image_and_every_sample_of_the_source(
        qtbot: QtBot, window: tuple[MainWindow, Errors], tmp_path: Path, llvip_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    win, errors = window
    images = copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP")
    asked: list[str] = []

    def pick(_parent: object, title: str, *_a: object) -> str:
        asked.append(title)
        return str(images / "infrared")  # a folder inside the source's: the root is above

    monkeypatch.setattr(folders_ui, "ask_folder", pick)
    button = win.pair_view.locate.buttons[win.pair_view.ir_view]
    assert button.isVisible() and button.text() == "Locate…"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: win.pair_view.ir_view.has_image())
    qtbot.waitUntil(lambda: not win.folders.busy())
    assert asked == ["Where are the LLVIP images?"]
    assert not button.isVisible() and ir_placeholder(win) == ""
    assert "LLVIP: 6 of 6 images found, 0 missing" in win.statusBar().currentMessage()
    key(qtbot, win, Qt.Key.Key_J)  # the next sample's image is found too
    qtbot.waitUntil(lambda: win.controller is not None and win.controller.view is not None
                    and win.controller.view.original_id == "1")
    assert win.pair_view.ir_view.has_image()
    assert errors == []


def test_locate_in_a_folder_without_the_images_changes_nothing(
        qtbot: QtBot, window: tuple[MainWindow, Errors], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    win, errors = window
    monkeypatch.setattr(folders_ui, "ask_folder", lambda *_a, **_k: str(tmp_path))
    qtbot.mouseClick(win.pair_view.locate.buttons[win.pair_view.ir_view],
                     Qt.MouseButton.LeftButton)
    assert len(errors) == 1 and errors[0].startswith(f"no LLVIP image is in {tmp_path}")
    assert win.folders.job is None and ir_placeholder(win) != ""


def test_typing_after_the_dialog_applied_and_closed_is_saved_at_close(
        qtbot: QtBot, missing: Path, tmp_path: Path, llvip_dir: Path) -> None:
    """H4: quitting after Apply and Close crashed (the job's thread and progress dialog died
    with the dialog; the window's close then used them) and lost the last typing."""
    win, errors = open_window(qtbot, str(missing))
    images = copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP")
    win.actions_by_name["image_folders"].trigger()
    qtbot.waitUntil(lambda: win.folders.dialog is not None and win.folders.dialog.isVisible())
    dialog = win.folders.dialog
    assert dialog is not None
    field = dialog.folders[ALL_SOURCES]
    field.setFocus()
    qtbot.keyClicks(field, str(images.parent))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.counts["LLVIP"].text() == "6 found · 0 missing")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Close
    qtbot.waitUntil(lambda: win.folders.dialog is None)
    key(qtbot, win, Qt.Key.Key_E)
    editor = win.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    # a valid answer: typing that makes an answer invalid is never stored (test_pending_edits)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "The target bounding box is <box>[[11, 20, 30, 40]]</box>.")
    key(qtbot, win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # quit

    assert not win.isVisible()
    assert [t.isRunning() for t in win.findChildren(QThread)] == [False] * len(
        win.findChildren(QThread))
    with sqlite3.connect(missing) as conn:
        texts = [t for (t,) in conn.execute("SELECT text FROM turns WHERE idx=1")]
    assert sum("[[11, 20, 30, 40]]" in t for t in texts) == 1, texts
    assert errors == []


def test_a_session_that_applied_folders_exits_cleanly(missing: Path, tmp_path: Path,
                                                      llvip_dir: Path) -> None:
    """H4 in its own process: Apply, Close, quit exits with 0 (it was a segfault)."""
    images = copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP")
    script = Path(__file__).with_name("folders_quit.py")
    done = subprocess.run([sys.executable, str(script), str(missing), str(images.parent)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(missing) as conn:
        assert conn.execute("SELECT count(*) FROM pairs WHERE ir_exists").fetchone() == (3,)


def test_the_locate_button_sits_under_the_wrapped_text_of_a_narrow_pane(
        qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    """At 1366x768 with a dock open the panes are ~200 px wide: the path wraps to several
    lines more than its line breaks, and the button covered its end."""
    win, errors = window
    pane = win.pair_view.ir_view
    button = win.pair_view.locate.buttons[pane]
    assert button.isVisible()
    pane.setFixedSize(200, 300)  # what the pane had beside the queue and the sample panel
    qtbot.waitUntil(lambda: pane.viewport().width() < 210)
    label = pane.findChild(QLabel, f"{pane.objectName()}-placeholder")
    assert label is not None
    text_height = pane.placeholder_text_height()
    lines = label.text().count("\n") + 1
    assert text_height > lines * label.fontMetrics().lineSpacing()  # it does wrap here
    text_bottom = pane.viewport().geometry().center().y() + text_height // 2
    assert button.geometry().top() >= text_bottom
    assert errors == []
