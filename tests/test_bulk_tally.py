"""A bulk decision at scale (issue 16) writes its revisions and the tally by set-based SQL,
not per Sample: on both stores, the tally after a decision and after its undo is what a
fresh count of the Samples gives, every Sample has exactly one revision a step naming its
own old and new decision, and SQLite's per-row tally trigger is back for one-Sample changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.bulk import Decision, bulk_decide
from irtd_annotator.store.schema import Pair, Revision, Sample
from irtd_annotator.store.tally import tally_cells
from review_data import ReviewData, build_review_project


@pytest.fixture()
def project_data(store_target: str, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)


def _recount_equals_tally(project: Project) -> None:
    with project.engine.connect() as conn:
        kept = set(tally_cells(conn))
        fresh = {(str(s), str(t), str(st), int(n)) for s, t, st, n in conn.execute(
            select(Pair.source, Sample.task, Sample.status, func.count())
            .join(Pair, Pair.id == Sample.pair_id)
            .group_by(Pair.source, Sample.task, Sample.status))}
    assert kept == fresh


def _status_revisions(project: Project) -> dict[int, list[tuple[Any, ...]]]:
    with project.engine.connect() as conn:
        found: dict[int, list[tuple[Any, ...]]] = {}
        for sid, pair, target, old, new in conn.execute(
                select(Revision.sample_id, Revision.pair_id, Revision.target, Revision.old,
                       Revision.new).where(Revision.action == "status").order_by(Revision.id)):
            found.setdefault(sid, []).append((pair, target, old, new))
        return found


def test_tally_and_revisions_of_a_bulk_decision_and_its_undo(project_data: ReviewData) -> None:
    location = sorted(project_data.location.values())
    rejected, flagged, *approved = location[:4]
    with Project.open(str(project_data.path), create=False) as project:
        with project.engine.begin() as conn:  # earlier decisions, two alike, two alone
            conn.execute(update(Sample).where(Sample.id == rejected).values(
                status="rejected", reject_reason="other", note="n", decided_by="bo",
                decided_at="2026-01-01T00:00:00"))
            conn.execute(update(Sample).where(Sample.id == flagged).values(
                status="flagged", note="look", decided_by="cy", decided_at="2026-01-02"))
            conn.execute(update(Sample).where(Sample.id.in_(approved)).values(
                status="approved", decided_by="bo", decided_at="2026-01-03"))
            pairs = dict(conn.execute(select(Sample.id, Sample.pair_id)).all())
            before = {r[0]: tuple(r[1:]) for r in conn.execute(select(
                Sample.id, Sample.status, Sample.reject_reason, Sample.note,
                Sample.decided_by, Sample.decided_at))}
        assert _status_revisions(project) == {}
        done = bulk_decide(project, QueueFilter(), Decision("flagged", note="all"), who="ann")
        assert done.total == len(before)  # every task and source: no Sample had it
        _recount_equals_tally(project)
        olds = {rejected: "rejected (other): n", flagged: "flagged: look",
                **dict.fromkeys(approved, "approved")}
        assert _status_revisions(project) == {
            sid: [(pairs[sid], "status", olds.get(sid, "pending"), "flagged: all")]
            for sid in before}

        assert done.undo is not None and done.undo().total == len(before)
        _recount_equals_tally(project)
        with project.engine.connect() as conn:
            assert {r[0]: tuple(r[1:]) for r in conn.execute(select(
                Sample.id, Sample.status, Sample.reject_reason, Sample.note,
                Sample.decided_by, Sample.decided_at))} == before
        assert _status_revisions(project) == {
            sid: [(pairs[sid], "status", olds.get(sid, "pending"), "flagged: all"),
                  (pairs[sid], "status (undo)", "flagged: all", olds.get(sid, "pending"))]
            for sid in before}

        with project.engine.begin() as conn:  # a one-Sample change counts by trigger again
            conn.execute(update(Sample).where(Sample.id == location[-1]).values(
                status="approved"))
        _recount_equals_tally(project)


def test_a_cancelled_decision_leaves_the_tally_and_its_trigger(project_data: ReviewData) -> None:
    location = sorted(project_data.location.values())

    def stop(_done: int, _total: int) -> None:
        raise RuntimeError("cancelled")

    with Project.open(str(project_data.path), create=False) as project:
        with pytest.raises(RuntimeError):
            bulk_decide(project, QueueFilter(), Decision("approved"), who="ann", progress=stop)
        with project.engine.begin() as conn:
            conn.execute(update(Sample).where(Sample.id == location[0]).values(
                status="rejected", reject_reason="other"))
        _recount_equals_tally(project)
        assert bulk_decide(project, QueueFilter(), Decision("approved"), who="ann").total
        _recount_equals_tally(project)


def test_a_write_by_another_program_during_a_decision_waits_for_it(
        tmp_path: Path, llvip_dir: Path, irtd_files: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: the decision holds the write lock from its first statement. Before, its
    transaction began with reads (the id table, the trigger's SQL), so a reviewer's save
    committed in between made the decision's first write fail at once with "database is
    locked" (seen as an audit accept failing in the window)."""
    import sqlite3

    from irtd_annotator.store import bulk_decide as module

    data = build_review_project(str(tmp_path / "p.db"), llvip_dir=llvip_dir,
                                irtd_files=irtd_files)
    original = module.tally_by_hand
    other: list[str] = []

    def with_a_save_in_between(conn: Any, ids: str, moves: Any = None) -> Any:
        conn.exec_driver_sql("SELECT count(*) FROM samples").scalar()  # as the decision reads
        saver = sqlite3.connect(data.path, timeout=0.2)
        try:
            saver.execute("UPDATE samples SET note = 'saved' WHERE id = (SELECT max(id)"
                          " FROM samples)")
            saver.commit()
            other.append("committed")
        except sqlite3.OperationalError as exc:  # the decision holds the lock: it waits
            other.append(str(exc))
        finally:
            saver.close()
        return original(conn, ids, moves)

    monkeypatch.setattr(module, "tally_by_hand", with_a_save_in_between)
    with Project.open(str(data.path), create=False) as project:
        result = bulk_decide(project, QueueFilter(tasks=("Location",)), Decision("approved"),
                             who="ann")
        assert result.total == len(data.location)
        _recount_equals_tally(project)
    assert other == ["database is locked"]


