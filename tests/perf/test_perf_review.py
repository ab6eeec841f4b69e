"""Benchmark: what one review keystroke costs in the review service on a large store.

    .venv/bin/python -m pytest tests/perf/test_perf_review.py -s
    .venv/bin/python tests/perf/test_perf_review.py [--samples 300000] [--rounds 20]

SHOW: ``sample`` + ``pair_samples`` (what J/K/N load). APPROVE: ``set_status`` (transaction with
its revision) + ``counts`` of the whole queue (the status-bar progress), i.e. the A key. EDIT:
``edit_turn`` of a Grounding answer (re-parse, shapes, warnings, revision). NEXT PENDING FAR:
``next_pending`` when the next pending Sample is 20,000 rows away. BASELINE, in the same run: one
bare ``UPDATE samples SET updated_at`` transaction on the same engine, the least a saved change
can cost. Prints medians and the ratio APPROVE / BASELINE.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_perf_queue import build_store, timed

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession

GOAL_MS = 50.0  # a keystroke's save should stay well below what a person notices


def run(samples: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "review.db"
        start = time.perf_counter()
        build_store(db, samples)
        print(f"built a store of {samples:,} samples in {time.perf_counter() - start:.1f} s")
        with Project.open(db, create=False) as project:
            session = ReviewSession(project, annotator="bench")
            ids = session.query_ids(QueueFilter())
            grounding = [i for i in ids[:2000] if session.rows([i])[i].task == "Grounding"]
            middle = ids[samples // 2: samples // 2 + rounds * 4]
            walk = iter(middle)
            statuses = iter(["approved", "flagged"] * rounds * 4)
            edits = iter(range(10 ** 6))
            # 20,000 reviewed rows in a row: the next pending Sample is far away
            far = ids[1000:21000]
            with project.engine.begin() as conn:
                conn.execute(text("UPDATE samples SET status='approved' WHERE id BETWEEN :a AND :b"),
                             {"a": far[0], "b": far[-1]})
            flt = QueueFilter()

            def show() -> None:
                view = session.sample(next(walk))
                session.pair_samples(view.pair.id)

            def approve() -> None:
                assert session.set_status(middle[0], next(statuses))
                session.counts(flt)

            def edit() -> None:
                n = next(edits)
                session.edit_turn(grounding[n % len(grounding)], 1,
                                  f"The target bounding box is <box>[[{n % 500}, 20, 600, 300]]</box>.")

            def next_far() -> None:
                found = session.next_pending(far[0], ids)
                assert found is not None and found > far[-1]

            def baseline() -> None:
                with project.engine.begin() as conn:
                    conn.execute(text("UPDATE samples SET updated_at=:t WHERE id=:i"),
                                 {"t": str(time.time()), "i": middle[1]})

            figures = {
                "SHOW (sample + siblings)": timed(show, rounds),
                "APPROVE (+ progress count)": timed(approve, rounds),
                "EDIT a Grounding answer": timed(edit, rounds),
                "NEXT PENDING 20,000 rows on": timed(next_far, max(3, rounds // 4)),
                "COUNTS alone": timed(lambda: session.counts(flt), rounds),
                "BASELINE bare UPDATE": timed(baseline, rounds),
            }
    medians = {name: statistics.median(values) * 1000 for name, values in figures.items()}
    for name, value in medians.items():
        print(f"{name:30s} median {value:8.2f} ms")
    ratio = medians["APPROVE (+ progress count)"] / medians["BASELINE bare UPDATE"]
    print(f"ratio APPROVE / BASELINE = {ratio:.1f}")
    return medians


def test_review_keystrokes_stay_below_what_a_person_notices() -> None:
    medians = run(300_000, 10)
    assert medians["SHOW (sample + siblings)"] < GOAL_MS
    assert medians["EDIT a Grounding answer"] < GOAL_MS
    assert medians["APPROVE (+ progress count)"] < 4 * GOAL_MS  # counting 300,000 rows included


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    run(args.samples, args.rounds)
