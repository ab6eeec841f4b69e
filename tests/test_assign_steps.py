"""Assigning many Samples from the decision dialog (issue 14), on SQLite and PostgreSQL: the
count before the write is exactly what is given, with what is left out and why, and the
undo takes back only what that assignment gave; the redo gives it again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.assign_steps import AssignSteps
from irtd_annotator.services.review.bulk import Decision, bulk_decide
from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.services.review.team import TeamWork
from irtd_annotator.store.schema import Assignment, Sample
from review_data import build_review_project


@pytest.fixture()
def project(store_target: str, llvip_dir: Path, irtd_files: Path) -> Iterator[Project]:
    data = build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)
    with Project.open(str(data.path), create=False) as opened:
        yield opened


def batches(project: Project) -> dict[int, str]:
    with project.engine.connect() as conn:
        return {int(r[0]): str(r[1]) for r in conn.execute(
            select(Assignment.sample_id, Assignment.who))}


def test_the_count_is_what_is_given_and_one_undo_takes_back_only_that(
        project: Project) -> None:
    ids = _ids(project)[:8]
    approved, older = ids[0], ids[1]
    bulk_decide(project, QueueFilter(), Decision("approved"), who="lea", ids=[approved])
    assert TeamWork(project, annotator="lea").assign(
        QueueFilter(), to="bob", count=1, ids=[older]) == 1
    said: list[str] = []
    steps = AssignSteps(project, by="lea", note=said.append)

    plan = steps.plan(QueueFilter(), to=" bob ", ids=ids)
    assert (plan.total, plan.other_status, plan.in_batch) == (6, 1, 1)
    assert plan.left_out() == ["1 left out: not pending", "1 left out: already in a batch"]
    assert sum(plan.given.values()) == 6 and len(plan.lines()) == len(plan.given) + 3
    assert batches(project) == {older: "bob"}  # counting wrote nothing

    def cancelled() -> None:
        raise UserError("Cancelled")

    with pytest.raises(UserError):
        steps.give(QueueFilter(), to="bob", ids=ids, before_commit=cancelled)
    assert batches(project) == {older: "bob"}  # a Cancel rolled it all back
    done = steps.give(QueueFilter(), to="bob", ids=ids)
    assert len(done.ids) == plan.total and set(done.ids) == set(ids) - {approved, older}
    op, changes = steps.step(done)
    assert changes.undo is not None and changes.sample_ids == frozenset(done.ids)
    assert batches(project) == dict.fromkeys(ids[1:], "bob")

    redo_changes = changes.undo.write()  # Ctrl+Z: the older assignment stays
    assert batches(project) == {older: "bob"}
    assert redo_changes.undo is not None
    again = redo_changes.undo.write()  # Ctrl+Shift+Z
    assert batches(project) == dict.fromkeys(ids[1:], "bob")
    assert again.undo is not None
    again.undo.write()
    assert batches(project) == {older: "bob"}

    # a redo gives only those still free: one taken meanwhile by another lead stays theirs
    TeamWork(project, annotator="kim").assign(QueueFilter(), to="cy", count=1, ids=[ids[2]])
    op.write()
    assert batches(project) == {older: "bob", ids[2]: "cy", **dict.fromkeys(ids[3:], "bob")}
    assert said[-1] == "Redid: assign 6 samples to bob; 5 given, 1 not: in a batch or " \
        "decided since"


def test_all_matching_the_filter_counts_the_filters_pending_samples_only(
        project: Project) -> None:
    ids = _ids(project)
    bulk_decide(project, QueueFilter(), Decision("flagged"), who="lea", ids=ids[:3])
    steps = AssignSteps(project, by="lea")
    plan = steps.plan(QueueFilter(), to="bob")
    assert (plan.total, plan.other_status, plan.in_batch) == (len(ids) - 3, 3, 0)
    flagged = steps.plan(QueueFilter(statuses=("flagged",)), to="bob")
    assert (flagged.total, flagged.other_status) == (3, 0)
    assert len(steps.give(QueueFilter(statuses=("flagged",)), to="bob").ids) == 3
    assert sorted(batches(project)) == ids[:3]


def _ids(project: Project) -> list[int]:
    with project.engine.connect() as conn:
        return sorted(int(sid) for sid in conn.execute(select(Sample.id)).scalars())
