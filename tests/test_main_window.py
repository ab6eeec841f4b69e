"""The main window driven from the keyboard as a reviewer would, on a real project."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.ui.dialogs import FlagDialog, RejectDialog, ShortcutsDialog
from irtd_annotator.ui.jobs import import_worker
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings
from review_data import ReviewData, build_review_project

NEW_CAPTION = "Two people walk at night; a warm car engine glows bright in infrared."


@pytest.fixture()
def data(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


class Errors(list):
    """The messages the window showed (instead of modal boxes in tests)."""


def open_window(qtbot: QtBot, location: str | None, *, annotator: str = "Ada",
                active: bool = True) -> tuple[MainWindow, Errors]:
    window = MainWindow(AppSettings(), annotator=annotator)
    errors = Errors()
    window.show_error = lambda title, message: errors.append(message)  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if active:
        activate(qtbot, window)
    if location is not None:
        assert window.open_project(location), errors
    return window, errors


def activate(qtbot: QtBot, window: MainWindow) -> None:
    """Make the window the active one, as a window manager does after a dialog closes."""
    if QApplication.activeWindow() is not window:
        window.raise_()
        window.activateWindow()
        window.windowHandle().requestActivate()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


@pytest.fixture()
def window(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    win, errors = open_window(qtbot, str(data.path))
    yield win, errors
    win.close()


def shown(window: MainWindow) -> int | None:
    assert window.controller is not None
    return window.controller.current_id


def store(data: ReviewData, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(data.path) as conn:
        return conn.execute(sql, args).fetchall()


def when_modal(kind: type[QWidget], act: Callable[[Any], None]) -> list[QWidget]:
    """Have ``act`` answer the next modal dialog of ``kind`` once it is shown (a key that
    opens it blocks until it closes); the list gets the dialog answered."""
    answered: list[QWidget] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, answer)  # not shown yet
            return
        answered.append(dialog)
        act(dialog)

    QTimer.singleShot(0, answer)
    return answered


def key(qtbot: QtBot, window: MainWindow, k: Qt.Key | str,
        mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the focus is (the queue unless a test moved it)."""
    activate(qtbot, window)
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, k, mods)


