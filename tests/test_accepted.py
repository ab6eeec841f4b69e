"""The review status ``accepted`` (issue 14): decided by an audit, not seen by a person. It is
counted as decided in the progress and the tally, shown by ``stats``, selected by the queue's
filter, refused when a reviewer sets it by hand, and left like any decision when a reviewer
approves, rejects or flags the Sample after all. On both kinds of store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from accepted_support import ACCEPTED_AT, accept_by_audit
from export_support import read_release_file
from irtd_annotator.cli import main
from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.bulk import Decision
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.stats import project_stats
from irtd_annotator.store.schema import Revision, Sample
from irtd_annotator.store.tally import tally_by_status
from review_data import ReviewData, build_review_project

ACCEPTED = QueueFilter(statuses=("accepted",))


@pytest.fixture()
def project_data(store_target: str, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)


def _decision(project: Project, sid: int) -> tuple[str, str | None, str | None]:
    with project.engine.connect() as conn:
        row = conn.execute(select(Sample.status, Sample.decided_by, Sample.decided_at)
                           .where(Sample.id == sid)).one()
    return row[0], row[1], row[2]


def test_accepted_samples_are_counted_as_decided_in_the_tally_queue_and_stats(
        project_data: ReviewData) -> None:
    location = sorted(project_data.location.values())
    with Project.open(str(project_data.path), create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        ada.set_status(project_data.caption["190001"], "approved")
        ada.set_status(project_data.caption["190002"], "rejected", reason="hallucination")
        ada.set_status(project_data.caption["190003"], "flagged")
        assert ada.counts(QueueFilter()) == (2, 18)
        accept_by_audit(project, location, "relations-1")

        with project.engine.connect() as conn:
            kept = tally_by_status(conn, statuses=(), tasks=("Location",), sources=())
        assert kept == {"accepted": 5}
        # decided: approved + accepted + rejected, from the tally and from the rows alike
        assert ada.counts(QueueFilter()) == (7, 18)
        assert ada.counts(QueueFilter(edited=False)) == (7, 18)  # not a tallied filter
        assert ada.counts(ACCEPTED) == (5, 5)
        assert ada.query_ids(ACCEPTED) == location
        assert "accepted" in ada.choices()["status"]
        rows = ada.rows(location)
        assert {(r.status, r.decided_by) for r in rows.values()} == {
            ("accepted", "audit:relations-1")}
        assert ada.sample(location[0]).decided_by == "audit:relations-1"

        stats = project_stats(project)
        assert stats.by_status["accepted"] == 5
        table = stats.as_table()
        assert any(line.split() == ["accepted", "5"] for line in table.splitlines())
        audit_row = next(line for line in table.splitlines() if line.startswith("audit:"))
        header = next(line for line in table.splitlines() if line.startswith("name"))
        assert header.split() == ["name", "today", "in", "all", "approved", "rejected",
                                  "flagged", "accepted"]
        assert audit_row.split() == ["audit:relations-1", "0", "5", "0", "0", "0", "5"]


def test_stats_shows_an_accepted_line_before_any_audit(project_data: ReviewData,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--db", str(project_data.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert ["accepted", "0"] in [line.split() for line in lines]


def test_a_reviewer_cannot_set_accepted_by_hand_and_nothing_changes(
        project_data: ReviewData) -> None:
    sid = project_data.caption["190001"]
    with Project.open(str(project_data.path), create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        ada.sample(sid)
        with pytest.raises(UserError) as refused:
            ada.set_status(sid, "accepted")
        assert str(refused.value) == ("a reviewer cannot set 'accepted': only 'audit accept' "
                                      "gives it; set one of pending, approved, rejected, flagged")
        assert _decision(project, sid) == ("pending", None, None)
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Revision)
                                .where(Revision.sample_id == sid)).scalar_one() == 0


@pytest.mark.parametrize("status, reason", [("approved", None), ("rejected", "wrong count"),
                                            ("flagged", None), ("pending", None)])
def test_a_reviewer_decides_an_accepted_sample_as_usual_and_the_undo_gives_it_back(
        project_data: ReviewData, status: str, reason: str | None) -> None:
    sid = project_data.location["190002"]
    with Project.open(str(project_data.path), create=False) as project:
        accept_by_audit(project, [sid], "loc")
        ada = ReviewSession(project, annotator="Ada")
        ada.sample(sid)
        changes = ada.set_status(sid, status, reason=reason)
        now = _decision(project, sid)
        assert now[:2] == ((status, "Ada") if status != "pending" else ("pending", None))
        assert ada.counts(ACCEPTED) == (0, 0)
        assert changes.undo is not None
        changes.undo.write()
        assert _decision(project, sid) == ("accepted", "audit:loc", ACCEPTED_AT)
        assert ada.counts(ACCEPTED) == (1, 1)


def test_an_accepted_answer_edited_into_bad_markup_goes_back_to_pending(
        project_data: ReviewData) -> None:
    sid = project_data.grounding["190003"]
    with Project.open(str(project_data.path), create=False) as project:
        accept_by_audit(project, [sid], "boxes")
        ada = ReviewSession(project, annotator="Ada")
        changes = ada.edit_turn(sid, 1, "The target bounding box is <box>[[1, 2, 3")
        view = ada.sample(sid)
        assert (view.status.value, "bad-markup" in view.warnings) == ("pending", True)
        assert view.note == ("back to pending: the answer was edited to text not in the "
                             "released form after audit:boxes accepted it")
        assert changes.undo is not None
        changes.undo.write()
        assert _decision(project, sid) == ("accepted", "audit:boxes", ACCEPTED_AT)


def test_an_export_of_approved_and_accepted_holds_both_with_counts_and_who_decided(
        project_data: ReviewData, tmp_path: Path) -> None:
    location = sorted(project_data.location.values())
    approved = [project_data.caption["190001"], project_data.caption["190002"]]
    with Project.open(str(project_data.path), create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        for sid in approved:
            ada.set_status(sid, "approved")
        ada.set_status(project_data.caption["190003"], "rejected", reason="hallucination")
        accept_by_audit(project, location, "loc-1")
    out = tmp_path / "release"
    assert main(["export", "--db", str(project_data.path), "--out", str(out), "--status",
                 "approved", "--status", "accepted", "--annotator", "Lead", "--quiet"]) == 0

    assert [s["id"] for s in read_release_file(out / "Caption.json")] == ["190001", "190002"]
    assert sorted(s["id"] for s in read_release_file(out / "Location.json")) == [
        "190001", "190002", "190003", "190004", "190005"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["filters"]["statuses"] == ["approved", "accepted"]
    assert manifest["samples"] == 7
    assert manifest["by_status"] == {"accepted": 5, "approved": 2}
    assert manifest["by_task"] == {"Caption": 2, "Location": 5}
    for frame in (pd.read_csv(out / "review_report.csv", dtype={"id": str}),
                  pd.read_parquet(out / "review_report.parquet")):
        decided = {(t, i): (s, d) for t, i, s, d in zip(
            frame["task"], frame["id"], frame["status"], frame["decided_by"])}
        assert decided == {**{("Caption", i): ("approved", "Ada") for i in ("190001", "190002")},
                           **{("Location", f"19000{n}"): ("accepted", "audit:loc-1")
                              for n in range(1, 6)}}


def test_export_of_an_unknown_status_names_accepted_among_the_valid_ones(
        project_data: ReviewData, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--db", str(project_data.path), "--out", str(tmp_path / "r"),
                 "--status", "acepted"]) != 0
    err = capsys.readouterr().err
    assert "unknown status acepted; use pending, approved, rejected, flagged, accepted or all" \
        in err
    assert not (tmp_path / "r").exists()


def test_a_bulk_decision_cannot_accept_and_review_decides_accepted_samples_again(
        project_data: ReviewData, capsys: pytest.CaptureFixture[str]) -> None:
    location = sorted(project_data.location.values())
    with Project.open(str(project_data.path), create=False) as project:
        with pytest.raises(UserError, match="a reviewer cannot set 'accepted'"):
            Decision("accepted")
        accept_by_audit(project, location[:3], "loc")
    db = str(project_data.path)
    assert main(["review", "--db", db, "--status", "accepted", "--reject", "wrong count",
                 "--yes", "--annotator", "Bo"]) == 0
    assert "set 3 samples to rejected (wrong count)" in capsys.readouterr().out
    with Project.open(db, create=False) as project:
        assert {_decision(project, sid)[:2] for sid in location[:3]} == {("rejected", "Bo")}
