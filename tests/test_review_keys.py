"""Review keys land where the reviewer means them (issue 13): after a move to another sample
no key types into a turn editor the reviewer did not enter, and no key acts on a sample the
queue does not show. Driven by key clicks on the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from editing_data import answer_of, first_of_kind, import_subset, released, sample_id, stored_answer
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.ui.actions import shortcut_rows
from irtd_annotator.ui.dialogs import FlagDialog
from irtd_annotator.ui.main_window import MainWindow
from review_data import ReviewData
from test_main_window import Errors, key, open_window, shown, store, when_modal


@pytest.fixture()
def win(qtbot: QtBot, data: ReviewData) -> Iterator[tuple[MainWindow, Errors]]:
    window, errors = open_window(qtbot, str(data.path))
    yield window, errors
    window.close()


def _turns(data: ReviewData, sample_id: int) -> list[tuple]:
    return store(data, "SELECT idx, text FROM turns WHERE sample_id=? ORDER BY idx", sample_id)


def _in_panel(window: MainWindow) -> bool:
    focus = QApplication.focusWidget()
    return focus is not None and window.panel.isAncestorOf(focus)


def test_approve_and_next_then_a_approves_the_next_sample_and_types_nothing(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, errors = win
    assert window.queue is not None
    # Captions only: the next sample's editors are the same widgets, filled anew, so the
    # one typed in keeps the focus unless the window takes it back
    c1, g2 = data.caption["190001"], data.caption["190002"]
    window.queue.set_filter(QueueFilter(tasks=("Caption",)))
    window.queue.focus_table()
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.table.hasFocus())
    assert shown(window) == c1
    before = _turns(data, g2)

    key(qtbot, window, Qt.Key.Key_E)
    editor = window.panel.turn_editor(1)
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, " Warm.")
    key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert shown(window) == g2
    assert store(data, "SELECT status FROM samples WHERE id=?", c1) == [("approved",)]
    assert not _in_panel(window)  # the keys are the window's again

    key(qtbot, window, Qt.Key.Key_A)
    assert store(data, "SELECT status FROM samples WHERE id=?", g2) == [("approved",)]
    assert _turns(data, g2) == before
    assert store(data, "SELECT count(*) FROM revisions WHERE sample_id=? AND action='text'",
                 g2) == [(0,)]
    assert errors == []


@pytest.mark.parametrize("move", ["next_pending", "next_sample", "prev_sample"])
def test_a_move_from_an_editor_gives_the_keys_back_to_the_window(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors], move: str) -> None:
    window, _errors = win
    assert window.controller is not None
    l1 = data.location["190001"]
    window.controller.go_to(l1)
    key(qtbot, window, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: _in_panel(window))
    # in the editor N, J and K are letters; the move comes from the toolbar's buttons (Next,
    # Previous, Next pending), which take no focus: the editor keeps it unless it is given back
    window.actions_by_name[move].trigger()
    assert shown(window) != l1
    assert not _in_panel(window)
    target = shown(window)
    assert target is not None
    before = _turns(data, target)
    when_modal(FlagDialog, lambda dialog: qtbot.keyClick(dialog.note, Qt.Key.Key_Return))
    key(qtbot, window, Qt.Key.Key_F)
    assert store(data, "SELECT status FROM samples WHERE id=?", target) == [("flagged",)]
    assert _turns(data, target) == before


def test_undo_that_revisits_a_sample_leaves_no_editor_focused(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, _errors = win
    c1, g2 = data.caption["190001"], data.grounding["190002"]
    assert window.controller is not None
    window.controller.go_to(c1)
    key(qtbot, window, Qt.Key.Key_A)
    window.controller.go_to(g2)
    key(qtbot, window, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: _in_panel(window))
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # back to c1
    assert shown(window) == c1
    assert store(data, "SELECT status FROM samples WHERE id=?", c1) == [("pending",)]
    assert not _in_panel(window)


def test_a_on_an_empty_queue_does_nothing_and_the_panel_is_empty(
        qtbot: QtBot, data: ReviewData, win: tuple[MainWindow, Errors]) -> None:
    window, _errors = win
    assert window.queue is not None
    g1 = data.grounding["190001"]
    assert shown(window) == g1
    statuses = store(data, "SELECT id, status FROM samples ORDER BY id")
    window.queue.set_filter(QueueFilter(text="no sample says this"))
    assert window.queue.current_id() is None
    assert window.panel.sample_id is None
    assert shown(window) is None
    window.queue.focus_table()
    for k in (Qt.Key.Key_A, Qt.Key.Key_F, Qt.Key.Key_E):
        key(qtbot, window, k)
    key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert store(data, "SELECT id, status FROM samples ORDER BY id") == statuses
    assert window.panel.sample_id is None

    window.queue.set_filter(QueueFilter())  # the queue shows samples again: so does the panel
    qtbot.waitUntil(lambda: shown(window) is not None)
    assert window.panel.sample_id == shown(window)


def test_digits_on_the_focused_reid_grid_answer_instead_of_switching_the_palette(
        qtbot: QtBot, tmp_path: Path, irtd_files: Path) -> None:
    real = first_of_kind(released(irtd_files, "ReID.json"), count=1)[0]
    with Project.open(tmp_path / "reid.db") as project:
        import_subset(project, tmp_path / "files", {"ReID.json": [real]})
        sid = sample_id(project, "Re-ID", real["id"])
    window, errors = open_window(qtbot, str(tmp_path / "reid.db"))
    try:
        assert shown(window) == sid
        grid = window.editing_ui.editors
        assert grid.stack.currentWidget() is grid.reid_page
        palette = window.pair_view.display().palette
        wanted = "3" if answer_of(real) != "3" else "4"
        grid.reid_buttons["2"].setFocus(Qt.FocusReason.TabFocusReason)  # Tab into the grid
        qtbot.waitUntil(grid.reid_buttons["2"].hasFocus)
        key(qtbot, window, wanted)
        with Project.open(tmp_path / "reid.db", create=False) as project:
            assert stored_answer(project, sid) == wanted
        assert window.pair_view.display().palette == palette
        assert [d for d, b in grid.reid_buttons.items() if b.isChecked()] == [wanted]
        key(qtbot, window, "1")  # the person asked about: no answer, and no palette either
        assert window.pair_view.display().palette == palette
        assert errors == []
    finally:
        window.close()


def test_f1_says_which_keys_an_answer_editor_owns(win: tuple[MainWindow, Errors]) -> None:
    window, _errors = win
    rows = shortcut_rows(window.menus)
    assert ("Re-ID answer grid (focused)", "Same person at position (instead of the palette)",
            "2-8") in rows
    assert any(r[1].startswith("Palette") and r[2] == "3" for r in rows)
