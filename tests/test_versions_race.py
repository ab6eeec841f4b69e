"""Reviewers racing on a few Samples (issue 12 item 2): decisions, typed text, boxes and undos
of their own last change, seen first or not. Whatever the interleaving, every revision records
exactly the value it replaced and the final state is the last revision's."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from irtd_annotator.domain.errors import StaleSampleError
from irtd_annotator.domain.model import Box, RejectReason, status_label
from irtd_annotator.services.changes import Changes
from versions_support import Reviewer, answer, box_answer, grounding_store, revisions

REVIEWERS = 3
OPERATIONS = 40  # per reviewer
SAMPLES = 3


def _work(reviewer: Reviewer, ids: list[int], seed: int, start: threading.Barrier,
          tally: dict[str, int], errors: list[str]) -> None:
    rng = random.Random(seed)
    last: Changes | None = None  # the reviewer's last saved change: Ctrl+Z undoes it
    start.wait()
    for _ in range(OPERATIONS):
        sid = rng.choice(ids)
        if rng.random() < 0.7:  # look at it first, as a window does; else write unseen
            reviewer.session.sample(sid)
        kind = rng.choice(("status", "text", "box", "undo"))
        x, y = rng.randrange(0, 500), rng.randrange(0, 400)
        try:
            if kind == "undo":
                if last is None or last.undo is None:
                    tally["saved"] += 1  # nothing to undo: nothing to lose either
                    continue
                last = last.undo.write()  # its undo is then the redo
            elif kind == "status":
                status = rng.choice(("approved", "rejected", "flagged", "pending"))
                reason = RejectReason.WRONG_GEOMETRY.value if status == "rejected" else None
                last = reviewer.session.set_status(sid, status, reason=reason)
            elif kind == "text":
                last = reviewer.session.edit_turn(sid, 1, box_answer(x, y, x + 20, y + 30))
            else:
                last = reviewer.editing.set_boxes(sid, [Box(x, y, x + 40, y + 50, "person")])
            tally["saved"] += 1
        except StaleSampleError:
            tally["refused"] += 1
        except Exception as exc:  # noqa: BLE001 (any other failure is what the test reports)
            errors.append(f"{reviewer.name} {kind} of sample {sid}: {exc}")


def test_racing_reviewers_lose_no_update(store_target: str, irtd_files: Path,
                                         tmp_path: Path) -> None:
    ids = grounding_store(store_target, irtd_files, tmp_path / "subset")[:SAMPLES]
    reviewers = [Reviewer.open(store_target, f"R{n}") for n in range(REVIEWERS)]
    try:
        originals = {sid: answer(reviewers[0].project, sid) for sid in ids}
        start = threading.Barrier(REVIEWERS)
        tallies = [{"saved": 0, "refused": 0} for _ in reviewers]
        errors: list[str] = []
        threads = [threading.Thread(target=_work, args=(r, ids, n, start, tallies[n], errors))
                   for n, r in enumerate(reviewers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert errors == []
        assert sum(t["saved"] + t["refused"] for t in tallies) == REVIEWERS * OPERATIONS
        checker = reviewers[0]
        for sid in ids:
            chains: dict[str, list[tuple[str | None, str | None]]] = {}
            for _who, target, old, new in revisions(checker.project, sid):
                chains.setdefault(str(target), []).append((old, new))
            view = checker.session.sample(sid)
            final = {"status": status_label(view.status.value, view.reject_reason, view.note),
                     "turn 1": answer(checker.project, sid)}
            start_of = {"status": "pending", "turn 1": originals[sid]}
            assert set(chains) <= set(final), chains.keys()
            for target, chain in chains.items():
                olds = [old for old, _new in chain]
                news = [start_of[target]] + [new for _old, new in chain]
                assert olds == news[:-1], f"sample {sid} {target}: an old value was not the last new"
                assert news[-1] == final[target]
    finally:
        for reviewer in reviewers:
            reviewer.close()
