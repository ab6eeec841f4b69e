"""The review session (no Qt): every method against a real temporary store of real data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select

from irtd_annotator.domain.errors import StoreError
from irtd_annotator.domain.model import Box, ReviewStatus
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import Changes, QueueFilter, ReviewSession
from irtd_annotator.store.schema import Pair, Revision, Sample, Turn
from review_data import ReviewData


def _revisions(path: Path) -> list[tuple]:
    with Project.open(path, create=False) as project, project.engine.connect() as conn:
        return list(conn.execute(select(
            Revision.sample_id, Revision.who, Revision.action, Revision.target, Revision.old,
            Revision.new).order_by(Revision.id)))


def test_query_ids_follows_every_filter_field(session: ReviewSession, data: ReviewData) -> None:
    all_ids = session.query_ids(QueueFilter())
    assert all_ids == sorted(all_ids) and len(all_ids) == 5 * 3 + 3
    assert session.query_ids(QueueFilter(tasks=("Location",))) == sorted(data.location.values())
    assert session.query_ids(QueueFilter(sources=("63-FLIR_ADAS",))) == data.flir
    assert session.query_ids(QueueFilter(missing_images=True)) == data.flir
    assert len(session.query_ids(QueueFilter(missing_images=False))) == 15
    assert session.query_ids(QueueFilter(warnings=False)) == all_ids  # no 641 in the first 3
    assert session.query_ids(QueueFilter(statuses=("approved",))) == []
    # free text: case-insensitive in prompts and answers; % and _ are literal characters
    assert session.query_ids(QueueFilter(text="HEADLIGHTS")) == sorted(data.caption.values())
    assert session.query_ids(QueueFilter(text="100%")) == []
    assert session.query_ids(QueueFilter(text="<ref>person</ref>")) == sorted(data.location.values())

    session.set_status(data.caption["190002"], "approved")
    session.edit_turn(data.grounding["190003"], 1, "The target bounding box is <box>[[1, 2, 3, 4]]</box>.")
    assert session.query_ids(QueueFilter(statuses=("approved",))) == [data.caption["190002"]]
    assert session.query_ids(QueueFilter(edited=True)) == [data.grounding["190003"]]
    assert len(session.query_ids(QueueFilter(edited=False))) == len(all_ids) - 1
    both = QueueFilter(statuses=("approved", "pending"), tasks=("Caption",), sources=("LLVIP",))
    assert session.query_ids(both) == sorted(data.caption.values())


def test_query_ids_sorts_with_ties_broken_by_id(session: ReviewSession, data: ReviewData) -> None:
    by_task = session.query_ids(QueueFilter(sort="task"))
    tasks = [session.rows(by_task)[i].task for i in by_task]
    assert tasks == sorted(tasks)
    captions = by_task[:5]
    assert captions == sorted(data.caption.values())
    down = session.query_ids(QueueFilter(sort="id", descending=True))
    assert down == sorted(down, reverse=True)
    by_image = session.query_ids(QueueFilter(sort="image", descending=True))
    assert session.rows(by_image[:1])[by_image[0]].image.startswith("LLVIP/infrared/test/190005")
    with pytest.raises(ValueError, match="unknown sort key"):
        QueueFilter(sort="colour")
    with pytest.raises(ValueError, match="'done'"):
        QueueFilter(statuses=("done",))


def test_filter_round_trips_through_json(data: ReviewData) -> None:
    flt = QueueFilter(statuses=("pending",), tasks=("Re-ID",), text="car", sort="source",
                      descending=True, missing_images=False)
    assert QueueFilter.from_json(json.loads(json.dumps(flt.to_json()))) == flt
    assert QueueFilter.from_json({"statuses": ["nonsense"]}) == QueueFilter()
    assert QueueFilter.from_json(None) == QueueFilter()


def test_rows_fetch_batches_and_skip_unknown_ids(session: ReviewSession, data: ReviewData,
                                                  irtd_files: Path) -> None:
    # 1,200 real Location samples on one pair: more ids than one SQL statement may bind
    records = json.loads((irtd_files / "Location.json").read_text())[:1200]
    with session.project.engine.begin() as conn:
        pair = conn.execute(insert(Pair).values(
            rel_path="63-FLIR_ADAS/bulk.jpeg", source="63-FLIR_ADAS", ir_exists=True,
            visible_path=None, visible_exists=False, aligned=True)).inserted_primary_key[0]
        for rec in records:
            sid = conn.execute(insert(Sample).values(
                task="Location", original_id=rec["id"], source_file="Location.json",
                pair_id=pair, image=rec["image"][0], answer_space="norm1000",
                status="pending", edited=False, warnings="outside-image" if rec["id"] == "7" else None,
            )).inserted_primary_key[0]
            conn.execute(insert(Turn).values(sample_id=sid, idx=0, role="human",
                                             original="q", text=rec["conversations"][0]["value"]))
    ids = session.query_ids(QueueFilter(tasks=("Location",)))
    assert len(ids) == 1205
    rows = session.rows(ids + [999_999])
    assert set(rows) == set(ids)
    bulk = [rows[i] for i in ids[5:]]
    # no visible counterpart is not "missing"; the row names the pair's image
    assert all(r.image == "63-FLIR_ADAS/bulk.jpeg" and not r.missing for r in bulk)
    assert [r.warnings for r in bulk if r.warnings] == ["outside-image"]
    assert session.query_ids(QueueFilter(warnings=True, tasks=("Location",))) == [
        r.id for r in bulk if r.warnings]
    flir = session.rows(data.flir)
    assert all(r.missing and r.source == "63-FLIR_ADAS" and r.status == "pending" for r in flir.values())


def test_counts_are_decided_and_total_in_the_filter(session: ReviewSession, data: ReviewData) -> None:
    assert session.counts(QueueFilter()) == (0, 18)
    for sid in list(data.caption.values())[:2] + [data.location["190001"]]:
        session.set_status(sid, "approved")
    session.set_status(data.caption["190005"], "rejected", reason="hallucination")
    assert session.counts(QueueFilter()) == (4, 18)  # decided: approved, accepted, rejected
    assert session.counts(QueueFilter(tasks=("Caption",))) == (3, 5)
    assert session.counts(QueueFilter(statuses=("rejected",))) == (1, 1)
    assert session.counts(QueueFilter(text="no such words")) == (0, 0)


def test_choices_list_present_tasks_and_sources_and_every_status(session: ReviewSession) -> None:
    choices = session.choices()
    assert choices["task"] == ["Caption", "Grounding", "Location"]  # in Task order
    assert choices["source"] == ["63-FLIR_ADAS", "LLVIP"]
    assert choices["status"] == ["pending", "approved", "rejected", "flagged", "accepted"]


def test_sample_view_has_turns_pair_and_geometry_in_pixels(session: ReviewSession,
                                                           data: ReviewData) -> None:
    view = session.sample(data.grounding["190002"])
    assert view.task is Task.GROUNDING and view.status is ReviewStatus.PENDING
    assert view.pair.ir_exists and view.pair.visible_exists and view.pair.width == 1280
    assert view.pair.rel_path == "LLVIP/infrared/test/190002.jpg"
    assert [t.role for t in view.turns] == ["human", "gpt"]
    assert view.turns[1].text == "The target bounding box is <box>[[259, 569, 376, 866]]</box>."
    assert view.boxes == (Box(259, 569, 376, 866, "person"),)  # the paper's example box
    loc = session.sample(data.location["190002"])
    (point,) = loc.points
    # the paper's Location example (318, 718), through the 0-1000 rounding of the answer
    assert abs(point.x - 317.5) < 1 and abs(point.y - 717.5) < 1
    flir = session.sample(data.flir[0])
    assert not flir.pair.ir_exists and flir.boxes == () and flir.turns[0].text.startswith("<image>\n")
    with pytest.raises(LookupError, match="sample 999999"):
        session.sample(999_999)


def test_pair_samples_are_the_siblings_across_tasks(session: ReviewSession, data: ReviewData) -> None:
    pair = session.sample(data.caption["190004"]).pair.id
    rows = session.pair_samples(pair)
    assert [r.id for r in rows] == sorted([data.grounding["190004"], data.location["190004"],
                                           data.caption["190004"]])
    assert {r.task for r in rows} == {"Grounding", "Location", "Caption"}


def test_next_pending_skips_reviewed_and_wraps_round(session: ReviewSession, data: ReviewData) -> None:
    ids = session.query_ids(QueueFilter())
    for sid in ids[1:4]:
        session.set_status(sid, "approved")
    assert session.next_pending(ids[0], ids) == ids[4]
    assert session.next_pending(None, ids) == ids[0]
    assert session.next_pending(ids[-1], ids) == ids[0]  # wraps to the start
    assert session.next_pending(ids[2], list(reversed(ids))) == ids[0]
    for sid in ids:
        session.set_status(sid, "flagged")
    session.set_status(ids[7], "pending")
    assert session.next_pending(ids[7], ids) is None  # only the current one is pending
    assert session.next_pending(ids[3], ids) == ids[7]
    assert session.next_pending(None, []) is None


def test_set_status_writes_reason_note_and_a_revision(session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190001"]
    changes = session.set_status(sid, "rejected", reason="hallucination", note="  no red light  ")
    assert changes == Changes(sample_ids=frozenset({sid}), status=True)
    view = session.sample(sid)
    assert (view.status, view.reject_reason, view.note) == (
        ReviewStatus.REJECTED, "hallucination", "no red light")
    with session.project.engine.connect() as conn:
        by, at = conn.execute(select(Sample.updated_by, Sample.updated_at).where(Sample.id == sid)).one()
    assert by == "Ada" and at
    # undo: the same method with the old values, itself logged
    assert session.set_status(sid, "pending")
    view = session.sample(sid)
    assert (view.status, view.reject_reason, view.note) == (ReviewStatus.PENDING, None, None)
    assert _revisions(data.path) == [
        (sid, "Ada", "status", "status", "pending", "rejected (hallucination): no red light"),
        (sid, "Ada", "status", "status", "rejected (hallucination): no red light", "pending"),
    ]


def test_set_status_refuses_bad_values_and_skips_no_ops(session: ReviewSession, data: ReviewData) -> None:
    sid = data.grounding["190001"]
    assert session.set_status(sid, "pending") == Changes() and not session.set_status(sid, "pending")
    with pytest.raises(ValueError, match="done"):
        session.set_status(sid, "done")
    with pytest.raises(ValueError, match="needs the status rejected"):
        session.set_status(sid, "approved", reason="other")
    with pytest.raises(ValueError, match="bad reason"):
        session.set_status(sid, "rejected", reason="bad reason")
    with pytest.raises(LookupError):
        session.set_status(999_999, "approved")
    assert _revisions(data.path) == []
    assert session.sample(sid).status is ReviewStatus.PENDING


def test_edit_turn_saves_text_edited_flag_and_revision(session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190003"]
    original = session.sample(sid).turns[1].text
    fixed = original.replace("; the headlights of a car glow red", "; a warm car engine")
    assert session.edit_turn(sid, 1, fixed) == Changes(sample_ids=frozenset({sid}), text=True)
    view = session.sample(sid)
    assert view.turns[1].text == fixed and view.turns[1].original == original and view.edited
    assert session.edit_turn(sid, 1, fixed) == Changes()  # same text: nothing written
    assert session.revert_turn(sid, 1).text
    view = session.sample(sid)
    assert view.turns[1].text == original and not view.edited
    assert _revisions(data.path) == [
        (sid, "Ada", "text", "turn 1", original, fixed),
        (sid, "Ada", "text", "turn 1", fixed, original),
    ]
    with pytest.raises(LookupError, match="no turn 5"):
        session.edit_turn(sid, 5, "x")
    # the prompt is a turn too
    session.edit_turn(sid, 0, "<image>\nDescribe this infrared picture in detail.")
    assert session.sample(sid).edited


def test_edited_answer_moves_its_geometry_and_warnings(session: ReviewSession, data: ReviewData) -> None:
    sid = data.grounding["190002"]
    changes = session.edit_turn(sid, 1, "The target bounding box is <box>[[259, 569, 380, 1030]]</box>.")
    assert changes.geometry and changes.text
    view = session.sample(sid)
    assert view.boxes == (Box(259, 569, 380, 1030, "person"),)
    assert view.warnings == ("outside-image",)  # 1030 > 1024: kept, flagged
    # half-typed markup: the box stays, a warning says why
    assert not session.edit_turn(sid, 1, "The target bounding box is <box>[[259, 569").geometry
    view = session.sample(sid)
    assert view.boxes == (Box(259, 569, 380, 1030, "person"),)
    assert view.warnings == ("outside-image", "bad-markup")
    assert view.turns[1].text == "The target bounding box is <box>[[259, 569"  # saved anyway
    assert session.revert_turn(sid, 1).geometry
    view = session.sample(sid)
    assert view.boxes == (Box(259, 569, 376, 866, "person"),) and view.warnings == ()
    assert not view.edited

    loc = data.location["190003"]
    before = session.sample(loc).points
    answer = session.sample(loc).turns[1].text
    session.edit_turn(loc, 1, answer.replace("<pos>[", "<pos>[(500, 500), "))
    after = session.sample(loc).points
    assert len(after) == len(before) + 1 and any(
        (round(p.x), round(p.y)) == (640, 512) for p in after)


def test_counting_and_options_follow_the_answer(tmp_path: Path, irtd_files: Path) -> None:
    records = json.loads((irtd_files / "AerialCounting.json").read_text())[:1]
    security = json.loads((irtd_files / "Security.json").read_text())[:1]
    with Project.open(tmp_path / "p.db") as project:
        with project.engine.begin() as conn:
            pair = conn.execute(insert(Pair).values(
                rel_path="4-VEDAI/x.png", source="4-VEDAI", ir_exists=False, visible_exists=False,
                aligned=True)).inserted_primary_key[0]
            ids = []
            for task, rec in (("Aerial Counting", records[0]), ("Security", security[0])):
                sid = conn.execute(insert(Sample).values(
                    task=task, original_id=rec["id"], source_file="x.json", pair_id=pair,
                    image="x", answer_space="pixel", status="pending", edited=False,
                )).inserted_primary_key[0]
                ids.append(sid)
                for idx, turn in enumerate(rec["conversations"]):
                    conn.execute(insert(Turn).values(sample_id=sid, idx=idx, role=turn["from"],
                                                     original=turn["value"], text=turn["value"]))
        session = ReviewSession(project, annotator="Bo")
        session.edit_turn(ids[0], 1, "<num>3</num>")
        assert session.sample(ids[0]).count == 3
        prompt = session.sample(ids[1]).turns[0].text
        options = prompt.splitlines()[-1]
        first = options.split(") ")[1].rsplit(" (", 1)[0]
        session.edit_turn(ids[1], 1, f"(A) {first}")
        assert session.sample(ids[1]).options == ("A",)


def test_history_is_newest_first_with_the_annotator(session: ReviewSession, data: ReviewData) -> None:
    sid = data.grounding["190005"]
    session.set_status(sid, "flagged", note="box too loose?")
    session.edit_turn(sid, 0, "<image>\nDetect the bounding box of the person.")
    other = ReviewSession(session.project, annotator="Bo")
    other.set_status(sid, "approved")
    history = session.history(sid)
    assert [(h.who, h.action, h.target) for h in history] == [
        ("Bo", "status", "status"), ("Ada", "text", "turn 0"), ("Ada", "status", "status")]
    assert history[0].old == "flagged: box too loose?" and history[0].new == "approved"
    assert history[0].at >= history[1].at >= history[2].at
    assert session.history(data.caption["190005"]) == []


def test_every_change_is_saved_at_once(session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190002"]
    session.edit_turn(sid, 1, "Two people cross a dark street.")
    session.set_status(sid, "approved")
    # another connection (another process would see the same) reads it without any "save"
    with Project.open(data.path, create=False) as again, again.engine.connect() as conn:
        assert conn.execute(select(Sample.status).where(Sample.id == sid)).scalar() == "approved"
        assert conn.execute(select(Turn.text).where(Turn.sample_id == sid, Turn.idx == 1)
                            ).scalar() == "Two people cross a dark street."
        assert conn.execute(select(func.count()).select_from(Revision)).scalar() == 2


def test_the_annotator_name_is_required() -> None:
    with pytest.raises(ValueError, match="annotator"):
        ReviewSession(None, annotator="  ")  # type: ignore[arg-type]


def test_a_locked_store_is_a_store_error_and_nothing_changes(session: ReviewSession,
                                                             data: ReviewData) -> None:
    engine = session.project.engine
    engine.dispose()
    # wait 50 ms for the lock instead of the usual 5 s
    event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=50"))
    blocker = sqlite3.connect(data.path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            session.set_status(data.caption["190001"], "approved")
    finally:
        blocker.rollback()
        blocker.close()
    assert session.sample(data.caption["190001"]).status is ReviewStatus.PENDING
    assert _revisions(data.path) == []
