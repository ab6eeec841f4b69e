"""The team benchmark's checker (tests/perf/team_check.py) counts what it must: a lost update
(a revision that replaced a value it never saw, or a final value no revision wrote) and a
collision (a Sample decided by two reviewers); and the benchmark runs on both stores."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from import_support import grounding, write_samples
from irtd_annotator.cli import main
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.store.schema import Turn
from tests.perf import bench_team
from tests.perf.team_check import Rev, check, check_store, last_revision_id


def _rev(rid: int, sid: int, who: str, target: str, old: str, new: str,
         action: str | None = None) -> Rev:
    return Rev(rid, sid, who, action or ("status" if target == "status" else "text"),
               target, old, new)


def test_a_made_up_lost_update_and_collision_are_counted() -> None:
    revisions = [
        _rev(1, 1, "A", "status", "pending", "approved"),           # fine
        _rev(2, 2, "A", "turn 1", "x", "y"),
        _rev(3, 2, "B", "turn 1", "x", "z"),                        # lost: B never saw "y"
        _rev(4, 3, "A", "turn 1", "a", "b"),                        # lost: the store holds "a"
        _rev(5, 4, "A", "status", "pending", "approved"),
        _rev(6, 4, "B", "status", "approved", "rejected (other)"),  # collision, nothing lost
        _rev(7, 5, "A", "status", "pending", "approved"),           # B's log has it too
        _rev(8, 6, "A", "status", "pending", "approved"),
        _rev(9, 6, "A", "status", "approved", "flagged"),           # one reviewer twice: fine
        _rev(10, 7, "A", "status", "pending", "approved"),
        _rev(11, 7, "B", "status", "approved", "pending"),          # back to pending: no decision
        _rev(12, 8, "A", "markers", "0 marker(s)", "2 marker(s)", action="markers"),  # not checked
        _rev(13, 9, "A", "turn 1", "geometry before", "box moved", action="geometry"),
    ]
    final = {(1, "status"): "approved", (2, "turn 1"): "z", (3, "turn 1"): "a",
             (4, "status"): "rejected (other)", (5, "status"): "approved",
             (6, "status"): "flagged", (7, "status"): "pending", (9, "turn 1"): "box moved"}
    found = check(list(reversed(revisions)), final, {"A": [1, 5, 6], "B": [4, 5]})
    assert (found.lost_updates, found.collisions) == (2, 2)
    assert found.collided == [4, 5]
    assert found.revisions_checked == 12
    assert found.lost[0].startswith("sample 2 turn 1: B replaced 'x'")
    assert "the store holds 'a'" in found.lost[1]


def test_nothing_is_found_in_a_clean_run() -> None:
    revisions = [_rev(1, 1, "A", "turn 1", "x", "y"), _rev(2, 1, "B", "turn 1", "y", "z"),
                 _rev(3, 2, "B", "status", "pending", "approved")]
    found = check(revisions, {(1, "turn 1"): "z", (2, "status"): "approved"}, {"B": [2]})
    assert (found.lost_updates, found.collisions, found.keys_checked) == (0, 0, 2)


def test_the_checker_reads_each_store(store_target: str, tmp_path: Path) -> None:
    samples = [grounding(i, i, (10, 20, 200, 300)) for i in range(1, 5)]
    path = write_samples(tmp_path / "Detection.json", samples, form="concat")
    assert main(["import", str(path), "--db", store_target, "--quiet"]) == 0
    with Project.open(store_target, create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        bob = ReviewSession(project, annotator="Bob")
        s1, s2, s3, _s4 = ada.query_ids(QueueFilter())
        with project.engine.connect() as conn:
            before = last_revision_id(conn)
        ada.edit_turn(s1, 1, "The target bounding box is <box>[[11, 21, 201, 301]]</box>.")
        bob.edit_turn(s1, 1, "The target bounding box is <box>[[12, 22, 202, 302]]</box>.")
        ada.sample(s1)  # Ada sees Bob's box before approving: else she is refused as stale
        ada.set_status(s1, "approved")
        ada.set_status(s2, "approved")
        bob.set_status(s2, "rejected", reason="wrong geometry")
        with project.engine.connect() as conn:
            clean = check_store(conn, after_revision=before, decided_by_reviewers={"Ada": [s1]})
        assert (clean.lost_updates, clean.collisions) == (0, 1)
        assert clean.collided == [s2]
        # a write no revision tells of: the store's text is not the last one written
        ada.edit_turn(s3, 1, "The target bounding box is <box>[[13, 23, 203, 303]]</box>.")
        with project.engine.begin() as conn:
            conn.execute(update(Turn).where(Turn.sample_id == s3, Turn.idx == 1)
                         .values(text="overwritten behind the back of the revisions"))
        with project.engine.connect() as conn:
            found = check_store(conn, after_revision=before)
    assert (found.lost_updates, found.collisions) == (1, 1)
    assert found.lost[0].startswith(f"sample {s3} turn 1: the store holds 'overwritten")


def test_the_benchmark_runs_reviewer_processes_on_each_store(store_target: str) -> None:
    result = bench_team.run(store_target, reviewers=2, seconds=1.0, samples=300, edit_share=0.5)
    assert result["store"] == ("postgresql" if "://" in store_target else "sqlite")
    assert result["samples"] == 300 and result["reviewers"] == 2
    assert result["decisions"] > 0 and result["approve_p50_ms"] is not None
    assert result["decisions"] == result["approvals"] + result["rejections"]
    for name in ("lost_updates", "collisions", "errors", "stale_refusals"):
        assert isinstance(result[name], int) and result[name] >= 0
    assert result["examples"]["errors"] == [] and result["errors"] == 0
