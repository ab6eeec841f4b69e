"""What the window's Audits panel asks of the audit service, on both stores: the plan shown
before an audit is made (the draw it makes, nothing written, the same clear errors), and an
accept as one undo step of the change pipeline (undo puts back exactly its samples, redo
accepts again)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from audit_data import build_audit_project, drawn, set_status
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audit_steps import AcceptSteps
from irtd_annotator.services.review.audits import (
    accept_audit,
    audit_statuses,
    create_audit,
    plan_audit,
)
from irtd_annotator.store.schema import Audit, Sample

REL = ("Relationship", "97-LLVIP")
LOC = ("Location", "63-FLIR_ADAS")


@pytest.fixture()
def made(store_target: str) -> tuple[str, dict[tuple[str, str], list[int]]]:
    return store_target, build_audit_project(store_target)


def _statuses(project: Project, ids: list[int]) -> dict[str, int]:
    with project.engine.connect() as conn:
        return dict(conn.execute(select(Sample.status, func.count()).where(Sample.id.in_(ids))
                                 .group_by(Sample.status)).all())


def test_the_plan_is_what_create_then_draws_and_writes_nothing(made: Any) -> None:
    target, _ids = made
    with Project.open(target) as project:
        plan = plan_audit(project, QueueFilter(), max_error=0.05, confidence=0.95)
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Audit)).scalar() == 0
        status = create_audit(project, "a", QueueFilter(), max_error=0.05, confidence=0.95,
                              seed=4, who="lead")
    assert plan == [(s.label, s.population, s.drawn) for s in status.strata]
    assert plan == [("Location / 63-FLIR_ADAS", 10, 10), ("Relationship / 97-LLVIP", 200, 51)]


def test_the_plan_refuses_what_create_refuses_in_one_line(made: Any) -> None:
    target, ids = made
    with Project.open(target) as project:
        create_audit(project, "taken", QueueFilter(), max_error=0.05, confidence=0.95, seed=1,
                     who="lead")
        set_status(project, ids[LOC], "approved")
        cases = [
            ({"name": " taken "}, "an audit named 'taken' exists already; choose another name"),
            ({"by": ("colour",)}, "cannot stratify by 'colour'"),
            ({"flt": QueueFilter(tasks=("Location",))},
             "the filter selects no pending sample; nothing to audit"),
            ({"max_error": 1.5}, "max_error"),
        ]
        for change, message in cases:
            args: dict[str, Any] = {"flt": QueueFilter(), "max_error": 0.05,
                                    "confidence": 0.95, **change}
            with pytest.raises(UserError) as caught:
                plan_audit(project, args.pop("flt"), **args)
            assert message in str(caught.value) and "\n" not in str(caught.value)
        assert [s.name for s in audit_statuses(project)] == ["taken"]


def test_an_accept_is_one_step_undone_and_redone_on_the_windows_store(made: Any) -> None:
    target, ids = made
    with Project.open(target) as project:
        create_audit(project, "a", QueueFilter(tasks=("Relationship",)), max_error=0.2,
                     confidence=0.8, seed=9, who="lead")
        sample = drawn(project, "a")["Relationship|97-LLVIP"]
        set_status(project, sample, "approved")
        rest = sorted(set(ids[REL]) - set(sample))
        # the accept as the window's worker writes it, on a project of its own
        with Project.open(target) as worker:
            result = accept_audit(worker, "a", who="Ada")
        assert sorted(result.ids) == rest and result.total == len(rest)
        said: list[str] = []
        op, changes = AcceptSteps(project, who="Ada", note=said.append).step(result)
        assert changes.sample_ids == frozenset(rest) and changes.status and changes.queue
        assert changes.undo is not None and _statuses(project, rest) == {"accepted": len(rest)}

        undone = changes.undo.write()
        assert _statuses(project, rest) == {"pending": len(rest)}
        assert _statuses(project, sample) == {"approved": len(sample)}  # the reviews stay
        assert undone.sample_ids == frozenset(rest) and undone.undo is not None
        assert said == [f"Undid the accept of audit a: {len(rest)} samples put back"]

        redone = undone.undo.write()
        assert _statuses(project, rest) == {"accepted": len(rest)}
        assert redone.sample_ids == frozenset(rest) and redone.undo is not None
        assert op.label == changes.undo.label == f"accept of audit a ({len(rest)} samples)"
        assert audit_statuses(project, "a")[0].strata[0].accepted == len(rest)


def test_an_accept_that_wrote_nothing_is_no_step(made: Any) -> None:
    target, _ids = made
    with Project.open(target) as project:
        create_audit(project, "a", QueueFilter(), max_error=0.05, confidence=0.95, seed=2,
                     who="lead")
        result = accept_audit(project, "a", who="Ada")  # nothing reviewed: all refused
        assert result.total == 0 and len(result.refused) == 2
        _op, changes = AcceptSteps(project, who="Ada").step(result)
    assert not changes and changes.undo is None
