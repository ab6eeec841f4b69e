"""Benchmark: an audit (issue 14) over 260,000 pending samples on SQLite: creation, status,
and the accept of the rest once the drawn samples are approved.

    .venv/bin/python -m tests.perf.bench_audit [--samples 260000] [--json]

Generates an IR-TD-shaped project of ``--samples`` samples (tests/perf/generate.py) in a
temporary folder and imports it. The baseline, in the same run on the same project: one plain
SELECT of the pending samples' ids with their task and source (what any stratified draw must
read). Then ``create_audit`` of every pending sample by task x source (5% at 95%): the read,
the plan per stratum, the seeded draw and its inserts. Then ``audit_statuses``, the drawn
samples approved (``bulk_decide`` with the audit's filter), and ``accept_audit`` of the
rest. Prints the times and the creation's ratio to the baseline; exit status 0 either way:
the figures are the result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from irtd_annotator.cli import main as cli  # noqa: E402
from irtd_annotator.domain.queue_filter import QueueFilter  # noqa: E402
from irtd_annotator.services.project import Project  # noqa: E402
from irtd_annotator.services.review.audits import (  # noqa: E402
    accept_audit,
    audit_statuses,
    create_audit,
)
from irtd_annotator.services.review.bulk import Decision, bulk_decide  # noqa: E402
from tests.perf.generate import generate  # noqa: E402

T = TypeVar("T")


def _timed(step: Callable[[], T]) -> tuple[T, float]:
    began = time.perf_counter()
    result = step()
    return result, time.perf_counter() - began


def run(samples: int) -> dict[str, float | int]:
    """Import ``samples`` generated samples, then time the baseline and the audit's steps."""
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), samples=samples)
        db = Path(tmp) / "audit.db"
        with contextlib.redirect_stdout(sys.stderr):
            code = cli(["import", *map(str, files), "--db", str(db), "--quiet",
                        "--image-root", str(Path(tmp) / "images" / "Data4MLLM")])
        if code != 0:
            raise SystemExit(f"the import failed (exit status {code})")
        with Project.open(db, create=False) as project:
            def baseline() -> int:
                with project.engine.connect() as conn:
                    return len(conn.execute(text(
                        "SELECT s.id, s.task, p.source FROM samples s JOIN pairs p ON"
                        " p.id = s.pair_id WHERE s.status = 'pending' ORDER BY s.id")).all())

            rows, base_s = _timed(baseline)
            status, create_s = _timed(lambda: create_audit(
                project, "bench", QueueFilter(), max_error=0.05, confidence=0.95, seed=1,
                by=("task", "source"), who="bench"))
            _statuses, status_s = _timed(lambda: audit_statuses(project, "bench"))
            bulk_decide(project, QueueFilter(audit="bench"), Decision("approved"), who="bench")
            accepted, accept_s = _timed(lambda: accept_audit(project, "bench", who="bench"))
    strata = status.strata
    return {"samples": samples, "pending_rows": rows,
            "strata": len(strata), "drawn": sum(s.drawn for s in strata),
            "accepted": accepted.total,
            "baseline_s": round(base_s, 3), "create_s": round(create_s, 3),
            "ratio": round(create_s / base_s, 1) if base_s else 0.0,
            "status_s": round(status_s, 3), "accept_s": round(accept_s, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    f = run(args.samples)
    if args.json:
        print(json.dumps(f))
        return
    print(f"audit of {f['pending_rows']:,} pending samples in {f['strata']} strata "
          f"({f['drawn']:,} drawn): created in {f['create_s']:.2f} s; plain SELECT of the "
          f"pending ids, tasks and sources: {f['baseline_s']:.2f} s; ratio {f['ratio']}x; "
          f"status {f['status_s']:.3f} s; accept of {f['accepted']:,}: {f['accept_s']:.2f} s")


if __name__ == "__main__":
    main()
