"""No lost update (issue 12 item 2, ADR 0019): every write claims the Sample against the
version its reviewer saw; a stale write is refused naming who changed it and when, revisions
record exactly what they replaced, and undo restores the right thing - on both stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from editing_data import first_of_kind, import_subset, released
from irtd_annotator.domain.errors import StaleSampleError, UserError
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.model import Box
from irtd_annotator.services.changes import Changes
from irtd_annotator.store.schema import Revision
from versions_support import (
    GROUNDING_SAMPLES,
    Reviewer,
    answer,
    box_answer,
    grounding_store,
    revisions,
)


@pytest.fixture()
def store(store_target: str, irtd_files: Path, tmp_path: Path) -> tuple[str, list[int]]:
    return store_target, grounding_store(store_target, irtd_files, tmp_path / "subset")


@pytest.fixture()
def two(store: tuple[str, list[int]]) -> Iterator[tuple[Reviewer, Reviewer]]:
    target, _ids = store
    ada, bea = Reviewer.open(target, "Ada"), Reviewer.open(target, "Bea")
    yield ada, bea
    ada.close()
    bea.close()


def _sid(store: tuple[str, list[int]]) -> int:
    return store[1][0]


def test_an_edit_from_an_out_of_date_window_is_refused_not_saved_over(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    ada, bea = two
    sid = _sid(store)
    original = answer(ada.project, sid)
    ada.session.sample(sid)
    bea.session.sample(sid)
    bea.editing.set_boxes(sid, [Box(10, 20, 30, 40, "person")])
    with pytest.raises(StaleSampleError) as refused:
        ada.editing.set_boxes(sid, [Box(50, 60, 70, 80, "person")])
    message = str(refused.value)
    assert message.startswith(f"Sample {sid} was changed by Bea at ")
    assert "not saved" in message and "\n" not in message
    assert answer(ada.project, sid) == box_answer(10, 20, 30, 40)  # Bea's edit stands
    # Ada sees the Sample as it is now; her edit then replaces exactly Bea's box
    assert ada.session.sample(sid).boxes[0].x1 == 10
    ada.editing.set_boxes(sid, [Box(50, 60, 70, 80, "person")])
    assert [(who, old, new) for who, _t, old, new in revisions(ada.project, sid)] == [
        ("Bea", original, box_answer(10, 20, 30, 40)),
        ("Ada", box_answer(10, 20, 30, 40), box_answer(50, 60, 70, 80))]


def test_a_decision_and_typed_text_from_an_out_of_date_window_are_refused(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    ada, bea = two
    sid = _sid(store)
    ada.session.sample(sid)
    bea.session.sample(sid)
    bea.session.set_status(sid, "approved")
    with pytest.raises(StaleSampleError, match=f"Sample {sid} was changed by Bea"):
        ada.session.set_status(sid, "rejected", reason="wrong geometry")
    with pytest.raises(StaleSampleError, match="by Bea"):
        ada.session.edit_turn(sid, 1, box_answer(1, 2, 3, 4))
    with pytest.raises(StaleSampleError, match="by Bea"):
        ada.session.revert_turn(sid, 1)
    view = bea.session.sample(sid)
    assert view.status.value == "approved" and not view.edited
    assert [target for _w, target, _o, _n in revisions(ada.project, sid)] == ["status"]
    # once shown again, Ada's decision is hers to make
    assert ada.session.sample(sid).status.value == "approved"
    ada.session.set_status(sid, "rejected", reason="wrong geometry")
    assert revisions(ada.project, sid)[-1] == ("Ada", "status", "approved",
                                               "rejected (wrong geometry)")


def test_a_caller_that_showed_nothing_is_only_serialized(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    """The CLI and bulk callers show no Sample: their writes are claimed, never refused,
    and what they replace is still recorded exactly."""
    ada, bea = two
    sid = _sid(store)
    bea.session.set_status(sid, "approved")
    ada.session.set_status(sid, "flagged")
    assert [(w, o, n) for w, _t, o, n in revisions(ada.project, sid)] == [
        ("Bea", "pending", "approved"), ("Ada", "approved", "flagged")]


def test_a_reviewers_own_chain_of_edits_undoes_and_redoes(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    ada, _bea = two
    sid = _sid(store)
    original = answer(ada.project, sid)
    ada.session.sample(sid)
    typed = ada.session.edit_turn(sid, 1, box_answer(5, 6, 7, 8))       # edit text
    moved = ada.editing.set_boxes(sid, [Box(11, 12, 13, 14, "person")])  # edit a box
    decided = ada.session.set_status(sid, "approved")
    undone: list[Changes] = []
    for step in (decided, moved, typed):  # Ctrl+Z, Ctrl+Z, Ctrl+Z
        assert step.undo is not None
        undone.append(step.undo.write())
    assert answer(ada.project, sid) == original
    view = ada.session.sample(sid)
    assert view.status.value == "pending" and not view.edited
    for step in reversed(undone):  # Ctrl+Y three times
        assert step.undo is not None
        step.undo.write()
    assert answer(ada.project, sid) == box_answer(11, 12, 13, 14)
    assert ada.session.sample(sid).status.value == "approved"


def test_an_undo_after_someone_elses_change_is_refused(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    ada, bea = two
    sid = _sid(store)
    ada.session.sample(sid)
    moved = ada.editing.set_boxes(sid, [Box(11, 12, 13, 14, "person")])
    typed = ada.session.edit_turn(sid, 1, box_answer(15, 16, 17, 18))
    bea.session.sample(sid)
    bea.session.set_status(sid, "flagged", note="check the box")
    assert typed.undo is not None and moved.undo is not None
    with pytest.raises(StaleSampleError) as refused:
        typed.undo.write()
    assert str(refused.value).startswith(f"Sample {sid} was changed by Bea at ")
    assert "the undo was not saved" in str(refused.value)
    # Having seen Bea's decision does not make the undo safe: it would write across it
    ada.session.sample(sid)
    with pytest.raises(StaleSampleError, match="by Bea"):
        typed.undo.write()
    assert answer(ada.project, sid) == box_answer(15, 16, 17, 18)
    # nor does a new edit of Ada's own on top of it make the older edit undoable
    ada.session.edit_turn(sid, 1, box_answer(20, 21, 22, 23))
    with pytest.raises(StaleSampleError, match="undo was not saved"):
        moved.undo.write()
    view = ada.session.sample(sid)
    assert view.status.value == "flagged" and answer(ada.project, sid) == box_answer(
        20, 21, 22, 23)


def test_source_boxes_claim_every_sample_of_the_pair(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    ada, bea = two
    sid = _sid(store)
    pair_id = ada.session.sample(sid).pair.id
    siblings = [row.id for row in ada.session.pair_samples(pair_id)]
    for other in siblings:
        bea.session.sample(other)
    ada.editing.set_pair_boxes(pair_id, [Box(1, 2, 30, 40, "person")])
    for other in siblings:  # each Sample shows the source boxes: each is stale for Bea
        with pytest.raises(StaleSampleError, match="by Ada"):
            bea.session.set_status(other, "approved")


def _blocked(conn_url: str, sample_id: int, waiters: int) -> tuple[threading.Event,
                                                                  threading.Thread,
                                                                  threading.Event]:
    """A third connection holding the Sample's row lock (taken when this returns) until the
    first Event is set; the second Event is set once ``waiters`` other sessions wait on it."""
    release, waiting, held = threading.Event(), threading.Event(), threading.Event()
    engine = create_engine(conn_url)

    def hold() -> None:
        with engine.begin() as conn:
            conn.execute(text("SELECT id FROM samples WHERE id = :id FOR UPDATE"),
                         {"id": sample_id})
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            held.set()
            with engine.connect() as watch:
                while not release.is_set():
                    # the writers queued behind the row lock (the first waits on this
                    # transaction, the next on the first: each waits on a lock)
                    queued = watch.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database() AND pid <> :pid"), {"pid": pid}).scalar()
                    watch.rollback()
                    if queued is not None and queued >= waiters:
                        waiting.set()
                    release.wait(0.02)
        engine.dispose()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30), "the row lock was never taken"
    return release, holder, waiting


def test_two_reviewers_behind_a_held_row_lock_one_wins_one_is_refused(
        pg_url: str, irtd_files: Path, tmp_path: Path) -> None:
    """The issue's repro: a third connection holds the Sample's row lock; Ada and Bea, both
    having read the Sample, each set a box. Before: both "succeeded", Ada's or Bea's box was
    silently gone and both revisions recorded the same old value."""
    sid = grounding_store(pg_url, irtd_files, tmp_path / "subset")[0]
    ada, bea = Reviewer.open(pg_url, "Ada"), Reviewer.open(pg_url, "Bea")
    try:
        original = answer(ada.project, sid)
        ada.session.sample(sid)
        bea.session.sample(sid)
        release, holder, waiting = _blocked(pg_url, sid, waiters=2)
        outcome: dict[str, object] = {}

        def edit(who: Reviewer, box: Box) -> None:
            try:
                outcome[who.name] = who.editing.set_boxes(sid, [box])
            except StaleSampleError as exc:
                outcome[who.name] = exc

        boxes = {"Ada": Box(10, 20, 30, 40, "person"), "Bea": Box(50, 60, 70, 80, "person")}
        writers = [threading.Thread(target=edit, args=(r, boxes[r.name])) for r in (ada, bea)]
        try:
            for writer in writers:
                writer.start()
            assert waiting.wait(30), "the two writers never queued behind the row lock"
        finally:
            release.set()
            for thread in (*writers, holder):
                thread.join(30)
        won = [name for name, got in outcome.items() if isinstance(got, Changes)]
        lost = [name for name, got in outcome.items() if isinstance(got, StaleSampleError)]
        assert len(won) == 1 and len(lost) == 1, outcome
        winner, loser = won[0], lost[0]
        assert str(outcome[loser]).startswith(f"Sample {sid} was changed by {winner} at ")
        b = boxes[winner]
        winning = box_answer(int(b.x1), int(b.y1), int(b.x2), int(b.y2))
        assert answer(ada.project, sid) == winning
        assert [(who, old, new) for who, _t, old, new in revisions(ada.project, sid)] == [
            (winner, original, winning)]
        changes = outcome[winner]
        assert isinstance(changes, Changes) and changes.undo is not None
        changes.undo.write()  # undoing the winner restores the original, not the loser's box
        assert answer(ada.project, sid) == original
    finally:
        ada.close()
        bea.close()


def test_a_re_import_that_changed_the_sample_makes_an_open_window_stale(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer], irtd_files: Path,
        tmp_path: Path) -> None:
    ada, _bea = two
    sid = _sid(store)
    ada.session.sample(sid)
    samples = first_of_kind(released(irtd_files, "Detection.json"), count=GROUNDING_SAMPLES)
    samples[0]["conversations"][-1]["value"] = box_answer(1, 1, 9, 9)  # the LLM's new text
    import_subset(ada.project, tmp_path / "again", {"Detection.json": samples})
    assert answer(ada.project, sid) == box_answer(1, 1, 9, 9)
    with pytest.raises(StaleSampleError):
        ada.session.edit_turn(sid, 1, box_answer(2, 2, 8, 8))
    assert answer(ada.project, sid) == box_answer(1, 1, 9, 9)


def test_an_alignment_claims_no_sample_and_its_undo_is_refused_once_realigned(
        store: tuple[str, list[int]], two: tuple[Reviewer, Reviewer]) -> None:
    ada, bea = two
    sid = _sid(store)
    pair = ada.session.sample(sid).pair
    bea.session.sample(sid)
    aligned = ada.editing.set_alignment(pair.id, Alignment(dx=5.0))
    bea.session.set_status(sid, "approved")  # an alignment is no Sample's content: not stale
    realigned = bea.editing.set_alignment(pair.id, Alignment(dx=9.0))
    assert aligned.undo is not None and realigned.undo is not None
    with pytest.raises(UserError, match=f"alignment of {pair.source} was changed by someone"):
        aligned.undo.write()
    assert ada.editing.alignment(pair.id)[0] == Alignment(dx=9.0)
    with ada.project.engine.connect() as conn:
        olds = [r.old for r in conn.execute(select(Revision).where(
            Revision.action == "alignment").order_by(Revision.id))]
    assert olds == ["none", "dx 5, dy 0, scale 1"]  # each replaced exactly what was stored
    redo = realigned.undo.write()  # Bea's own undo: Ada's alignment back
    assert ada.editing.alignment(pair.id)[0] == Alignment(dx=5.0)
    assert redo.undo is not None
    redo.undo.write()
    assert ada.editing.alignment(pair.id)[0] == Alignment(dx=9.0)
