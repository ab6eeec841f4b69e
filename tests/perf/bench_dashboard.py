"""Benchmark: the dashboard's numbers (issue 15, ``services/dashboard.read_dashboard``) at
260,000 samples on SQLite (or PostgreSQL with ``--url``).

    .venv/bin/python -m tests.perf.bench_dashboard [--samples 260000] [--url URL] [--json]

Generates an IR-TD-shaped project of ``--samples`` samples (tests/perf/generate.py) and
imports it, then decides some of it as a team would: the Grounding samples approved in bulk,
the Aerial Counting ones rejected (hallucination) and the Pedestrian Counting ones flagged,
200 samples rejected one by one (wrong count), 100 captions edited, and an audit of the Scene
samples drawn, approved and accepted. The baseline, in the same run on the same project: the
kept tally read alone (``tally_by_status`` of everything, what the status bar's progress
reads). Then ``read_dashboard``, best of five. Prints both, their ratio and the goal
(300 ms); exit status 0 either way: the figures are the result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))

from irtd_annotator.cli import main as cli  # noqa: E402
from irtd_annotator.domain.queue_filter import QueueFilter  # noqa: E402
from irtd_annotator.services.dashboard import read_dashboard  # noqa: E402
from irtd_annotator.services.project import Project  # noqa: E402
from irtd_annotator.services.review.audits import accept_audit, create_audit  # noqa: E402
from irtd_annotator.services.review.bulk import Decision, bulk_decide  # noqa: E402
from irtd_annotator.services.review.session import ReviewSession  # noqa: E402
from irtd_annotator.store.tally import tally_by_status  # noqa: E402
from tests.perf.generate import generate  # noqa: E402

T = TypeVar("T")
Figures = dict[str, float | int | str]
GOAL_S = 0.3


def _best(step: Callable[[], T], times: int = 5) -> tuple[T, float]:
    best = float("inf")
    result: T | None = None
    for _ in range(times):
        began = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - began)
    assert result is not None
    return result, best


def _decide(project: Project) -> int:
    """A team's work: bulk and single decisions, edits, an accepted audit; the revisions."""
    done = 0
    for task, decision in (("Grounding", Decision("approved")),
                           ("Aerial Counting", Decision("rejected", "hallucination")),
                           ("Pedestrian Counting", Decision("flagged", note="count again"))):
        done += bulk_decide(project, QueueFilter(tasks=(task,)), decision, who="bulk").total
    session = ReviewSession(project, annotator="ann")
    for sid in session.query_ids(QueueFilter(tasks=("Relationship",)))[:200]:
        session.set_status(sid, "rejected", reason="wrong count")
        done += 1
    for sid in session.query_ids(QueueFilter(tasks=("Caption",)))[:100]:
        text = session.sample(sid).turns[1].text
        session.edit_turn(sid, 1, text.replace("the", "a", 2) + " Edited.")
    create_audit(project, "scene", QueueFilter(tasks=("Scene",)), max_error=0.05,
                 confidence=0.95, seed=1, by=("task", "source"), who="lead")
    done += bulk_decide(project, QueueFilter(audit="scene"), Decision("approved"),
                        who="bo").total
    return done + accept_audit(project, "scene", who="lead").total


@contextlib.contextmanager
def team_project(samples: int, url: str | None) -> Iterator[tuple[Project, int, Path]]:
    """``samples`` generated samples imported and decided as a team would (``_decide``): the
    open project, its number of decisions and a temporary folder (gone afterwards)."""
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), samples=samples)
        target = url or str(Path(tmp) / "dashboard.db")
        with contextlib.redirect_stdout(sys.stderr):
            code = cli(["import", *map(str, files), "--db", target, "--quiet",
                        "--image-root", str(Path(tmp) / "images" / "Data4MLLM")])
        if code != 0:
            raise SystemExit(f"the import failed (exit status {code})")
        with Project.open(target, create=False) as project:
            yield project, _decide(project), Path(tmp)


def tally_seconds(project: Project) -> float:
    """The baseline: the kept tally read alone (what the status bar's progress reads), best of 5."""

    def tally() -> dict[str, int]:
        with project.engine.connect() as conn:
            return tally_by_status(conn, statuses=(), tasks=(), sources=())

    return _best(tally)[1]


def run(samples: int, url: str | None) -> dict[str, float | int | str]:
    """Import ``samples`` generated samples, decide some, then time the baseline and the read."""
    with team_project(samples, url) as (project, decisions, _tmp):
        base_s = tally_seconds(project)
        dash, read_s = _best(lambda: read_dashboard(project))
        store = project.engine.dialect.name
    return {"samples": samples, "store": store, "decisions": decisions,
            "bars": len(dash.by_task) + len(dash.by_source) + len(dash.drafts)
            + len(dash.reject_reasons) + len(dash.warning_kinds) + len(dash.audits),
            "reviewer_days": len(dash.per_day),
            "baseline_s": round(base_s, 4), "read_s": round(read_s, 4),
            "ratio": round(read_s / base_s, 1) if base_s else 0.0, "goal_s": GOAL_S}


def measured(doc: str, bench: Callable[[int, str | None], Figures]) -> Figures | None:
    """Read ``--samples``, ``--url`` and ``--json`` and run ``bench``: its figures, or None
    when they were printed as JSON."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--url", help="a PostgreSQL database URL (default: SQLite)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    f = bench(args.samples, args.url)
    if args.json:
        print(json.dumps(f))
        return None
    return f


def main() -> None:
    f = measured(__doc__, run)
    if f is None:
        return
    print(f"{f['samples']:,} samples on {f['store']}, {f['decisions']:,} decisions: "
          f"read_dashboard {float(f['read_s']) * 1000:.0f} ms (best of 5; goal "
          f"{GOAL_S * 1000:.0f} ms); the tally alone {float(f['baseline_s']) * 1000:.1f} ms; "
          f"ratio {f['ratio']}x; {f['bars']} bars, {f['reviewer_days']} reviewer-days")


if __name__ == "__main__":
    main()
