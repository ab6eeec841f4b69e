"""Benchmark: opening the Dashboard dock (issue 15) at 260,000 samples: ``read_dashboard``
and drawing every chart in the dock, offscreen, on SQLite (or PostgreSQL with ``--url``).

    .venv/bin/python -m tests.perf.bench_dock [--samples 260000] [--url URL] [--json]

The same project and team's work as tests/perf/bench_dashboard.py (generated, imported, then
bulk and single decisions, edits and an accepted audit). The baseline, in the same run on the
same project: the kept tally read alone (what the status bar's progress reads). Then the dock
opened as Ctrl+Shift+D opens it: the numbers read, the eight charts built, laid out and painted
in a dock of the size it has beside the queue at 1366x768 (``DOCK_SIZE``), best of five, each
time a new dock (and the read alone, to tell the drawing's share). Also a live refresh whose
numbers did not move (read again, no chart redrawn).
Prints the figures, their ratio to the baseline and the goal (300 ms); exit status 0 either
way: the figures are the result.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # measured, never shown

from PySide6.QtWidgets import QApplication  # noqa: E402

from irtd_annotator.services.dashboard import read_dashboard  # noqa: E402
from irtd_annotator.ui.dashboard.dock import DashboardDock  # noqa: E402
from tests.perf.bench_dashboard import _best, measured, tally_seconds, team_project  # noqa: E402

GOAL_S = 0.3
DOCK_SIZE = (780, 420)  # beside the queue under the images and the sample panel, 1366x768


def run(samples: int, url: str | None) -> dict[str, float | int | str]:
    """Import ``samples`` generated samples, decide some, then time the baseline and the dock."""
    app = QApplication.instance() or QApplication([])
    with team_project(samples, url) as (project, decisions, _tmp):
        base_s = tally_seconds(project)
        _dash, read_s = _best(lambda: read_dashboard(project))  # the numbers alone
        docks: list[DashboardDock] = []

        def open_dock() -> int:
            dock = DashboardDock()
            dock.resize(*DOCK_SIZE)
            dock.show()
            dock.show_dashboard(read_dashboard(project))
            app.processEvents()  # the layout places the views
            dock.grab()  # and paints what the dock shows
            docks.append(dock)
            return len(dock.views)

        charts, open_s = _best(open_dock)
        dock = docks[-1]

        def refresh() -> int:  # numbers unchanged: every view kept
            before = list(dock.views)
            dock.show_dashboard(read_dashboard(project))
            app.processEvents()
            dock.grab()
            return sum(a is b for a, b in zip(before, dock.views))

        kept, refresh_s = _best(refresh)
        store = project.engine.dialect.name
        for d in docks:
            d.close()
            d.deleteLater()
        app.processEvents()
    return {"samples": samples, "store": store, "decisions": decisions, "charts": charts,
            "kept_on_refresh": kept, "baseline_s": round(base_s, 4), "open_s": round(open_s, 4),
            "refresh_s": round(refresh_s, 4), "read_s": round(read_s, 4),
            "ratio": round(open_s / base_s) if base_s else 0.0, "goal_s": GOAL_S}


def main() -> None:
    f = measured(__doc__, run)
    if f is None:  # printed as JSON
        return
    ms = {key: float(f[key]) * 1000 for key in ("open_s", "read_s", "refresh_s", "baseline_s")}
    lines = [
        f"{f['samples']:,} samples on {f['store']}, {f['decisions']:,} decisions",
        f"opening the dock (read_dashboard + {f['charts']} charts drawn): {ms['open_s']:.0f} ms "
        f"(best of 5; goal {GOAL_S * 1000:.0f} ms), the read alone {ms['read_s']:.0f} ms",
        f"a refresh with unchanged numbers: {ms['refresh_s']:.0f} ms "
        f"({f['kept_on_refresh']} views kept)",
        f"the tally alone (baseline): {ms['baseline_s']:.1f} ms; ratio {f['ratio']}x",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
