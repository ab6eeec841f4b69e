"""The window's import while another program imports into the same project (issue 12), on
both kinds of store: its progress dialog says that it waits, then it imports."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from irtd_annotator.cli import main
from irtd_annotator.services.project import Project
from test_main_window import open_window
from test_races import WAITING, holding_the_import_lock


def test_the_windows_import_waits_for_another_import_and_then_runs(
        qtbot: QtBot, store_target: str, irtd_files: Path) -> None:
    assert main(["import", str(irtd_files / "AerialCounting.json"), "--db", store_target,
                 "--quiet"]) == 0
    win, errors = open_window(qtbot, store_target)
    with Project.open(store_target, create=False) as project:
        where = project.shown
    with holding_the_import_lock(store_target):
        runner = win.import_files([str(irtd_files / "PedestrianCounting.json")],
                                  show_report=False)
        assert runner is not None
        qtbot.waitUntil(lambda: runner.dialog.labelText().startswith(WAITING), timeout=60_000)
        assert runner.dialog.labelText() == f"{WAITING} {where} to finish..."
    with qtbot.waitSignal(runner.done, timeout=60_000) as signal:
        pass
    assert signal.args[0] is not None and "1,030 added" in signal.args[0].summary()
    assert win.queue is not None and len(win.queue.current_ids()) == 900 + 1030
    assert errors == []
    win.close()
