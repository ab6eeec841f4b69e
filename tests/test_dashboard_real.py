"""The dashboard's numbers on the real 40,200 IR-TD samples (issue 15's acceptance), on both
stores: two reviewers decide over several days (a patched clock), one by hand and in bulk,
reject with two reasons, edit a prompt, and an audit is drawn, reviewed and accepted; every
chart's values equal counts taken directly from the rows, and every bar's filter selects
exactly its samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import accept_audit, create_audit
from irtd_annotator.services.review.bulk import Decision, bulk_decide
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.store.queue import filtered_ids
from irtd_annotator.store.schema import AuditSample, Sample
from test_dashboard_data import NOW, Clock, same_as_direct_counts

PEDS = "Pedestrian Counting"


def test_the_real_40200_samples_by_two_reviewers_over_several_days(
        store_target: str, irtd_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    with Project.open(store_target) as project:
        clock.set(6, 8)
        assert import_files(project, sorted(irtd_files.glob("*.json")),
                            options=ImportOptions()).total("added") == 40_200
        ann, bo = (ReviewSession(project, annotator=who) for who in ("ann", "bo"))
        recognition = ann.query_ids(QueueFilter(tasks=("Recognition",)))
        relationship = ann.query_ids(QueueFilter(tasks=("Relationship",)))
        security = ann.query_ids(QueueFilter(tasks=("Security",)))
        clock.set(4, 9, 10)
        for sid in recognition[:6]:
            ann.set_status(sid, "approved")
        clock.set(4, 10, 15)
        for sid in relationship[:2]:
            ann.set_status(sid, "rejected", reason="hallucination")
        clock.set(2, 14, 40)
        for sid in security[:3]:
            bo.set_status(sid, "rejected", reason="wrong option")
        clock.set(1, 16)
        flagged = bulk_decide(project, QueueFilter(tasks=("Aerial Counting",)),
                              Decision("flagged", note="count again"), who="bo")
        clock.set(0, 9)
        prompt = ann.sample(security[5]).turns[0].text
        ann.edit_turn(security[5], 0, prompt + " Answer briefly.")
        ann.edit_turn(recognition[7], 0, "<image>\nWhat is this object?")
        clock.set(0, 10)
        create_audit(project, "peds", QueueFilter(tasks=(PEDS,)), max_error=0.1,
                     confidence=0.9, seed=15, by=("task",), who="lead")
        drawn = bulk_decide(project, QueueFilter(audit="peds"), Decision("approved"), who="bo")
        clock.set(0, 11)
        accepted = accept_audit(project, "peds", who="lead")
        assert accepted.total > 0 and flagged.total == 900

        dash = same_as_direct_counts(project)
        same_as_direct_counts(project, days=3)

        per_day = {(d.reviewer, d.day): d.decisions for d in dash.per_day}
        assert per_day[("ann", "2026-12-01")] == 8
        assert per_day[("bo", "2026-12-05")] == drawn.total
        assert per_day[("audit:peds", "2026-12-05")] == accepted.total
        assert "lead" not in {d.reviewer for d in dash.per_day}
        assert dash.reject_reasons == {"hallucination": 2, "wrong option": 3}
        assert dash.totals["accepted"] == accepted.total
        assert dash.total == 40_200
        (bar,) = dash.audits
        with project.engine.connect() as conn:
            in_audit = conn.execute(select(func.count()).select_from(AuditSample)).scalar_one()
            reviewed = conn.execute(select(func.count()).select_from(AuditSample).join(
                Sample, Sample.id == AuditSample.sample_id).where(
                Sample.status.in_(("approved", "rejected")))).scalar_one()
            assert len(filtered_ids(conn, bar.filter)) == in_audit
        assert (bar.audit, bar.verdict, bar.estimate, bar.max_error) == ("peds", "accept",
                                                                        0.0, 0.1)
        assert reviewed == drawn.total and bar.stratum == PEDS
        assert dash.until.startswith(NOW.date().isoformat())
