"""Benchmark: the queue's search on the 40,200 real IR-TD samples, text words and the ids and
file names it finds since issue 13, and Go to's lookups.

    .venv/bin/python -m tests.perf.bench_search --db /tmp/real.db [--rounds 7]
    .venv/bin/python -m tests.perf.bench_search --db postgresql+psycopg://.../bench

The project is made once from ``../shared/data/irtd_json_sft`` when it holds no Sample yet
(the import is not timed). Each search is what the queue waits for when its text changes:
``ReviewSession.query_ids`` (the ids found, counted by status on the way) and ``counts``
(the progress), through the real service. Prints the median and best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.goto import SampleFinder
from irtd_annotator.services.review.session import ReviewSession

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "irtd_json_sft"
SEARCHES: dict[str, QueueFilter] = {
    "'FLIR_03641' (a file name)": QueueFilter(text="FLIR_03641"),
    "'19750' (an id)": QueueFilter(text="19750"),
    "'PreviewData/FLIR_03641' (a path tail)": QueueFilter(text="PreviewData/FLIR_03641"),
    "'0001' (ids and names)": QueueFilter(text="0001"),
    "'truck'": QueueFilter(text="truck"),
    "'left to right'": QueueFilter(text="left to right"),
    "Location + 'car'": QueueFilter(tasks=("Location",), text="car"),
    "pending + 'person'": QueueFilter(statuses=("pending",), text="person"),
}
GO_TO = ("17", "Location 1234", "FLIR_03641", "53-LLCM/train/0001.jpg", "999999")


def _median_best(fn: object, rounds: int) -> tuple[float, float]:
    assert callable(fn)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def run(location: str, rounds: int) -> None:
    with Project.open(location) as project:
        session = ReviewSession(project, annotator="bench")
        if not session.query_ids(QueueFilter(sort="id", tasks=("Location",))):
            print("importing the 40,200 real samples (not timed) ...", flush=True)
            import_files(project, sorted(DATA.glob("*.json")), options=ImportOptions())
        for name, flt in SEARCHES.items():
            found = len(session.query_ids(flt))

            def search(flt: QueueFilter = flt) -> None:
                ReviewSession(project, annotator="bench").query_ids(flt)  # no counts kept
                session.counts(flt)

            median, best = _median_best(search, rounds)
            print(f"search {name:40s} {found:6,d} found  median {median:7.1f} ms"
                  f"  best {best:7.1f} ms", flush=True)
        finder = SampleFinder(project)
        for typed in GO_TO:
            result = finder.find(typed, QueueFilter(statuses=("approved",)))
            median, best = _median_best(lambda t=typed: finder.find(t, QueueFilter()), rounds)
            print(f"go to  {typed!r:40s} -> {result.sample_id or result.problem!s:>20}"
                  f"  median {median:7.1f} ms  best {best:7.1f} ms", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a project file or PostgreSQL URL")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    run(args.db, args.rounds)
