"""The real window for the pair view's tests, active so that the keys reach it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtTest import QTest

from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings


def make_project(llvip_dir: Path, path: Path) -> str:
    """A project of the real LLVIP pairs at ``path``; its location."""
    with Project.open(path) as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
    return str(path)


def open_window(qtbot, errors: list[str]) -> MainWindow:  # type: ignore[no-untyped-def]
    """A shown, active window whose error messages land in ``errors`` (no modal box)."""
    window = MainWindow(AppSettings(), annotator="Ada")
    window.show_error = lambda title, message: errors.append(message)  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)  # the keys go to it
    return window
