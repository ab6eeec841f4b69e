"""Composition root of the window: QApplication, the annotator's name, the main window, the
project it opens, and an exception hook that shows a message instead of a traceback."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.folders import log_exception, log_path  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from irtd_annotator.ui.main_window import MainWindow

# Hidden diagnostic: "1" prints the seconds from start-up (after the imports) until the first
# Sample is painted; "quit" also closes the window then (used by tests/perf/bench_scale.py).
REPORT_STARTUP_ENV = "IRTD_ANNOTATOR_REPORT_STARTUP"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def make_excepthook(parent: Callable[[], QWidget | None]) -> ExceptHook:
    """A sys.excepthook that logs the traceback and shows the user a plain message."""
    showing: list[bool] = [False]  # no second box while the first is open

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if isinstance(exc, UserError):
            text = str(exc)
        else:
            try:
                where = log_exception(exc_type, exc, tb)
            except OSError:
                where = None
            text = (f"Something went wrong: {exc_type.__name__}: {exc}\n\nYour work saved so "
                    "far is kept. " + (f"The details were written to {where}." if where else ""))
        print(f"irtd-annotator: {text}", file=sys.stderr)
        if showing[0] or QApplication.instance() is None:
            return
        showing[0] = True
        try:
            QMessageBox.warning(parent(), "IRTD Annotator", text)
        finally:
            showing[0] = False

    return hook


def run_gui(*, project: str | None, annotator: str | None,
            screenshot: Path | None = None) -> int:
    """Open the review window (on ``project``, else the last one) and run until it closes.

    The annotator's name is asked once at first start unless given, and remembered.
    With ``screenshot``, the window is saved to that PNG once painted, then closed.
    """
    from irtd_annotator.ui.dialogs import ask_annotator
    from irtd_annotator.ui.main_window import MainWindow
    from irtd_annotator.ui.settings import AppSettings

    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("IRTD Annotator")
    app.setOrganizationName("irtd-annotator")
    windows: list[MainWindow] = []
    sys.excepthook = make_excepthook(lambda: windows[0] if windows else None)

    settings = AppSettings()
    name = (annotator or "").strip() or settings.annotator
    if not name:
        name = ask_annotator(None)
        if name is None:
            print("irtd-annotator: no annotator name given; nothing opened", file=sys.stderr)
            return 1
    if not settings.annotator or not annotator:
        settings.annotator = name

    window = MainWindow(settings, annotator=name)
    windows.append(window)
    window.show()
    target = project or settings.last_project
    if target:
        window.open_project(target)
    report = os.environ.get(REPORT_STARTUP_ENV, "")
    if report:
        _report_startup(window, started, quit_after=report == "quit")
    if screenshot is not None:
        QTimer.singleShot(1500, lambda: _grab_and_quit(window, screenshot))
    return app.exec()


def _report_startup(window: MainWindow, started: float, *, quit_after: bool) -> None:
    """Print when the first Sample has been painted (or nothing is open), then maybe quit."""
    timer = QTimer(window)

    def check() -> None:
        shown = window.controller is not None and window.controller.current_id is not None
        if shown and window.pair_view.ir_view.paint_count == 0:
            return
        timer.stop()
        what = "first sample shown" if shown else "no sample to show"
        print(f"startup: {time.perf_counter() - started:.3f} s until {what}", file=sys.stderr,
              flush=True)
        if quit_after:
            window.close()

    timer.timeout.connect(check)
    timer.start(0)


def _grab_and_quit(window: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))
    window.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m irtd_annotator.app [PROJECT] [--annotator NAME] [--screenshot PNG]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m irtd_annotator.app")
    parser.add_argument("project", nargs="?")
    parser.add_argument("--annotator")
    parser.add_argument("--screenshot", type=Path, help="save the window to this PNG and quit")
    args = parser.parse_args(argv)
    return run_gui(project=args.project, annotator=args.annotator, screenshot=args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