def test_keyboard_review_session_is_saved_and_undoable(qtbot: QtBot, data: ReviewData,
                                                        window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    assert win.queue is not None
    g1, l1, c1 = data.grounding["190001"], data.location["190001"], data.caption["190001"]
    g2 = data.grounding["190002"]
    assert shown(win) == g1 and win.panel.sample_id == g1
    assert win.progress_label.text() == "0 / 18 decided"
    win.queue.focus_table()
    qtbot.waitUntil(lambda: win.queue.table.hasFocus())

    # move through samples: J/K, the arrows in the queue, L/H between images
    key(qtbot, win, Qt.Key.Key_J)
    assert shown(win) == l1
    key(qtbot, win, Qt.Key.Key_K)
    assert shown(win) == g1
    key(qtbot, win, Qt.Key.Key_Down)
    assert shown(win) == l1
    key(qtbot, win, Qt.Key.Key_Up)
    assert shown(win) == g1
    key(qtbot, win, Qt.Key.Key_L)
    assert shown(win) == g2  # the first sample of the next image
    key(qtbot, win, Qt.Key.Key_H)
    assert shown(win) == g1
    assert win.pair_view.pair() is not None and win.pair_view.pair().rel_path.endswith("190001.jpg")

    # edit the caption: letters typed are text, never review shortcuts
    key(qtbot, win, Qt.Key.Key_J)
    key(qtbot, win, Qt.Key.Key_J)
    assert shown(win) == c1
    key(qtbot, win, Qt.Key.Key_E)
    editor = win.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    original = editor.toPlainText()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, NEW_CAPTION)
    assert store(data, "SELECT status FROM samples WHERE id=?", c1) == [("pending",)]
    assert shown(win) == c1
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # ends the burst, back to the queue
    qtbot.waitUntil(lambda: win.queue.table.hasFocus())
    assert store(data, "SELECT text FROM turns WHERE sample_id=? AND idx=1", c1) == [(NEW_CAPTION,)]
    assert win.save_label.text() == "All changes saved"

    # approve, then reject the next image's Grounding sample with a reason and a note
    key(qtbot, win, Qt.Key.Key_A)
    assert store(data, "SELECT status, updated_by FROM samples WHERE id=?", c1) == [("approved", "Ada")]
    assert win.progress_label.text() == "1 / 18 decided"
    key(qtbot, win, Qt.Key.Key_J)
    assert shown(win) == g2

    picked: list[tuple[bool, str]] = []

    def answer_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RejectDialog):
            QTimer.singleShot(10, answer_dialog)  # not shown yet
            return
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_3)  # "wrong count"
        qtbot.keyClick(dialog.reasons, Qt.Key.Key_Tab)  # the note is one Tab away
        picked.append((dialog.focusWidget() is dialog.note, dialog.reasons.currentItem().text()))
        qtbot.keyClicks(dialog.note, "only one person")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
        if dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, answer_dialog)
    key(qtbot, win, Qt.Key.Key_R)
    assert picked == [(True, "3  wrong count")]  # 3 picked the reason, Tab: the note
    assert store(data, "SELECT status, reject_reason, note FROM samples WHERE id=?", g2) == [
        ("rejected", "wrong count", "only one person")]
    assert shown(win) == data.location["190002"]  # on to the next pending sample

    # undo the rejection, the approval and the edit; each undo shows its sample and is saved
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store(data, "SELECT status, reject_reason, note FROM samples WHERE id=?", g2) == [
        ("pending", None, None)]
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown(win) == c1
    assert store(data, "SELECT status FROM samples WHERE id=?", c1) == [("pending",)]
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store(data, "SELECT text FROM turns WHERE sample_id=? AND idx=1", c1) == [(original,)]
    assert win.panel.turn_editor(1).toPlainText() == original
    assert win.progress_label.text() == "0 / 18 decided"
    # redo the edit (Ctrl+Shift+Z) and the approval (Ctrl+Y)
    key(qtbot, win, Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert store(data, "SELECT text FROM turns WHERE sample_id=? AND idx=1", c1) == [(NEW_CAPTION,)]
    assert win.panel.turn_editor(1).toPlainText() == NEW_CAPTION
    key(qtbot, win, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert store(data, "SELECT status FROM samples WHERE id=?", c1) == [("approved",)]

    # approve and go to the next pending (Shift+A), flag (F), back to pending (U)
    win.controller.go_to(g1)
    key(qtbot, win, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert shown(win) == l1
    when_modal(FlagDialog, lambda dialog: qtbot.keyClick(dialog.note, Qt.Key.Key_Return))
    key(qtbot, win, Qt.Key.Key_F)
    assert shown(win) != l1  # flagged, and on to the next pending sample
    win.controller.go_to(l1)
    key(qtbot, win, Qt.Key.Key_U)
    assert errors == []
    win.close()

    # reopened: the store holds exactly the expected text, statuses and revisions
    assert store(data, "SELECT id, status FROM samples WHERE status != 'pending' ORDER BY id") == [
        (g1, "approved"), (c1, "approved")]
    assert store(data, "SELECT sample_id, idx, text FROM turns WHERE text != original") == [
        (c1, 1, NEW_CAPTION)]
    revisions = store(data, "SELECT sample_id, who, action, old, new FROM revisions ORDER BY id")
    assert [(r[0], r[2], r[4]) for r in revisions] == [
        (c1, "text", NEW_CAPTION), (c1, "status", "approved"),
        (g2, "status", "rejected (wrong count): only one person"), (g2, "status", "pending"),
        (c1, "status", "pending"), (c1, "text", original), (c1, "text", NEW_CAPTION),
        (c1, "status", "approved"), (g1, "status", "approved"), (l1, "status", "flagged"),
        (l1, "status", "pending")]
    assert {r[1] for r in revisions} == {"Ada"}
    again, _ = open_window(qtbot, str(data.path), annotator="Bo", active=False)
    assert shown(again) == l1  # where the reviewer left off
    assert again.panel.turn_editor(1).toPlainText() != NEW_CAPTION
    again.controller.go_to(c1)
    assert again.panel.turn_editor(1).toPlainText() == NEW_CAPTION
    again.close()


def test_single_keys_do_not_fire_while_typing_in_the_search(qtbot: QtBot, data: ReviewData,
                                                            window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    assert win.queue is not None
    search = win.queue.search_edit
    search.setFocus()
    qtbot.waitUntil(search.hasFocus)
    qtbot.keyClicks(search, "a flare")  # A approves, F flags, R rejects: none may fire
    assert search.text() == "a flare"
    assert store(data, "SELECT count(*) FROM samples WHERE status != 'pending'") == [(0,)]
    assert store(data, "SELECT count(*) FROM revisions") == [(0,)]


def test_help_lists_every_shortcut_from_the_actions(qtbot: QtBot, window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    seen: list[list[tuple[str, str, str]]] = []

    def read_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ShortcutsDialog)
        seen.append(dialog.rows())
        dialog.reject()

    QTimer.singleShot(0, read_and_close)
    win.queue.focus_table()
    key(qtbot, win, Qt.Key.Key_F1)
    (rows,) = seen
    assert ("Review", "Approve", "A") in rows
    assert ("Review", "Approve and next pending", "Shift+A, Ctrl+Return") in rows
    assert ("Review", "Back to pending", "P, U") in rows
    assert ("Go", "Next sample", "J, Down") in rows
    assert ("Go", "Previous image", "H, Ctrl+Up") in rows
    assert ("Edit", "Redo", "Ctrl+Shift+Z, Ctrl+Y") in rows
    assert any(r[1] == "Fit to window" and r[2] == "0, Home" for r in rows)  # the pair view's
    # every review action is in a menu and the toolbar tooltips name the keys
    assert "(R)" in win.actions_by_name["reject"].toolTip()


def _no_clash(rows: list[tuple[str, str, str]]) -> bool:
    keys = [k for r in rows for k in r[2].split(", ")]
    return len(keys) == len(set(keys))


def test_no_two_actions_share_a_key(window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    from irtd_annotator.ui.actions import shortcut_rows

    assert _no_clash(shortcut_rows(win.menus))


def test_filter_and_current_sample_are_remembered_per_project(
        qtbot: QtBot, data: ReviewData, window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    assert win.queue is not None
    combo = win.queue.task_combo
    combo.setCurrentIndex(combo.findText("Caption"))
    qtbot.waitUntil(lambda: win.queue.current_filter().tasks == ("Caption",))
    assert win.queue.current_ids() == sorted(data.caption.values())
    assert win.progress_label.text() == "0 / 5 decided"
    win.controller.go_to(data.caption["190004"])
    win.close()

    again, _ = open_window(qtbot, str(data.path), active=False)
    assert again.queue.current_filter() == QueueFilter(tasks=("Caption",))
    assert shown(again) == data.caption["190004"]
    assert again.queue.task_combo.currentText() == "Caption"
    again.close()


def test_a_missing_project_is_a_message_not_a_crash(qtbot: QtBot, tmp_path: Path) -> None:
    win, errors = open_window(qtbot, None)
    assert not win.open_project(str(tmp_path / "nowhere.db"))
    assert len(errors) == 1 and "nowhere.db" in errors[0] and "does not exist" in errors[0]
    assert win.project is None and not win.actions_by_name["approve"].isEnabled()
    win.close()


def test_a_locked_store_shows_not_saved_and_keeps_going(qtbot: QtBot, data: ReviewData,
                                                        window: tuple[MainWindow, Errors]) -> None:
    win, errors = window
    assert win.session is not None
    engine = win.session.project.engine
    engine.dispose()
    from sqlalchemy import event  # the test shortens the lock wait; the window never sees this
    event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=50"))
    win.queue.focus_table()
    blocker = sqlite3.connect(data.path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        key(qtbot, win, Qt.Key.Key_A)
    finally:
        blocker.rollback()
        blocker.close()
    assert len(errors) == 1 and "locked" in errors[0]
    assert win.save_label.text().startswith("Not saved")
    assert not win.undo_stack.canUndo()
    assert store(data, "SELECT count(*) FROM revisions") == [(0,)]
    key(qtbot, win, Qt.Key.Key_A)  # the lock is gone: the same key works
    assert store(data, "SELECT status FROM samples WHERE id=?", shown(win)) == [("approved",)]
    assert win.save_label.text() == "All changes saved"


def test_import_runs_on_a_worker_with_a_report(qtbot: QtBot, data: ReviewData, irtd_files: Path,
                                               window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    runner = win.import_files([str(irtd_files / "AerialCounting.json")], show_report=False)
    assert runner is not None
    with qtbot.waitSignal(runner.done, timeout=60_000) as signal:
        pass
    report = signal.args[0]
    assert report is not None and "900" in report.summary()
    assert len(win.queue.current_ids()) == 18 + 900
    assert "Aerial Counting" in [win.queue.task_combo.itemText(i)
                                 for i in range(win.queue.task_combo.count())]
    assert win.progress_label.text() == "0 / 918 decided"


def test_a_cancelled_import_leaves_the_store_as_it_was(qtbot: QtBot, data: ReviewData,
                                                       irtd_files: Path,
                                                       window: tuple[MainWindow, Errors]) -> None:
    win, _errors = window
    runner = win.import_files([str(irtd_files / "Location.json")], show_report=False)
    assert runner is not None
    cancel = runner.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # the user presses Cancel
    with qtbot.waitSignal(runner.done, timeout=60_000) as signal:
        pass
    assert signal.args[0] is None and "cancelled" in (runner.error or "")
    assert store(data, "SELECT count(*) FROM samples") == [(18,)]
    assert len(win.queue.current_ids()) == 18


def test_closing_the_window_mid_import_stops_it_and_keeps_the_store(
        qtbot: QtBot, data: ReviewData, irtd_files: Path, window: tuple[MainWindow, Errors],
        monkeypatch: pytest.MonkeyPatch) -> None:
    win, errors = window
    reached = threading.Event()
    real = import_worker.import_files

    def held(project: Any, paths: Any, **kwargs: Any) -> Any:
        progress, cancel = kwargs.pop("progress"), kwargs["cancel"]

        def report_then_hold(done: int, total: int, what: str) -> None:
            progress(done, total, what)
            reached.set()
            pause = threading.Event()
            while not cancel():  # the import stays mid-way until something stops it
                pause.wait(0.01)

        return real(project, paths, progress=report_then_hold, **kwargs)

    monkeypatch.setattr(import_worker, "import_files", held)
    runner = win.import_files([str(irtd_files / "Location.json")])
    assert runner is not None
    qtbot.waitUntil(reached.is_set, timeout=30_000)
    assert runner.is_running()
    with qtbot.waitSignal(runner.done, timeout=30_000) as signal:
        win.close()  # stops the import the way Cancel does, and returns once it has ended
    assert not runner.is_running()
    assert signal.args == [None] and "cancelled" in (runner.error or "")
    assert runner.message_box is None  # no report pops up over a closed window
    assert not runner.dialog.isVisible() and errors == []
    assert store(data, "SELECT count(*) FROM samples") == [(18,)]


def test_a_store_from_a_newer_version_is_refused_with_a_message(qtbot: QtBot, data: ReviewData) -> None:
    with sqlite3.connect(data.path) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999'")
    win, errors = open_window(qtbot, None)
    assert not win.open_project(str(data.path))
    assert len(errors) == 1 and "newer version" in errors[0]
    assert store(data, "SELECT version_num FROM alembic_version") == [("9999",)]  # left alone
    win.close()


def test_first_start_asks_the_name_once_and_reopens_the_last_project(
        qtbot: QtBot, data: ReviewData, monkeypatch: pytest.MonkeyPatch) -> None:
    from irtd_annotator import app as app_module
    from irtd_annotator.ui import dialogs

    asked: list[str | None] = []
    monkeypatch.setattr(dialogs, "ask_annotator", lambda parent, current=None: asked.append(current) or "Cleo")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    opened: list[tuple[str, str | None]] = []

    def close_soon() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, close_soon)
            return
        for w in windows:
            opened.append((w.annotator, w.location))
            w.close()

    QTimer.singleShot(0, close_soon)
    assert app_module.run_gui(project=str(data.path), annotator=None) == 0
    assert asked == [None] and opened == [("Cleo", str(data.path))]
    assert AppSettings().annotator == "Cleo"

    # second start: no question, the last project opens by itself
    QTimer.singleShot(0, close_soon)
    assert app_module.run_gui(project=None, annotator=None) == 0
    assert asked == [None] and opened[1] == ("Cleo", str(data.path))


def test_unexpected_errors_are_logged_and_shown_as_a_message(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from irtd_annotator import app as app_module
    from irtd_annotator.domain.errors import StoreError

    shown_messages: list[str] = []
    monkeypatch.setattr(app_module.QMessageBox, "warning",
                        lambda parent, title, text: shown_messages.append(text))
    hook = app_module.make_excepthook(lambda: None)
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        hook(type(exc), exc, exc.__traceback__)
    log = app_module.log_path().read_text()
    assert "Traceback" in log and "boom in a slot" in log and "test_main_window.py" in log
    assert len(shown_messages) == 1 and "boom in a slot" in shown_messages[0]
    assert "Traceback" not in shown_messages[0] and str(app_module.log_path()) in shown_messages[0]
    # an error the user can act on is shown as it is, without a log entry
    hook(StoreError, StoreError("project x.db is locked by another program"), None)
    assert shown_messages[1] == "project x.db is locked by another program"
    assert app_module.log_path().read_text() == log
