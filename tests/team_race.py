"""Reviewers in processes of their own racing for "next pending" on one store.

``build_pending_project`` makes a project of many pending Samples quickly (Core inserts);
``reviewer`` is the body of one reviewer process (started with multiprocessing's "spawn", so
each is a fresh interpreter with its own connections): every round it waits at a barrier
with the others, asks for the next pending Sample from the start of the queue (so all of
them go for the same one), and approves what it got. Used by tests/test_team.py.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from sqlalchemy import insert

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.review.team import TeamWork
from irtd_annotator.store.schema import Pair, Sample, Turn

BARRIER_TIMEOUT_S = 120  # a process that died never leaves the others waiting for ever


def build_pending_project(target: str, count: int) -> None:
    """A project at ``target`` with ``count`` pending Caption Samples on one Pair."""
    with Project.open(target) as project, project.engine.begin() as conn:
        pair_id = conn.execute(insert(Pair).values(
            rel_path="LLVIP/infrared/test/190001.jpg", source="LLVIP", ir_path=None,
            visible_path=None, ir_exists=False, visible_exists=False, width=1280, height=1024,
            aligned=True)).inserted_primary_key[0]
        for n in range(count):
            sid = conn.execute(insert(Sample).values(
                task="Caption", original_id=str(n), source_file="Caption.json", pair_id=pair_id,
                image="LLVIP/infrared/test/190001.jpg", image_as_list=True,
                answer_space="pixel", status="pending", edited=False)).inserted_primary_key[0]
            for idx, (role, text) in enumerate((("human", "<image>\nDescribe."),
                                                ("gpt", f"Scene {n}."))):
                conn.execute(insert(Turn).values(sample_id=sid, idx=idx, role=role,
                                                 original=text, text=text))


def reviewer(target: str, name: str, rounds: int, barrier: Any, out: Any) -> None:
    """One reviewer process: ``rounds`` times, next pending from the queue's start, then
    approve it; puts (name, ids got, error or None) on ``out``."""
    got: list[int | None] = []
    error: str | None = None
    project = Project.open(target, create=False)
    try:
        team = TeamWork(project, annotator=name)
        session = ReviewSession(project, annotator=name)
        ids = session.query_ids(QueueFilter())
        for _ in range(rounds):
            barrier.wait(timeout=BARRIER_TIMEOUT_S)
            sid = team.next_pending(None, ids)
            got.append(sid)
            if sid is not None:
                session.set_status(sid, "approved")
    except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
        error = f"{type(exc).__name__}: {exc}"
        barrier.abort()
    finally:
        project.close()
    out.put((name, got, error))


def race(target: str, names: list[str], rounds: int) -> dict[str, list[int | None]]:
    """Run one reviewer process per name; what each got, round by round."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(names))
    out = ctx.Queue()
    processes = [ctx.Process(target=reviewer, args=(target, name, rounds, barrier, out))
                 for name in names]
    for process in processes:
        process.start()
    results = [out.get(timeout=BARRIER_TIMEOUT_S * 2) for _ in names]
    for process in processes:
        process.join(timeout=BARRIER_TIMEOUT_S)
    errors = [f"{name}: {error}" for name, _got, error in results if error]
    assert not errors, errors
    return {name: got for name, got, _error in results}