def test_a_decision_made_after_the_bulk_read_its_targets_is_not_counted_wrong(
        tmp_path: Path, llvip_dir: Path, irtd_files: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: the targets are read under the write lock. Before, they were read outside any
    transaction, so a reviewer's approval committed between the read and the write was
    overwritten by the bulk decision and the tally moved by the stale reading (left 3 off)."""
    import sqlite3

    from irtd_annotator.store import bulk_decide as module

    data = build_review_project(str(tmp_path / "p.db"), llvip_dir=llvip_dir,
                                irtd_files=irtd_files)
    original = module._driver_rows
    other: list[str] = []

    def approve_three_after_the_read(conn: Any, query: Any) -> list[tuple[Any, ...]]:
        rows = original(conn, query)
        reviewer = sqlite3.connect(data.path, timeout=0.2)
        try:
            reviewer.execute("UPDATE samples SET status = 'approved' WHERE id IN"
                             f" ({','.join(str(r[0]) for r in rows[:3])})")
            reviewer.commit()
            other.append("committed")
        except sqlite3.OperationalError as exc:
            other.append(str(exc))
        finally:
            reviewer.close()
        return rows

    monkeypatch.setattr(module, "_driver_rows", approve_three_after_the_read)
    with Project.open(str(data.path), create=False) as project:
        bulk_decide(project, QueueFilter(tasks=("Location",)), Decision("flagged"), who="ann")
        _recount_equals_tally(project)
    assert other == ["database is locked"]
