"""The dashboard's numbers (issue 15) on both stores: every chart's values equal counts taken
directly from the rows, after decisions by two reviewers on several days (a patched clock),
a bulk decision, an undo, an edit and an audit's accept; and each bar's queue filter selects
exactly its Samples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from dashboard_counts import direct_counts, shown_counts
from irtd_annotator.domain.dashboard import Dashboard
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.dashboard import read_dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.bulk import Decision, bulk_decide
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.store.queue import filtered_ids
from irtd_annotator.store.revisions import replaying
from irtd_annotator.store.schema import Sample
from review_data import ReviewData, build_review_project

NOW = datetime(2026, 12, 5, 15, 30, tzinfo=timezone.utc)
MODULES = ("irtd_annotator.services.review.session", "irtd_annotator.services.review.bulk",
           "irtd_annotator.services.review.audit_accept", "irtd_annotator.services.review.turn_text")


class Clock:
    """The services' clock, set by the test to the time a decision is to be made at."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = NOW
        for module in MODULES:
            monkeypatch.setattr(f"{module}.now_iso", self.iso)

    def iso(self) -> str:
        return self.at.isoformat(timespec="milliseconds")

    def set(self, days_ago: int, hour: int, minute: int = 0) -> None:
        self.at = (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=minute)


@pytest.fixture()
def small(store_target: str, llvip_dir: Path, irtd_files: Path) -> Iterator[ReviewData]:
    yield build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                               irtd_files=irtd_files)


def same_as_direct_counts(project: Project, *, since: date | None = None,
                          days: int = 30) -> Dashboard:
    """The Dashboard of ``project`` as of NOW, checked against the direct counts."""
    dash = read_dashboard(project, since=since, days=days, now=NOW)
    first = since or (NOW.date() - timedelta(days=days - 1))
    want = direct_counts(project, since=first.isoformat(),
                         until=(NOW.date() + timedelta(days=1)).isoformat())
    shown = shown_counts(dash)
    for key in shown:
        assert shown[key] == want[key], key
    assert dash.total == sum(want["totals"].values())
    with project.engine.connect() as conn:  # each bar's filter selects exactly its Samples
        for reason, flt in dash.reason_filters.items():
            assert sorted(r[0] for r in filtered_ids(conn, flt)) == want["reason_ids"][reason]
        for kind, flt in dash.warning_filters.items():
            assert sorted(r[0] for r in filtered_ids(conn, flt)) == want["warning_ids"][kind]
        for bar in dash.by_task + dash.by_source:
            assert len(filtered_ids(conn, bar.filter)) == bar.total
        for d in dash.drafts:
            assert len(filtered_ids(conn, d.filter)) == d.edited
        for day in dash.per_day:  # the Samples the reviewer decided that day, as many as
            mine = want["per_day_ids"][(day.reviewer, day.day)]  # the bar says
            assert sorted(r[0] for r in filtered_ids(conn, day.filter)) == mine
            assert len(mine) == day.decided_samples <= day.decisions
    return dash


def test_every_number_equals_a_direct_count(small: ReviewData,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    grounding, location, caption = (sorted(d.values()) for d in (
        small.grounding, small.location, small.caption))
    with Project.open(str(small.path), create=False) as project:
        ann = ReviewSession(project, annotator="ann")
        bo = ReviewSession(project, annotator="bo")
        same_as_direct_counts(project)  # nothing decided yet: every status present, 0 decisions
        clock.set(40, 9)  # before the 30 days: not in per_day, but in the totals
        ann.set_status(grounding[0], "approved")
        clock.set(3, 9, 5)
        ann.set_status(grounding[1], "approved")
        ann.set_status(grounding[2], "flagged", note="look again")
        clock.set(3, 11, 50)
        ann.set_status(caption[0], "rejected", reason="hallucination")
        clock.set(1, 14)
        bo.set_status(caption[1], "rejected", reason="wrong count")
        taken_back = bo.set_status(caption[2], "rejected", reason="hallucination")
        assert taken_back.undo is not None
        with replaying("undo"):
            taken_back.undo.write()  # an undo is no decision
        clock.set(0, 8)
        bulk_decide(project, QueueFilter(tasks=("Location",)), Decision("approved"), who="bo")
        ann.edit_turn(caption[3], 1, "A night street scene with people walking.")
        with project.engine.begin() as conn:  # two warnings on one Sample, one on another
            conn.execute(update(Sample).where(Sample.id == location[0]).values(
                warnings="outside-image; count-vs-markers"))
            conn.execute(update(Sample).where(Sample.id == grounding[3]).values(
                warnings="count-vs-markers"))
        same_as_direct_counts(project)
        same_as_direct_counts(project, days=2)
        same_as_direct_counts(project, since=date(2026, 10, 1))
        dash = read_dashboard(project, now=NOW)
    assert dash.reject_reasons == {"hallucination": 1, "wrong count": 1}
    assert {(d.reviewer, d.day): d.decisions for d in dash.per_day} == {
        ("ann", "2026-12-02"): 3, ("bo", "2026-12-04"): 2,
        ("bo", "2026-12-05"): len(location)}
    ann_pace = next(t for t in dash.throughput if t.reviewer == "ann")
    assert (ann_pace.decisions, ann_pace.hours, ann_pace.per_hour) == (3, 2.0, 1.5)
    assert dash.warning_kinds["count-vs-markers"] == 2
    caption_drafts = next(d for d in dash.drafts if d.task == "Caption")
    assert (caption_drafts.samples, caption_drafts.edited) == (len(caption), 1)


def test_reason_and_warning_filters_are_remembered_and_not_counted_by_the_tally() -> None:
    flt = QueueFilter(reasons=("wrong count",), warning_kinds=("count-vs-markers",))
    assert QueueFilter.from_json(flt.to_json()) == flt
    assert not flt.tallied() and QueueFilter(tasks=("Caption",)).tallied()
    day = QueueFilter(decided_by="ann", decided_day="2026-12-02")
    assert QueueFilter.from_json(day.to_json()) == day and not day.tallied()
    assert day.decided_between() == ("2026-12-02", "2026-12-03")
    with pytest.raises(ValueError, match="2026-13-01"):
        QueueFilter(decided_day="2026-13-01")


def test_a_reviewer_day_bar_selects_the_samples_they_decided_even_if_decided_again(
        small: ReviewData, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    g = sorted(small.grounding.values())
    with Project.open(str(small.path), create=False) as project:
        ann = ReviewSession(project, annotator="ann")
        bo = ReviewSession(project, annotator="bo")
        clock.set(0, 9)
        ann.set_status(g[0], "approved")
        clock.set(0, 10)
        bo.set_status(g[0], "rejected", reason="hallucination")  # the same day, by bo
        clock.set(0, 11)
        ann.set_status(g[1], "approved")
        ann.set_status(g[1], "flagged", note="look again")  # twice by ann: one Sample
        dash = same_as_direct_counts(project)
        with project.engine.connect() as conn:
            shown = {(d.reviewer, d.day): sorted(r[0] for r in filtered_ids(conn, d.filter))
                     for d in dash.per_day}
    assert shown == {("ann", "2026-12-05"): [g[0], g[1]], ("bo", "2026-12-05"): [g[0]]}
    assert [(d.reviewer, d.decisions, d.decided_samples) for d in dash.per_day] == [
        ("ann", 3, 2), ("bo", 1, 1)]
