"""Bulk review decisions (issue 14): the service on both stores (counts per task and source,
one revision per sample, the tally, refused and leased samples, the undo) and the ``review``
command (its plan, its clear errors, and the 40,200 real samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text, update

from irtd_annotator import cli
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.bulk import Decision, bulk_decide
from irtd_annotator.services.review.bulk_steps import BulkSteps
from irtd_annotator.services.review.team import TeamWork
from irtd_annotator.store.schema import Assignment, Lease, Revision, Sample
from irtd_annotator.store.tally import tally_by_status
from review_data import ReviewData, build_review_project

LOCATION = QueueFilter(tasks=("Location",))


@pytest.fixture()
def project_data(store_target: str, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)


def _rows(project: Project, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    with project.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(
            select(Sample.id, Sample.status, Sample.reject_reason, Sample.note,
                   Sample.decided_by, Sample.version).where(Sample.id.in_(ids)))}


def _revisions(project: Project, ids: list[int]) -> list[tuple[Any, ...]]:
    with project.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Revision.sample_id, Revision.who, Revision.old, Revision.new)
            .where(Revision.sample_id.in_(ids), Revision.action == "status")
            .order_by(Revision.id))]


def _tally_matches(project: Project) -> None:
    """The kept tally (and on PostgreSQL the search table's statuses) agree with the samples."""
    with project.engine.connect() as conn:
        kept = tally_by_status(conn, statuses=(), tasks=("Location",), sources=())
        real = dict(conn.execute(select(Sample.status, func.count()).where(
            Sample.task == "Location").group_by(Sample.status)).all())
        if conn.dialect.name == "postgresql":  # the search table's copy of the status
            assert conn.execute(text("SELECT count(*) FROM sample_search x JOIN samples s ON"
                                     " s.id = x.sample_id WHERE x.status <> s.status")
                                ).scalar_one() == 0
    assert kept == real


def test_bulk_approve_skips_bad_markup_and_leases_and_undoes_in_one_step(
        project_data: ReviewData) -> None:
    ids = sorted(project_data.location.values())
    bad, held, *free = ids
    with Project.open(str(project_data.path), create=False) as project:
        with project.engine.begin() as conn:
            conn.execute(update(Sample).where(Sample.id == bad).values(warnings="bad-markup"))
            conn.execute(insert(Lease).values(sample_id=held, who="bo", session="other",
                                              since="2026-01-01", until=4e9))
        before = _rows(project, ids)
        plan = bulk_decide(project, LOCATION, Decision("approved"), who="ann", dry_run=True)
        assert (plan.total, plan.refused, plan.leased, plan.undo) == (len(free), 1, 1, None)
        assert _rows(project, ids) == before  # a plan writes nothing

        done = bulk_decide(project, LOCATION, Decision("approved"), who="ann")
        assert dict(done.changed) == {("Location", "LLVIP"): len(free)}
        assert (done.refused, done.leased) == (1, 1)
        after = _rows(project, ids)
        assert after[bad] == before[bad] and after[held] == before[held]
        for sid in free:
            assert after[sid] == ("approved", None, None, "ann", before[sid][4] + 1)
        assert _revisions(project, ids) == [(sid, "ann", "pending", "approved") for sid in free]
        _tally_matches(project)

        assert done.undo is not None
        undone = done.undo()
        assert undone.total == len(free) and undone.stale == 0
        back = _rows(project, ids)
        assert {sid: back[sid][:4] for sid in ids} == {sid: before[sid][:4] for sid in ids}
        assert _revisions(project, free)[len(free):] == [
            (sid, "ann", "approved", "pending") for sid in free]
        _tally_matches(project)


def test_bulk_reject_and_flag_keep_reason_and_note_and_the_undo_spares_later_changes(
        project_data: ReviewData) -> None:
    ids = sorted(project_data.location.values())
    with Project.open(str(project_data.path), create=False) as project:
        bulk_decide(project, LOCATION, Decision("flagged", note="look again"), who="ann")
        rejected = bulk_decide(project, LOCATION, Decision("rejected", "wrong count", "n"),
                               who="bo")
        assert rejected.total == len(ids)
        assert set(_rows(project, ids).values()) == {
            ("rejected", "wrong count", "n", "bo", v) for *_s, v in _rows(project, ids).values()}
        with project.engine.begin() as conn:  # someone changes one afterwards
            conn.execute(update(Sample).where(Sample.id == ids[0]).values(
                status="approved", version=Sample.version + 1))
        assert rejected.undo is not None
        undone = rejected.undo()
        assert (undone.total, undone.stale) == (len(ids) - 1, 1)
        rows = _rows(project, ids)
        assert rows[ids[0]][0] == "approved"
        assert {rows[sid][:4] for sid in ids[1:]} == {("flagged", None, "look again", "ann")}
        again = bulk_decide(project, LOCATION, Decision("flagged", note="look again"), who="ann")
        assert (again.total, again.unchanged) == (1, len(ids) - 1)
        pending = bulk_decide(project, LOCATION, Decision("pending"), who="ann")
        assert {r[:4] for r in _rows(project, ids).values()} == {("pending", None, None, None)}
        assert pending.total == len(ids)
        _tally_matches(project)


def test_the_undo_puts_back_each_sample_own_earlier_decision(project_data: ReviewData) -> None:
    """Samples that shared a decision are put back together, one of their own alone: each
    gets back exactly what it had, who and when included."""
    ids = sorted(project_data.location.values())
    cols = (Sample.status, Sample.reject_reason, Sample.note, Sample.decided_by,
            Sample.decided_at)
    with Project.open(str(project_data.path), create=False) as project:
        with project.engine.begin() as conn:
            for n, sid in enumerate(ids[:3]):  # each decided by a person at its own time
                conn.execute(update(Sample).where(Sample.id == sid).values(
                    status="rejected", reject_reason="other", note=f"n{n}",
                    decided_by=f"r{n}", decided_at=f"2026-01-0{n + 1}T00:00:00Z"))
        with project.engine.connect() as conn:
            before = conn.execute(select(Sample.id, *cols).where(Sample.id.in_(ids))
                                  .order_by(Sample.id)).all()
        done = bulk_decide(project, LOCATION, Decision("flagged", note="all"), who="ann")
        assert done.total == len(ids) and done.undo is not None
        assert done.undo().total == len(ids)
        with project.engine.connect() as conn:
            assert conn.execute(select(Sample.id, *cols).where(Sample.id.in_(ids))
                                .order_by(Sample.id)).all() == before
        _tally_matches(project)


def test_a_decision_stopped_from_its_progress_changes_nothing(project_data: ReviewData) -> None:
    """The window's Cancel raises from the progress callback, inside the transaction."""
    ids = sorted(project_data.location.values())
    seen: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> None:
        seen.append((done, total))
        raise UserError("Cancelled: nothing was changed")

    with Project.open(str(project_data.path), create=False) as project:
        before = _rows(project, ids)
        with pytest.raises(UserError):
            bulk_decide(project, LOCATION, Decision("approved"), who="ann", progress=stop)
        assert seen == [(len(ids), len(ids))]
        assert _rows(project, ids) == before and _revisions(project, ids) == []
        _tally_matches(project)


def test_selected_ids_narrow_the_filter_to_those_samples(project_data: ReviewData) -> None:
    ids = sorted(project_data.location.values())
    chosen = ids[1:3]
    elsewhere = sorted(project_data.caption.values())[:1]
    with Project.open(str(project_data.path), create=False) as project:
        before = _rows(project, ids + elsewhere)
        plan = bulk_decide(project, LOCATION, Decision("rejected", "other"), who="ann",
                           dry_run=True, ids=chosen + elsewhere)
        assert plan.total == len(chosen)  # a selected row the filter leaves out is not decided
        assert _rows(project, ids + elsewhere) == before
        done = bulk_decide(project, LOCATION, Decision("rejected", "other"), who="ann",
                           ids=chosen + elsewhere)
        after = _rows(project, ids + elsewhere)
        assert {sid for sid in ids + elsewhere if after[sid] != before[sid]} == set(chosen)
        assert _revisions(project, ids + elsewhere) == [
            (sid, "ann", "pending", "rejected (other)") for sid in chosen]
        assert bulk_decide(project, QueueFilter(), Decision("flagged"), who="ann",
                           ids=[]).total == 0  # an empty selection decides nothing
        assert done.undo is not None and done.undo().total == len(chosen)
        _tally_matches(project)


def test_a_decision_written_elsewhere_is_one_pipeline_step_undone_and_redone_here(
        project_data: ReviewData) -> None:
    """The window's worker decides on a project of its own; the window's project undoes and
    redoes it as one step of the change pipeline, and says what it did."""
    ids = sorted(project_data.location.values())
    chosen = ids[:3]
    reject = Decision("rejected", "other", "n")
    with Project.open(str(project_data.path), create=False) as worker:
        before = _rows(worker, ids)
        done = bulk_decide(worker, LOCATION, reject, who="ann", ids=chosen)
    said: list[str] = []
    with Project.open(str(project_data.path), create=False) as project:
        redo, changes = BulkSteps(project, note=said.append).step(done, reject)
        assert changes.sample_ids == frozenset(chosen) and changes.status and changes.queue
        assert changes.undo is not None and redo.label == changes.undo.label == \
            "set 3 samples to rejected (other): n"
        back = changes.undo.write()
        assert {sid: r[:4] for sid, r in _rows(project, ids).items()} == {
            sid: r[:4] for sid, r in before.items()}
        assert back.sample_ids == frozenset(chosen) and back.undo is not None
        assert said == ["Undid: set 3 samples to rejected (other): n; 3 put back"]
        again = back.undo.write()  # the redo
        assert {_rows(project, chosen)[sid][:4] for sid in chosen} == {
            ("rejected", "other", "n", "ann")}
        assert said[-1] == "Redid: Set 3 samples to rejected (other): n"
        with project.engine.begin() as conn:  # someone changes one meanwhile
            conn.execute(update(Sample).where(Sample.id == chosen[0]).values(
                status="approved", version=Sample.version + 1))
        assert again.undo is not None
        assert again.undo.write().sample_ids == frozenset(chosen[1:])
        assert said[-1].endswith("2 put back; 1 left as they are: changed by someone since")
        assert len(_revisions(project, chosen)) == 3 + 3 + 3 + 2  # the last undo skips one
        _tally_matches(project)


def test_selected_ids_are_assigned_to_a_reviewer(project_data: ReviewData) -> None:
    ids = sorted(project_data.location.values())
    with Project.open(str(project_data.path), create=False) as project:
        team = TeamWork(project, annotator="lead", clock=lambda: 0.0)
        assert team.assign(LOCATION, to="bo", count=10, ids=[ids[1], ids[3], 10**9]) == 2
        with project.engine.connect() as conn:
            assert sorted(conn.execute(select(Assignment.sample_id).where(
                Assignment.who == "bo")).scalars()) == [ids[1], ids[3]]


# ---------------------------------------------------------------- the command


def _review(db: Path | str, *args: str) -> int:
    return cli.main(["review", "--db", str(db), *args])


@pytest.fixture()
def small(tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(tmp_path / "p.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


def _statuses(db: Path) -> dict[str, int]:
    with Project.open(db, create=False) as project, project.engine.connect() as conn:
        return {str(k): int(v) for k, v in conn.execute(
            text("SELECT status, count(*) FROM samples GROUP BY status")).all()}


@pytest.mark.parametrize(("args", "says"), [
    (["--task", "Locaton", "--approve"], "unknown task 'Locaton'; one of Caption,"),
    (["--source", "FLIR", "--approve"], "unknown source 'FLIR'; the project's samples come from"),
    (["--status", "done", "--approve"], "unknown status 'done'; one of pending,"),
    (["--reject", "ugly"], "unknown reject reason 'ugly'; one of hallucination,"),
    (["--approve", "--note", "x"], "--note goes with --reject or --flag"),
])
def test_bad_arguments_are_one_line_and_change_nothing(
        small: ReviewData, capsys: pytest.CaptureFixture[str], args: list[str], says: str) -> None:
    before = _statuses(small.path)
    assert _review(small.path, *args, "--yes") == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert _statuses(small.path) == before


def test_without_yes_it_prints_the_plan_and_stops_off_a_terminal(
        small: ReviewData, capsys: pytest.CaptureFixture[str]) -> None:
    before = _statuses(small.path)
    assert _review(small.path, "--task", "Location", "--flag") == 1
    out, err = capsys.readouterr()
    n = len(small.location)
    assert f"would set {n} samples to flagged:" in out and "Location" in out and "LLVIP" in out
    assert "add --yes" in err
    assert _statuses(small.path) == before
    assert _review(small.path, "--task", "Location", "--flag", "--yes") == 0
    assert _statuses(small.path)["flagged"] == n


def test_the_real_40200_samples_location_approve_and_undo(
        tmp_path: Path, irtd_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "irtd.db"
    with Project.open(db) as project:
        assert import_files(project, sorted(irtd_files.glob("*.json")),
                            options=ImportOptions()).total("added") == 40_200
    assert _review(db, "--task", "Location", "--approve", "--yes", "--annotator", "lead") == 0
    assert "set 14,979 samples to approved:" in capsys.readouterr().out
    assert _statuses(db) == {"approved": 14_979, "pending": 40_200 - 14_979}
    with Project.open(db, create=False) as project, project.engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT r.sample_id), count(*) FROM revisions r"
                                 " JOIN samples s ON s.id = r.sample_id WHERE r.action ="
                                 " 'status' AND s.task = 'Location'")).one() == (14_979, 14_979)
    with Project.open(db, create=False) as project:
        result = bulk_decide(project, LOCATION, Decision("rejected", "other"), who="bo")
        assert result.total == 14_979 and result.undo is not None
        assert result.undo().total == 14_979
    assert _statuses(db) == {"approved": 14_979, "pending": 40_200 - 14_979}


@pytest.mark.parametrize(("answer", "code", "flagged"), [("y", 0, True), ("", 1, False)])
def test_on_a_terminal_it_asks_before_deciding(
        small: ReviewData, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        answer: str, code: int, flagged: bool) -> None:
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    assert _review(small.path, "--task", "Location", "--flag", "--note", "why") == code
    assert asked == ["Proceed? [y/N] "]
    assert _statuses(small.path).get("flagged", 0) == (len(small.location) if flagged else 0)
    assert ("nothing changed" in capsys.readouterr().out) is not flagged


def test_a_new_note_keeps_who_decided_and_a_decision_settles_a_reimport_conflict(
        project_data: ReviewData) -> None:
    ids = sorted(project_data.location.values())
    with Project.open(str(project_data.path), create=False) as project:
        bulk_decide(project, LOCATION, Decision("flagged", note="a"), who="ann")
        with project.engine.begin() as conn:
            conn.execute(update(Sample).where(Sample.id == ids[0]).values(
                warnings="reimport-conflict"))
        again = bulk_decide(project, LOCATION, Decision("flagged", note="a"), who="bo")
        assert (again.total, again.unchanged) == (1, len(ids) - 1)  # settles the conflict
        renoted = bulk_decide(project, LOCATION, Decision("flagged", note="b"), who="bo")
        assert renoted.total == len(ids)
        assert {r[:4] for r in _rows(project, ids).values()} == {("flagged", None, "b", "ann")}
        with project.engine.connect() as conn:
            assert conn.execute(select(Sample.warnings).where(Sample.id == ids[0])
                                ).scalar_one() is None
            assert conn.execute(select(Revision.target).where(
                Revision.sample_id == ids[0], Revision.who == "bo").order_by(Revision.id)
            ).scalars().all() == ["reimport-conflict", "status"]


def test_a_hand_change_undone_again_does_not_stop_the_bulk_undo(
        project_data: ReviewData) -> None:
    """Bulk reject, approve one by hand, undo that: the Sample has the bulk decision again
    (at a later version), so the bulk undo puts it back with the others; one decided by
    someone since is still left alone."""
    from irtd_annotator.services.review.session import ReviewSession

    ids = sorted(project_data.location.values())
    with Project.open(str(project_data.path), create=False) as project:
        before = _rows(project, ids)
        done = bulk_decide(project, LOCATION, Decision("rejected", "other"), who="ann")
        ann = ReviewSession(project, annotator="ann")
        approved = ann.set_status(ids[0], "approved")
        assert approved.undo is not None
        approved.undo.write()  # Ctrl+Z: rejected (other) by ann again
        bo = ReviewSession(project, annotator="bo")
        bo.set_status(ids[1], "approved")  # decided by someone since: left as it is
        assert done.undo is not None
        undone = done.undo()
        assert (undone.total, undone.stale) == (len(ids) - 1, 1)
        rows = _rows(project, ids)
        assert rows[ids[1]][:4] == ("approved", None, None, "bo")
        assert {sid: rows[sid][:4] for sid in ids if sid != ids[1]} == {
            sid: before[sid][:4] for sid in ids if sid != ids[1]}
        _tally_matches(project)


def test_repeated_task_source_and_status_options_each_count(
        small: ReviewData, capsys: pytest.CaptureFixture[str]) -> None:
    """--task A --task B decides both tasks (as export --status takes several), not B alone."""
    both = len(small.location) + len(small.caption)
    assert _review(small.path, "--task", "Location", "--task", "Caption", "--flag",
                   "--yes") == 0
    assert f"set {both} samples to flagged:" in capsys.readouterr().out
    assert _statuses(small.path)["flagged"] == both
    assert _review(small.path, "--status", "flagged", "--status", "pending", "--source", "LLVIP",
                   "--source", "LLVIP", "--approve", "--yes") == 0
    after = _statuses(small.path)  # every LLVIP sample, flagged or pending: approved
    assert after["approved"] == sum(map(len, (small.location, small.caption, small.grounding)))
    assert "flagged" not in after


def test_without_annotator_a_decision_is_recorded_as_the_login_name_as_audits_are(
        small: ReviewData, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "carla")
    assert _review(small.path, "--task", "Location", "--flag", "--yes") == 0
    with Project.open(small.path, create=False) as project, project.engine.connect() as conn:
        deciders = {str(r[0]) for r in conn.execute(text(
            "SELECT decided_by FROM samples WHERE status = 'flagged'")).all()}
        writers = {str(r[0]) for r in conn.execute(text(
            "SELECT who FROM revisions WHERE action = 'status'")).all()}
    assert deciders == writers == {"carla"}


def test_the_plan_says_which_decisions_it_replaces(
        small: ReviewData, capsys: pytest.CaptureFixture[str]) -> None:
    flagged, rejected = sorted(small.location.values())[:2]
    with Project.open(small.path, create=False) as project, project.engine.begin() as conn:
        conn.execute(text("UPDATE samples SET status = 'flagged' WHERE id = :i"), {"i": flagged})
        conn.execute(text("UPDATE samples SET status = 'rejected' WHERE id = :i"), {"i": rejected})
    assert _review(small.path, "--task", "Location", "--approve") == 1  # the plan only
    out = capsys.readouterr().out
    assert "of them decided already, their decision replaced: 1 flagged, 1 rejected" in out
