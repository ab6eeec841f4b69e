"""Benchmark: the report page (issue 15, ``irtd-annotator report``: ``read_dashboard`` then
``ui.report_page.write_report``) at 260,000 samples on SQLite (or PostgreSQL with ``--url``).

    .venv/bin/python -m tests.perf.bench_report [--samples 260000] [--url URL] [--json]

The same project and team's work as tests/perf/bench_dashboard.py (generated, imported, then
bulk and single decisions, edits and an accepted audit). The baseline, in the same run on the
same project: the kept tally read alone (what the status bar's progress reads). Then the page:
the Dashboard read and the HTML and every chart's PNG written into a new folder, best of three
(the first run includes starting Qt offscreen and Qt Charts). Prints both, their ratio and the
goal (5 s); exit status 0 either way: the figures are the result.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a file, never a window

from irtd_annotator.services.dashboard import read_dashboard  # noqa: E402
from irtd_annotator.ui.report_page import write_report  # noqa: E402
from tests.perf.bench_dashboard import _best, measured, tally_seconds, team_project  # noqa: E402

GOAL_S = 5.0


def run(samples: int, url: str | None) -> dict[str, float | int | str]:
    """Import ``samples`` generated samples, decide some, then time the baseline and the page."""
    with team_project(samples, url) as (project, decisions, tmp):
        base_s = tally_seconds(project)
        runs = iter(range(10))

        def page() -> Path:
            return write_report(read_dashboard(project), tmp / f"out-{next(runs)}")

        written, page_s = _best(page, times=3)
        store = project.engine.dialect.name
        size = written.stat().st_size
        pngs = len(list(written.parent.glob("*.png")))
    return {"samples": samples, "store": store, "decisions": decisions, "pngs": pngs,
            "page_bytes": size, "baseline_s": round(base_s, 4), "page_s": round(page_s, 3),
            "ratio": round(page_s / base_s) if base_s else 0.0, "goal_s": GOAL_S}


def main() -> None:
    f = measured(__doc__, run)
    if f is not None:  # else printed as JSON
        print(f"{f['samples']:,} samples on {f['store']}, {f['decisions']:,} decisions: report page "
              f"(read_dashboard + write_report, {f['pngs']} PNGs, {int(f['page_bytes']):,} bytes "
              f"of HTML) {float(f['page_s']):.2f} s (best of 3; goal {GOAL_S:.0f} s); the tally "
              f"alone {float(f['baseline_s']) * 1000:.1f} ms; ratio {f['ratio']}x")


if __name__ == "__main__":
    main()
