"""Benchmark: the queue's "riskiest first" at 260,000 samples (issue 14), and what keeping the
risk score costs an import. Goal: re-sorting by risk <= 50 ms.

    .venv/bin/python -m tests.perf.bench_risk [--samples 260000] [--json]

Generates an IR-TD-shaped project (tests/perf/generate.py) in a temporary folder and imports
it (the import scores every sample, timed as a whole). Then, in the same run:

- the re-sort: what the queue reads on a click of the Risk header (the filter's count and
  its first window of 2,000 ids, ``IdWindows.read``), against the baseline of the same
  filter in id order, best of five each, for all samples and for the pending samples of one
  task; and the whole read of every id (``query_ids``) both ways, for comparison;
- the score at import: every score set back to 0, then ``refresh_risk`` over the whole
  project (what the import ran), timed, against the import's time without it.

Prints the figures and ratios; exit status 0 either way: the figures are the result.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from irtd_annotator.cli import main as cli  # noqa: E402
from irtd_annotator.domain.queue_filter import QueueFilter  # noqa: E402
from irtd_annotator.services.project import Project  # noqa: E402
from irtd_annotator.services.review.session import ReviewSession  # noqa: E402
from irtd_annotator.services.risk import refresh_risk  # noqa: E402
from irtd_annotator.ui.queue.id_windows import IdWindows  # noqa: E402
from tests.perf.generate import generate  # noqa: E402

GOAL_MS = 50.0
WINDOW = 2000  # the queue's window of ids (ui/queue/model.py)


def best_ms(action: Callable[[], object], runs: int = 5) -> float:
    """The best of ``runs`` timings of ``action``, in milliseconds."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return min(times)


def run(samples: int) -> dict[str, float | int]:
    """Import ``samples`` generated samples, then time the re-sorts and the scoring."""
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), samples=samples)
        db = Path(tmp) / "risk.db"
        began = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):
            code = cli(["import", *map(str, files), "--db", str(db), "--quiet",
                        "--image-root", str(Path(tmp) / "images" / "Data4MLLM")])
        imported = time.perf_counter() - began
        if code != 0:
            raise SystemExit(f"the import failed (exit status {code})")
        figures: dict[str, float | int] = {"samples": samples, "import_s": round(imported, 2)}
        with Project.open(db, create=False) as project:
            session = ReviewSession(project, annotator="bench")
            task = QueueFilter(statuses=("pending",), tasks=("Location",))
            for name, flt in (("all", QueueFilter()), ("task", task)):
                risk = dataclasses.replace(flt, sort="risk")
                baseline = best_ms(functools.partial(IdWindows(session, window_size=WINDOW).read,
                                                     flt))
                by_risk = best_ms(functools.partial(IdWindows(session, window_size=WINDOW).read,
                                                    risk))
                figures[f"{name}_rows"] = len(session.query_ids(risk))
                figures[f"{name}_id_ms"] = round(baseline, 1)
                figures[f"{name}_risk_ms"] = round(by_risk, 1)
                figures[f"{name}_ratio"] = round(by_risk / baseline, 2) if baseline else 0.0
                figures[f"{name}_whole_id_ms"] = round(
                    best_ms(functools.partial(session.query_ids, flt)), 1)
                figures[f"{name}_whole_risk_ms"] = round(
                    best_ms(functools.partial(session.query_ids, risk)), 1)
            with project.engine.connect() as conn:
                scored = conn.execute(text("SELECT count(*) FROM samples WHERE risk > 0")).scalar()
            figures["scored_above_0"] = int(scored or 0)
            with project.engine.begin() as conn:
                conn.execute(text("UPDATE samples SET risk = 0, risk_parts = NULL"))
            began = time.perf_counter()
            with project.engine.begin() as conn:
                changed = refresh_risk(conn)
            scoring = time.perf_counter() - began
        figures.update(rescored=changed, risk_s=round(scoring, 2),
                       import_without_risk_s=round(imported - scoring, 2),
                       import_share=round(scoring / imported, 2) if imported else 0.0,
                       goal_ms=GOAL_MS)
    return figures


def report(f: dict[str, float | int]) -> str:
    """The figures in words, one line each."""
    lines = [f"re-sort by risk, {what} ({f[f'{name}_rows']:,}): {f[f'{name}_risk_ms']} ms "
             f"(goal <= {GOAL_MS:.0f} ms); by id: {f[f'{name}_id_ms']} ms; "
             f"ratio {f[f'{name}_ratio']}x; every id read at once: by risk "
             f"{f[f'{name}_whole_risk_ms']} ms, by id {f[f'{name}_whole_id_ms']} ms"
             for name, what in (("all", "all samples"), ("task", "pending Location samples"))]
    lines.append(f"import of {f['samples']:,} samples: {f['import_s']} s, of which scoring all "
                 f"samples {f['risk_s']} s ({f['import_share']:.0%}; without it "
                 f"{f['import_without_risk_s']} s); {f['scored_above_0']:,} samples score above 0")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.samples)
    print(json.dumps(figures) if args.json else report(figures))


if __name__ == "__main__":
    main()
