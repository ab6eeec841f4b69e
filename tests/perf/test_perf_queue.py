"""Benchmark: the lazy queue model on a store of 300,000 Samples, against loading every row.

    .venv/bin/python -m pytest tests/perf/test_perf_queue.py -s
    .venv/bin/python tests/perf/test_perf_queue.py [--samples 300000] [--rounds 5] [--db URL]

The store is filled with Core bulk inserts (real IR-TD prompt and answer shapes, ~2.6 Samples
per Pair as in IR-TD), opened through Project and read through the real ReviewSession.

OPEN: what the user waits for when the queue appears: ``QueueModel.set_filter`` (one id
query) and the first page of rows. SCROLL: fetching one page far down the queue. SORT and
FILTER: re-querying by status, by task plus a text search. REFRESH: one changed row.
BASELINE, in the same run: ``session.rows`` of every id, i.e. what a model that loads all rows
(or QSortFilterProxyModel over a full model) pays before it can show anything. Prints the
medians and the ratio OPEN / BASELINE; the goal is a ratio <= 0.25. ``--db URL`` (or
IRTD_BENCH_DATABASE_URL) builds the store in that empty PostgreSQL database instead of a
temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication
from sqlalchemy import insert

from irtd_annotator.domain.infrared_words import find_infrared_issues
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.store.schema import Pair, Sample, Turn
from irtd_annotator.ui.queue.model import QueueModel

GOAL_RATIO = 0.25
TASKS = ("Grounding", "Location", "Relationship", "Security", "Caption")
STATUSES = ("pending", "pending", "pending", "approved", "rejected", "flagged")
CAPTION = ("A night street scene: two pedestrians appear bright against the cooler pavement, "
           "and the engine of a parked car is still warm.")


def build_store(path: Path | str, samples: int, *, seed: int = 0) -> None:
    """``samples`` Samples on samples/2.6 Pairs, two Turns each, in one transaction."""
    rng = random.Random(seed)
    pairs = max(1, int(samples / 2.6))
    with Project.open(path) as project, project.engine.begin() as conn:
        conn.execute(insert(Pair), [
            {"id": p, "rel_path": f"63-FLIR_ADAS/training/PreviewData/FLIR_{p:06d}.jpeg",
             "source": "63-FLIR_ADAS", "ir_path": None, "visible_path": None,
             "ir_exists": p % 11 != 0, "visible_exists": False, "width": 640, "height": 512,
             "aligned": False} for p in range(1, pairs + 1)])
        sample_rows, turn_rows = [], []
        for s in range(1, samples + 1):
            task = TASKS[s % len(TASKS)]
            sample_rows.append({
                "id": s, "task": task, "original_id": str(s), "source_file": f"{task}.json",
                "pair_id": rng.randint(1, pairs), "image": f"/x/FLIR_{s}.jpeg",
                "image_as_list": True, "answer_space": "pixel", "status": rng.choice(STATUSES),
                "edited": s % 17 == 0, "warnings": "outside-image" if s % 23 == 0 else None})
            if task == "Caption":
                prompt, answer = "<image>\nDescribe this picture in detail.", CAPTION
            else:
                prompt = ("<image>\nDetect the bounding box of the person located at the right "
                          "of the image.")
                answer = f"The target bounding box is <box>[[{s % 600}, 223, 612, 238]]</box>."
            turn_rows.append({"sample_id": s, "idx": 0, "role": "human", "original": prompt,
                              "text": prompt})
            turn_rows.append({"sample_id": s, "idx": 1, "role": "gpt", "original": answer,
                              "text": answer})
        conn.execute(insert(Sample), sample_rows)
        conn.execute(insert(Turn), turn_rows)


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run(samples: int, rounds: int, db_url: str | None = None) -> float:
    app = QApplication.instance() or QApplication([])
    assert app is not None
    with tempfile.TemporaryDirectory() as tmp:
        db: Path | str = db_url or Path(tmp) / "queue.db"
        start = time.perf_counter()
        build_store(db, samples)
        print(f"built a store of {samples:,} samples in {time.perf_counter() - start:.1f} s")
        with Project.open(db, create=False) as project:
            session = ReviewSession(project, annotator="bench")
            ids = session.query_ids(QueueFilter())
            assert len(ids) == samples

            def open_queue() -> None:
                model = QueueModel(session)
                model.set_filter(QueueFilter())
                assert model.row_at(0) is not None

            model = QueueModel(session)
            model.set_filter(QueueFilter())
            rng = random.Random(1)

            def scroll() -> None:
                assert model.row_at(rng.randrange(samples)) is not None

            def sort() -> None:
                model.set_filter(QueueFilter(sort="status", descending=not model.filter.descending))
                model.row_at(0)

            def search() -> None:
                flt = QueueFilter(tasks=("Caption",), text="engine" if model.filter.text != "engine"
                                  else "pavement")
                model.set_filter(flt)
                model.row_at(0)

            shown = QueueModel(session)
            shown.set_filter(QueueFilter())
            target = ids[samples // 2]
            statuses = iter(["approved", "flagged"] * rounds)

            def refresh() -> None:
                shown.refresh(session.set_status(target, next(statuses)))
                assert shown.row_at(samples // 2) is not None

            def baseline() -> None:
                assert len(session.rows(ids)) == samples

            figures = {
                "OPEN (ids + first page)": timed(open_queue, rounds),
                "SCROLL (one page, random)": timed(scroll, rounds * 4),
                "SORT by status": timed(sort, rounds),
                "FILTER task + text": timed(search, rounds),
                "REFRESH one row (+ its write)": timed(refresh, rounds),
                "BASELINE (every row)": timed(baseline, rounds),
            }
    for name, values in figures.items():
        print(f"{name:32s} median {statistics.median(values) * 1000:8.1f} ms   "
              f"best {min(values) * 1000:8.1f} ms")
    caption = " ".join([CAPTION] * 7)  # ~1,000 characters
    per_call = min(timed(lambda: find_infrared_issues(caption), 50))
    print(f"find_infrared_issues on {len(caption)} characters: {per_call * 1e6:.0f} µs per call")
    ratio = statistics.median(figures["OPEN (ids + first page)"]) / \
        statistics.median(figures["BASELINE (every row)"])
    print(f"ratio OPEN / BASELINE = {ratio:.3f} (goal <= {GOAL_RATIO})")
    return ratio


def test_queue_opens_much_faster_than_loading_every_row() -> None:
    assert run(300_000, 3) <= GOAL_RATIO


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default=os.environ.get("IRTD_BENCH_DATABASE_URL"),
                        help="an empty PostgreSQL database URL to build the store in")
    args = parser.parse_args()
    sys.exit(0 if run(args.samples, args.rounds, args.db) <= GOAL_RATIO else 1)
