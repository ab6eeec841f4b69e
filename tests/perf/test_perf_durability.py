"""Benchmark: what ``synchronous=FULL`` (ADR 0013) costs an approve and an import, against NORMAL.

    .venv/bin/python -m pytest tests/perf/test_perf_durability.py -s
    .venv/bin/python tests/perf/test_perf_durability.py [--samples 260000] [--rounds 40]
        [--import-rounds 2] [--window PROJECT]

APPROVE: ``set_status`` (transaction with its revision) + ``counts`` of the whole queue, i.e.
the A key, as in test_perf_review.py, on a store of ``--samples`` Samples. Two projects are open
on the same file, one whose connections use FULL (the engine's setting) and one NORMAL (what it
used before); the rounds alternate between them, so both see the same machine load. IMPORT: the
40,200 real IR-TD samples into a fresh project (test_perf_import.py's ``run_import``), in each
mode, alternating. WINDOW (with ``--window PROJECT``, e.g. a store built by bench_scale): the
window's approve action (bench_window.py: store write, revision, undo step, queue refresh,
progress count), 100 approvals per mode, twice each, alternating. Prints medians, the 90th
percentiles and the ratios FULL / NORMAL; the goal is an approve <= 20 ms with FULL.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script path, or collected by pytest from tests/
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_perf_import import run_import  # noqa: E402
from test_perf_queue import build_store, timed  # noqa: E402

from irtd_annotator.services.project import Project  # noqa: E402
from irtd_annotator.services.review.session import QueueFilter, ReviewSession  # noqa: E402
from irtd_annotator.store import engine as store_engine  # noqa: E402

GOAL_APPROVE_MS = 20.0
MODES = {"NORMAL": 1, "FULL": 2}  # PRAGMA synchronous values


@contextmanager
def synchronous(mode: str) -> Iterator[None]:
    """Engines created inside the block set ``PRAGMA synchronous=mode`` on every connection,
    after the engine's own settings."""
    real = store_engine._set_sqlite_pragmas

    def pragmas(dbapi_conn: Any, record: object) -> None:
        real(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA synchronous={mode}")

    store_engine._set_sqlite_pragmas = pragmas  # type: ignore[assignment]
    try:
        yield
    finally:
        store_engine._set_sqlite_pragmas = real  # type: ignore[assignment]


def _open(db: Path, mode: str) -> Project:
    with synchronous(mode):
        project = Project.open(db, create=False)
    with project.engine.connect() as conn:  # the mode is really in force
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == MODES[mode]
    return project


def approve_ms(samples: int, rounds: int) -> dict[str, list[float]]:
    """Milliseconds of each approve (+ progress count) per mode, rounds interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "review.db"
        build_store(db, samples)
        projects = {mode: _open(db, mode) for mode in MODES}
        try:
            sessions = {mode: ReviewSession(p, annotator="bench") for mode, p in projects.items()}
            ids = sessions["FULL"].query_ids(QueueFilter())
            targets = {"NORMAL": ids[samples // 3], "FULL": ids[2 * samples // 3]}
            flt = QueueFilter()
            figures: dict[str, list[float]] = {mode: [] for mode in MODES}
            for n in range(rounds):
                status = ("approved", "flagged")[n % 2]
                for mode, session in sessions.items():
                    sessions[mode].counts(flt)  # warm: the first count reads the tally

                    def approve(session: ReviewSession = session, mode: str = mode,
                                status: str = status) -> None:
                        assert session.set_status(targets[mode], status)
                        session.counts(flt)

                    figures[mode] += [t * 1000 for t in timed(approve, 1)]
        finally:
            for project in projects.values():
                project.close()
    return figures


def import_s(rounds: int) -> dict[str, list[float]]:
    """Wall-clock seconds of the 40,200-sample import per mode, rounds interleaved."""
    figures: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            for mode in MODES:
                with synchronous(mode):
                    figures[mode].append(run_import(Path(tmp) / f"{mode}-{n}.db")[0])
    return figures


def window_ms(project: str, rounds: int = 2) -> dict[str, list[float]]:
    """Milliseconds of the window's approve action per mode (bench_window.py), alternating."""
    from tests.perf import bench_window  # Qt only when asked for

    figures: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(rounds):
        for mode in MODES:
            with synchronous(mode):
                figures[mode] += bench_window.run(project, pairs=10, approvals=100)["approve_ms"]
    return figures


def _p90(values: list[float]) -> float:
    return sorted(values)[math.ceil(0.9 * (len(values) - 1))]


def report(title: str, unit: str, figures: dict[str, list[float]]) -> float:
    """Print the median and 90th percentile per mode; return the FULL median."""
    medians = {mode: statistics.median(values) for mode, values in figures.items()}
    for mode, values in figures.items():
        print(f"{title} {mode:6s} median {medians[mode]:8.2f} {unit}  p90 {_p90(values):8.2f}"
              f" {unit}  (n={len(values)})")
    print(f"{title} ratio FULL / NORMAL = {medians['FULL'] / medians['NORMAL']:.2f}")
    return medians["FULL"]


def run(samples: int, rounds: int, import_rounds: int, window: str | None = None) -> float:
    full = report("APPROVE", "ms", approve_ms(samples, rounds))
    if import_rounds:
        report("IMPORT ", "s ", import_s(import_rounds))
    if window:
        report("WINDOW APPROVE", "ms", window_ms(window))
    return full


def test_approve_with_full_sync_stays_within_its_goal() -> None:
    assert run(260_000, 40, 1) <= GOAL_APPROVE_MS


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--import-rounds", type=int, default=2)
    parser.add_argument("--window", metavar="PROJECT", help="also time the window's approve")
    args = parser.parse_args()
    run(args.samples, args.rounds, args.import_rounds, args.window)
