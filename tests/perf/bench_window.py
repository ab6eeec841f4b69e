"""The window half of ``bench_scale``: run in its own process on a large project.

    .venv/bin/python -m tests.perf.bench_window PROJECT [--pairs 500] [--approvals 200]

Opens the real MainWindow offscreen on PROJECT (as ``irtd-annotator`` does), then
NEXT PAIR: ``controller.step_pair(1)`` ``--pairs`` times, each timed until both panes have
painted; after each move the read-ahead the controller started is let finish (a reviewer
reads the sample meanwhile). APPROVE: on ``--approvals`` Samples in turn, the window's
"approve" action (store write, revision, undo step, queue refresh, progress count), timed
alone. PEAK MEMORY: the peak RSS (VmHWM, else ``ru_maxrss``) after the visits, and before the project was opened.
Prints one JSON line of figures on stdout. Settings and data folders must be isolated by the
caller (IRTD_ANNOTATOR_CONFIG_DIR / IRTD_ANNOTATOR_DATA_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    VmHWM where there is /proc: ru_maxrss survives execve, so a child started by a parent
    that once held more would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def _process_until(app: QApplication, done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()


def run(project: str, *, pairs: int, approvals: int) -> dict[str, object]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    rss_before = _rss_mb()
    window = MainWindow(AppSettings(), annotator="bench")
    window.show()
    started = time.perf_counter()
    assert window.open_project(project), "the project did not open"
    controller = window.controller
    assert controller is not None and controller.current_id is not None
    view = window.pair_view
    _process_until(app, lambda: view.ir_view.paint_count > 0)
    open_s = time.perf_counter() - started
    _process_until(app, lambda: not view.loader.busy)

    moves: list[float] = []
    for _ in range(pairs):
        painted = (view.ir_view.paint_count, view.visible_view.paint_count)
        before = controller.current_id
        start = time.perf_counter()
        controller.step_pair(1)
        _process_until(app, lambda painted=painted: view.ir_view.paint_count > painted[0]
                       and view.visible_view.paint_count > painted[1])
        moves.append((time.perf_counter() - start) * 1000.0)
        assert controller.current_id != before, "step_pair did not move"
        _process_until(app, lambda: not view.loader.busy)  # the reviewer reads meanwhile
    rss_after_visits = _rss_mb()

    approve = window.actions_by_name["approve"]
    window.review_keys.approve_without_images = True  # the approval is timed, not the question
    times: list[float] = []
    for _ in range(approvals):
        controller.step_sample(1)
        app.processEvents()
        start = time.perf_counter()
        approve.trigger()
        times.append((time.perf_counter() - start) * 1000.0)
        app.processEvents()
    window.close()
    return {"open_s": open_s, "next_pair_ms": moves, "approve_ms": times,
            "rss_before_open_mb": rss_before, "rss_after_visits_mb": rss_after_visits,
            "rss_peak_mb": _rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--approvals", type=int, default=200)
    args = parser.parse_args()
    figures = run(args.project, pairs=args.pairs, approvals=args.approvals)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
