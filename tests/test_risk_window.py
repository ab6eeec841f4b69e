"""Risk first in the window: the queue's Risk column sorts the riskiest first, and the sample
panel says why a sample is risky, in words (issue 14 item 3)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.queue.model import COLUMN_OF
from test_main_window import Errors, open_window
from test_risk_store import PED, ids, project_files


def click_header(qtbot: QtBot, window: MainWindow, key: str) -> None:
    header = window.queue.table.horizontalHeader()
    section = COLUMN_OF[key]
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    with qtbot.waitSignal(window.queue.filter_changed, timeout=2000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(x, header.height() // 2))


def click_row(qtbot: QtBot, window: MainWindow, row: int) -> None:
    table = window.queue.table
    rect = table.visualRect(table.model().index(row, COLUMN_OF["id"]))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def sorted_by_risk(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, Errors,
                                                          dict[tuple[str, str], int]]:
    """The window on a project of ``project_files``, its queue sorted by a click on Risk."""
    db = tmp_path / "p.db"
    with Project.open(str(db)) as project:
        import_files(project, project_files(tmp_path), options=ImportOptions())
        by_key = ids(project)
    window, errors = open_window(qtbot, str(db))
    click_header(qtbot, window, "risk")
    return window, errors, by_key


def test_the_risk_header_puts_the_riskiest_first_and_the_panel_says_why(
        qtbot: QtBot, tmp_path: Path) -> None:
    window, errors, by_key = sorted_by_risk(qtbot, tmp_path)
    assert window.queue.current_filter().sort == "risk"
    model = window.queue.model
    shown = [model.index(r, COLUMN_OF["risk"]).data() for r in range(model.rowCount())]
    assert shown == ["8", "4", "2", "", ""]
    assert window.queue.current_ids()[:2] == [by_key[(PED, "1")], by_key[(PED, "0")]]

    click_row(qtbot, window, 0)
    qtbot.waitUntil(lambda: window.panel.sample_id == by_key[(PED, "1")], timeout=2000)
    assert window.panel.risk_line.text() == (
        "Risk 8: count 5 vs 3 boxes on the image; another sample of this image answers '3'")
    assert "+4  count 5 vs 3 boxes on the image" in window.panel.risk_line.toolTip()

    click_row(qtbot, window, 2)
    qtbot.waitUntil(lambda: window.panel.sample_id == by_key[("Caption", "0")], timeout=2000)
    assert window.panel.risk_line.text() == "Risk 2: 'red' in an infrared caption"
    click_row(qtbot, window, 4)
    qtbot.waitUntil(lambda: window.panel.sample_id not in (by_key[("Caption", "0")],),
                    timeout=2000)
    assert window.panel.risk_line.text() == "Risk 0: nothing suspicious found"
    assert errors == []
    window.close()


def test_a_count_typed_in_the_window_rescores_the_sample_and_its_sibling(
        qtbot: QtBot, tmp_path: Path) -> None:
    window, errors, by_key = sorted_by_risk(qtbot, tmp_path)
    click_row(qtbot, window, 0)
    five, three = by_key[(PED, "1")], by_key[(PED, "0")]
    qtbot.waitUntil(lambda: window.panel.sample_id == five, timeout=2000)
    spin = window.editing_ui.editors.count_spin
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin.lineEdit(), "3")  # as the other count of the image, and its 3 people
    qtbot.waitUntil(lambda: window.panel.risk_line.text() == "Risk 0: nothing suspicious found",
                    timeout=5000)
    model = window.queue.model

    def risk_cell(sid: int) -> str:
        row = model.row_of(sid)
        assert row is not None
        return str(model.index(row, COLUMN_OF["risk"]).data())

    qtbot.waitUntil(lambda: risk_cell(three) == "", timeout=2000)  # no longer contradicted
    assert risk_cell(five) == ""
    assert errors == []
    window.close()
