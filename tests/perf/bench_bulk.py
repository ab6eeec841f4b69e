"""Benchmark: one bulk review decision (issue 14) of 100,000 and 260,000 samples on SQLite;
goal <= 5 s for 100,000.

    .venv/bin/python -m tests.perf.bench_bulk [--samples 100000 260000] [--json]
    .venv/bin/python -m tests.perf.bench_bulk --project STORE [--task T ...] [--to pending]

``--project``: an existing store instead (issue 16: 1,000,000 samples of the 2.6M store;
work on a copy). Every sample of the ``--task`` filters (and ``--source``) gets the decision
``--to``, then the undo puts each back, so the store ends with the decisions it had; the
baseline is the same rows' plain ``UPDATE`` of the status, rolled back.

Generates an IR-TD-shaped project of ``--samples`` samples (tests/perf/generate.py) in a
temporary folder, imports it, and copies the project file. On the copy, the baseline: one
plain ``UPDATE samples SET status = 'approved'`` of the same pending rows (the tally trigger
fires as for any status change). On the original, ``bulk_decide`` approves every pending
sample: reading them, one revision each, versions, who and when. The window also counts
them first (the confirmation: a dry run) and offers one undo step: both are timed too. Prints
the times and the ratio of the decision to the baseline, per size; exit status 0 either way:
the figures are the result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, text  # noqa: E402

from irtd_annotator.cli import main as cli  # noqa: E402
from irtd_annotator.domain.queue_filter import QueueFilter  # noqa: E402
from irtd_annotator.services.project import Project  # noqa: E402
from irtd_annotator.services.review.bulk import Decision, bulk_decide  # noqa: E402
from tests.perf.generate import generate  # noqa: E402

GOAL_S = 5.0
GOAL_1M_S = 30.0  # issue 16: 1,000,000 samples


def run(samples: int) -> dict[str, float | int]:
    """Import ``samples`` generated samples, then time the baseline and the bulk approve."""
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), samples=samples)
        db, copy = Path(tmp) / "bulk.db", Path(tmp) / "baseline.db"
        with contextlib.redirect_stdout(sys.stderr):
            code = cli(["import", *map(str, files), "--db", str(db), "--quiet",
                        "--image-root", str(Path(tmp) / "images" / "Data4MLLM")])
        if code != 0:
            raise SystemExit(f"the import failed (exit status {code})")
        shutil.copyfile(db, copy)  # the import's engine is closed: the WAL is checkpointed
        with Project.open(copy, create=False) as project:
            began = time.perf_counter()
            with project.engine.begin() as conn:
                rows = conn.execute(text("UPDATE samples SET status = 'approved'"
                                         " WHERE status = 'pending'")).rowcount
            baseline = time.perf_counter() - began
        with Project.open(db, create=False) as project:
            figures = _decide(project, QueueFilter(statuses=("pending",)), Decision("approved"))
    return {"samples": samples, "baseline_rows": rows, "baseline_s": round(baseline, 3),
            **figures, "ratio": round(figures["bulk_s"] / baseline, 1) if baseline else 0.0,
            "goal_s": GOAL_S}


def _decide(project: Project, flt: QueueFilter, decision: Decision) -> dict[str, float | int]:
    """Time the count of ``decision`` (the window's confirmation), the decision, its undo."""
    began = time.perf_counter()
    bulk_decide(project, flt, decision, who="bench", dry_run=True)
    plan = time.perf_counter() - began
    began = time.perf_counter()
    result = bulk_decide(project, flt, decision, who="bench")
    bulk = time.perf_counter() - began
    began = time.perf_counter()
    undone = result.undo_on(project)
    undo = time.perf_counter() - began
    return {"decided": result.total, "undone": undone.total, "plan_s": round(plan, 3),
            "bulk_s": round(bulk, 3), "undo_s": round(undo, 3)}


def run_on(store: Path, tasks: list[str], sources: list[str], to: str) -> dict[str, float | int]:
    """Time the decision ``to`` of every sample of ``tasks``/``sources`` on ``store`` in
    place, its undo, and the plain UPDATE of the same rows (rolled back) as the baseline."""
    import resource

    flt = QueueFilter(tasks=tuple(tasks), sources=tuple(sources))
    with Project.open(store, create=False) as project:
        began = time.perf_counter()
        with project.engine.connect() as conn, conn.begin() as trans:
            where = ["status <> :to"]
            if tasks:
                where.append("task IN :tasks")
            if sources:
                where.append("pair_id IN (SELECT id FROM pairs WHERE source IN :sources)")
            plain = text(f"UPDATE samples SET status = :to WHERE {' AND '.join(where)}")
            plain = plain.bindparams(*(bindparam(name, expanding=True) for name, given in
                                       (("tasks", tasks), ("sources", sources)) if given))
            rows = conn.execute(plain, {"to": to, "tasks": tasks, "sources": sources}).rowcount
            trans.rollback()
        baseline = time.perf_counter() - began
        figures = _decide(project, flt, Decision(to))
    return {"samples": rows, "baseline_rows": rows, "baseline_s": round(baseline, 3), **figures,
            "ratio": round(figures["bulk_s"] / baseline, 1) if baseline else 0.0,
            "goal_s": GOAL_1M_S,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[100_000, 260_000])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--project", type=Path, help="an existing store (a copy: written)")
    parser.add_argument("--task", action="append", default=[])
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--to", default="pending", help="the decision, with --project")
    args = parser.parse_args()
    import os

    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    sizes = [None] if args.project else args.samples
    for samples in sizes:
        figures = (run(samples) if samples is not None
                   else run_on(args.project, args.task, args.source, args.to))
        if args.json:
            print(json.dumps(figures))
            continue
        print(f"bulk approve of {figures['decided']:,} samples: {figures['bulk_s']:.2f} s "
              f"(goal <= {figures['goal_s']:.0f} s); plain UPDATE of "
              f"{figures['baseline_rows']:,} rows: {figures['baseline_s']:.2f} s; ratio "
              f"{figures['ratio']}x; the count before it {figures['plan_s']:.2f} s, its undo "
              f"({figures['undone']:,}) {figures['undo_s']:.2f} s; peak "
              f"{figures.get('peak_mb', '?')} MB; load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
