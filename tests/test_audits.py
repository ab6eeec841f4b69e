"""Audits (issue 14) on both stores: the stratified, seeded draw sized by the zero-failure
plan, the per-stratum counts and verdicts, extend, accept (one revision per sample, decided
by the audit, leases and bad markup left alone), its one-step undo, and clear errors that
write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from audit_data import build_audit_project, drawn, set_status
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import (
    accept_audit,
    audit_statuses,
    create_audit,
    extend_audit,
    find_audit,
    undo_accept,
)
from irtd_annotator.store.schema import Audit, AuditSample, Lease, Revision, Sample
from irtd_annotator.store.tally import tally_by_status

REL, LOC = "Relationship|97-LLVIP", "Location|63-FLIR_ADAS"


@pytest.fixture()
def made(store_target: str) -> tuple[str, dict[tuple[str, str], list[int]]]:
    return store_target, build_audit_project(store_target)


ALL = QueueFilter()


def _create(project: Project, name: str = "a1", flt: QueueFilter = ALL, **kw: Any) -> Any:
    args: dict[str, Any] = {"max_error": 0.05, "confidence": 0.95, "seed": 7, "who": "lead"}
    args.update(kw)
    return create_audit(project, name, flt, **args)


def _rows(project: Project, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    with project.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(
            select(Sample.id, Sample.status, Sample.decided_by, Sample.note)
            .where(Sample.id.in_(ids)))}


def _tally_matches(project: Project) -> None:
    with project.engine.connect() as conn:
        kept = tally_by_status(conn, statuses=(), tasks=(), sources=())
        real = dict(conn.execute(select(Sample.status, func.count()).group_by(Sample.status)).all())
    assert {k: v for k, v in kept.items() if v} == real


def test_create_draws_the_plan_per_stratum_from_pending_samples_only(made: Any) -> None:
    target, ids = made
    rel = ids[("Relationship", "97-LLVIP")]
    with Project.open(target, create=False) as project:
        set_status(project, rel[:20], "approved")  # not pending: not in the population
        status = _create(project)
        strata = {s.label: s for s in status.strata}
        assert {k: (s.population, s.planned, s.drawn, s.reviewed, s.verdict)
                for k, s in strata.items()} == {
            "Relationship / 97-LLVIP": (180, 50, 50, 0, "continue"),
            "Location / 63-FLIR_ADAS": (10, 10, 10, 0, "continue")}  # small: drawn whole
        picked = drawn(project, "a1")
        assert not set(picked[REL]) & set(rel[:20])
        # the same samples and seed draw the same; another seed another sample
        _create(project, "a2")
        _create(project, "a3", seed=8)
        assert drawn(project, "a2") == picked and drawn(project, "a3")[REL] != picked[REL]
        only = _create(project, "rel", QueueFilter(tasks=("Relationship",)), by=("task",))
        assert [(s.key, s.population) for s in only.strata] == [(("Relationship",), 180)]
        whole = _create(project, "one", by=())
        assert [(s.label, s.population, s.planned) for s in whole.strata] == [("all", 190, 49)]
        assert [a.name for a in audit_statuses(project)] == ["a1", "a2", "a3", "rel", "one"]


@pytest.mark.parametrize(("name", "kw", "message"), [
    ("a1", {}, "an audit named 'a1' exists already"),
    ("", {}, "an audit's name must be 1 to 190 characters"),
    ("b", {"max_error": 1.5}, "max_error must be between 0 and 1"),
    ("b", {"confidence": 0.2}, "confidence must be at least 0.5"),
    ("b", {"seed": -1}, "the seed must be a whole number"),
    ("b", {"by": ("task", "colour")}, "cannot stratify by 'task,colour'"),
    ("b", {"flt": QueueFilter(tasks=("Caption",))}, "the filter selects no pending sample"),
])
def test_bad_audits_are_refused_in_one_line_and_write_nothing(
        made: Any, name: str, kw: dict[str, Any], message: str) -> None:
    target, _ids = made
    with Project.open(target, create=False) as project:
        _create(project)
        with pytest.raises(UserError, match=message) as caught:
            _create(project, name, **kw)
        assert "\n" not in str(caught.value)
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Audit)).scalar_one() == 1
            assert conn.execute(select(func.count()).select_from(AuditSample)).scalar_one() == 61
        with pytest.raises(UserError, match="no audit named 'zz'; the project's audits: a1"):
            find_audit(project, "zz")


def test_clean_review_accepts_and_accept_gives_the_rest_accepted_undone_in_one_step(
        made: Any) -> None:
    target, ids = made
    rel = ids[("Relationship", "97-LLVIP")]
    with Project.open(target, create=False) as project:
        _create(project)
        picked = drawn(project, "a1")
        set_status(project, picked[REL], "approved")
        set_status(project, picked[LOC][:4], "approved")
        held, bad = [sid for sid in rel if sid not in picked[REL]][:2]
        with project.engine.begin() as conn:
            conn.execute(insert(Lease).values(sample_id=held, who="bo", session="other",
                                              since="2026-01-01", until=4e9))
            conn.execute(update(Sample).where(Sample.id == bad).values(warnings="bad-markup"))
        strata = {s.label: s for s in find_audit(project, "a1").strata}
        rs = strata["Relationship / 97-LLVIP"]
        assert (rs.reviewed, rs.errors, rs.estimate, rs.low, rs.verdict) == (
            51, 0, 0.0, 0.0, "accept")
        assert rs.high == pytest.approx(1 - 0.025 ** (1 / 51))
        assert strata["Location / 63-FLIR_ADAS"].verdict == "continue"

        plan = accept_audit(project, "a1", who="lead", dry_run=True)
        assert (plan.total, plan.leased, plan.bad_markup, plan.undo) == (147, 1, 1, None)
        before = _rows(project, rel)
        done = accept_audit(project, "a1", who="lead")
        assert dict(done.accepted) == {"Relationship / 97-LLVIP": 147}
        assert done.refused == {"Location / 63-FLIR_ADAS": "verdict continue: 0 error(s) in 4 "
                                "reviewed of 10 drawn; review the drawn samples"}
        rest = [sid for sid in rel if sid not in picked[REL] and sid not in (held, bad)]
        after = _rows(project, rel)
        assert {after[sid] for sid in rest} == {("accepted", "audit:a1", None)}
        assert after[held] == before[held] and after[bad] == before[bad]
        with project.engine.connect() as conn:
            revs = conn.execute(select(Revision.sample_id, Revision.who, Revision.old,
                                       Revision.new).where(Revision.action == "status")
                                .order_by(Revision.sample_id)).all()
        assert [tuple(r) for r in revs] == [(sid, "lead", "pending", "accepted (by audit a1)")
                                            for sid in rest]
        status = find_audit(project, "a1")
        assert status.accepted_by == "lead" and status.accepted_at is not None
        assert [s.accepted for s in status.strata] == [0, 147]
        _tally_matches(project)

        assert done.undo is not None
        undone = done.undo()
        assert (undone.total, undone.stale) == (147, 0)
        assert _rows(project, rel) == before
        assert find_audit(project, "a1").accepted_by is None
        _tally_matches(project)


def test_undo_from_another_process_spares_samples_reviewed_since(made: Any) -> None:
    target, _ids = made
    with Project.open(target, create=False) as project:
        _create(project)
        set_status(project, drawn(project, "a1")[REL], "approved")
        accept_audit(project, "a1", who="lead")
    with Project.open(target, create=False) as project:
        with project.engine.connect() as conn:
            first = conn.execute(select(func.min(Sample.id)).where(
                Sample.status == "accepted")).scalar_one()
        set_status(project, [first], "rejected", reason="other")  # a reviewer looked after all
        assert [s.accepted for s in find_audit(project, "a1").strata] == [0, 148]
        undone = undo_accept(project, "a1", who="lead")
        assert (undone.total, undone.stale) == (148, 1)
        assert _rows(project, [first])[first][0] == "rejected"
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).where(Sample.status == "accepted")
                                ).scalar_one() == 0
        _tally_matches(project)
        set_status(project, [first], "pending")  # its accept record is still there: replaced
        again = accept_audit(project, "a1", who="lead")
        assert again.total == 149 and _rows(project, [first])[first][:2] == (
            "accepted", "audit:a1")
        assert undo_accept(project, "a1", who="lead").total == 149


def test_errors_call_for_extend_and_rejected_samples_end_in_reject(made: Any) -> None:
    target, _ids = made
    with Project.open(target, create=False) as project:
        _create(project)
        rel = drawn(project, "a1")[REL]
        set_status(project, rel[:1], "approved", edited=True)  # edited then approved: an error
        set_status(project, rel[1:], "approved")
        s = find_audit(project, "a1").strata[1]
        assert (s.reviewed, s.errors, s.verdict) == (51, 1, "continue")
        status, added = extend_audit(project, "a1", who="lead")
        s = status.strata[1]
        assert added == s.drawn - 51 > 0 and s.planned == s.drawn
        assert extend_audit(project, "a1", who="lead")[1] == 0  # review what was drawn first
        refused = accept_audit(project, "a1", who="lead")
        assert refused.total == 0 and refused.undo is None
        assert "draw more" not in refused.refused["Relationship / 97-LLVIP"]

        _create(project, "bad")
        set_status(project, drawn(project, "bad")[LOC], "rejected", reason="wrong count")
        loc = find_audit(project, "bad").strata[0]
        assert (loc.reviewed, loc.errors, loc.verdict, loc.high) == (10, 10, "reject", 1.0)
        no = accept_audit(project, "bad", who="lead")
        assert no.total == 0
        assert no.refused["Location / 63-FLIR_ADAS"].startswith(
            "verdict reject: 10 error(s) in 10 reviewed of 10 drawn; the error rate is above 5.0%")


def test_the_queue_filter_audit_selects_the_drawn_samples_and_round_trips(made: Any) -> None:
    from irtd_annotator.services.review.session import ReviewSession

    target, _ids = made
    with Project.open(target, create=False) as project:
        _create(project)
        picked = drawn(project, "a1")
        session = ReviewSession(project, annotator="ann")
        flt = QueueFilter(audit="a1")
        assert session.query_ids(flt) == sorted(picked[REL] + picked[LOC])
        set_status(project, picked[LOC][:3], "approved")
        assert session.counts(flt) == (3, 61)
        narrowed = QueueFilter(audit="a1", tasks=("Location",), statuses=("pending",))
        assert session.query_ids(narrowed) == picked[LOC][3:]
        assert session.query_ids(QueueFilter(audit="zz")) == []
    assert QueueFilter.from_json(flt.to_json()) == flt
    assert QueueFilter.from_json(QueueFilter().to_json()).audit is None


def test_review_audit_decides_the_drawn_samples_and_an_unknown_audit_is_an_error(
        tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from irtd_annotator import cli

    db = str(tmp_path / "p.db")
    build_audit_project(db)
    with Project.open(db, create=False) as project:
        _create(project)
        picked = drawn(project, "a1")
    assert cli.main(["review", "--db", db, "--audit", "a1", "--task", "Location",
                     "--approve", "--yes"]) == 0
    assert "set 10 samples to approved" in capsys.readouterr().out
    with Project.open(db, create=False) as project:
        assert {r[0] for r in _rows(project, picked[LOC]).values()} == {"approved"}
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).where(Sample.status == "approved")
                                ).scalar_one() == 10
    assert cli.main(["review", "--db", db, "--audit", "nope", "--approve", "--yes"]) == 2
    err = capsys.readouterr().err
    assert err == "irtd-annotator: error: no audit named 'nope'; the project's audits: a1\n"


def test_a_hand_change_undone_again_does_not_stop_the_undo_of_an_accept(made: Any) -> None:
    """A reviewer approves an accepted Sample and undoes that: it is accepted by the audit
    again (at a later version), so the undo of the accept puts it back with the others."""
    from irtd_annotator.services.review.session import ReviewSession

    target, ids = made
    rel = ids[("Relationship", "97-LLVIP")]
    with Project.open(target, create=False) as project:
        _create(project)
        set_status(project, drawn(project, "a1")[REL], "approved")
        before = _rows(project, rel)
        done = accept_audit(project, "a1", who="lead")
        first = min(done.ids)
        approved = ReviewSession(project, annotator="ann").set_status(first, "approved")
        assert approved.undo is not None
        approved.undo.write()  # Ctrl+Z: accepted by the audit again
        assert _rows(project, [first])[first][:2] == ("accepted", "audit:a1")
        assert done.undo is not None
        undone = done.undo()
        assert (undone.total, undone.stale) == (done.total, 0)
        assert _rows(project, rel) == before
        _tally_matches(project)
