"""Re-importing files keeps a reviewer's work (issue 10, data-loss case 3; ADR 0014).

An unchanged sample is left exactly as it is; a sample whose released text changed keeps
every human decision and edit, its old LLM text goes to a revision, and a human-touched one
is marked as a conflict the queue's Warnings filter finds.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from import_support import GROUNDING_PROMPT, box_answer, flir_image, query, sample, write_samples
from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.model import CoordSpace, Point
from irtd_annotator.domain.warnings import REIMPORT_CONFLICT
from irtd_annotator.services.importing.files import ImportOptions, ImportReport, import_files
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.query import QueueFilter
from irtd_annotator.services.review.session import ReviewSession

COUNTING = "PedestrianCounting.json"


def run_import(db: Path, files: list[Path], **options: Any) -> ImportReport:
    with Project.open(db) as project:
        return import_files(project, files, options=ImportOptions(**options))


def full_dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (all columns, in primary-key order), the tally and the
    search index's content included: what "byte-identical in content" means here."""
    with sqlite3.connect(db) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if not name.startswith("samples_fts")]
        dump: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            keys = [row[1] for row in sorted(
                (r for r in conn.execute(f'PRAGMA table_info("{table}")') if r[5]),
                key=lambda r: r[5])]
            order = ", ".join(f'"{k}"' for k in keys) or "rowid"
            dump[table] = conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
        dump["samples_fts"] = conn.execute(
            "SELECT rowid, text FROM samples_fts ORDER BY rowid").fetchall()
        dump["samples_fts_config"] = conn.execute(
            "SELECT * FROM samples_fts_config ORDER BY k").fetchall()
    assert dump["samples"] and dump["samples_fts"] and dump["sample_tally"]
    return dump


def released(irtd_files: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((irtd_files / name).read_text(encoding="utf-8"))


def write(path: Path, samples: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(samples, indent=4, ensure_ascii=False), encoding="utf-8")
    return path


def sample_id(db: Path, task: str, original_id: str) -> int:
    return query(db, "SELECT id FROM samples WHERE task = ? AND original_id = ?",
                 task, original_id)[0][0]


def state(db: Path, sid: int) -> tuple[Any, ...]:
    """What a reviewer's work on a Sample is: its row, its turns, its shapes."""
    return (query(db, "SELECT status, reject_reason, note, edited, updated_at, updated_by "
                      "FROM samples WHERE id = ?", sid),
            query(db, "SELECT idx, role, text FROM turns WHERE sample_id = ? ORDER BY idx", sid),
            query(db, "SELECT kind, idx, label, space, x1, y1, x2, y2 FROM shapes "
                      "WHERE sample_id = ? ORDER BY kind, idx", sid))


def warnings_of(db: Path, sid: int) -> list[str]:
    (text,), = query(db, "SELECT warnings FROM samples WHERE id = ?", sid)
    return (text or "").split("; ") if text else []


def marker(x: float, y: float) -> Point:
    return Point(x, y, "", CoordSpace.PIXEL)


# ---------------------------------------------------------------- a counting file, reviewed


@pytest.fixture()
def counted(tmp_path: Path, irtd_files: Path) -> dict[str, Any]:
    """The first 40 samples of the released PedestrianCounting.json, imported and reviewed:
    markers on 0, 0 approved, 1 rejected with a reason and a note, 2 flagged, 3 edited."""
    db = tmp_path / "p.db"
    samples = released(irtd_files, COUNTING)[:40]
    path = write(tmp_path / COUNTING, samples)
    run_import(db, [path])
    ids = {oid: sample_id(db, "Pedestrian Counting", oid) for oid in ("0", "1", "2", "3", "4")}
    with Project.open(db) as project:
        review = ReviewSession(project, annotator="Ada")
        editing = AnswerEditing(project, annotator="Ada")
        editing.set_markers(ids["0"], [marker(10, 10), marker(20, 30), marker(40, 50)])
        review.set_status(ids["0"], "approved")
        review.set_status(ids["1"], "rejected", reason="wrong count", note="two are cyclists")
        review.set_status(ids["2"], "flagged", note="ask Bo")
        review.edit_turn(ids["3"], 1, "<num>12</num>")
    return {"db": db, "path": path, "samples": samples, "ids": ids}


def test_reimport_with_only_the_image_form_changed_keeps_markers_and_decisions(
        counted: dict[str, Any]) -> None:
    """The adversarial run's case: the same texts, the image given as a string instead of a
    one-element list. Before the fix the markers were deleted and every decision reset."""
    db, ids = counted["db"], counted["ids"]
    before = {oid: state(db, sid) for oid, sid in ids.items()}
    restated = [{**s, "image": s["image"][0]} for s in counted["samples"]]
    report = run_import(db, [write(counted["path"], restated)])
    assert report.total("conflicts") == 0
    assert {oid: state(db, sid) for oid, sid in ids.items()} == before
    assert query(db, "SELECT count(*) FROM shapes WHERE kind = 'marker'") == [(3,)]
    assert query(db, "SELECT status, reject_reason, note FROM samples WHERE id IN (?, ?, ?) "
                     "ORDER BY id", ids["0"], ids["1"], ids["2"]) == [
        ("approved", None, None), ("rejected", "wrong count", "two are cyclists"),
        ("flagged", None, "ask Bo")]
    # the file's form is taken (an export writes it back), nothing else
    assert query(db, "SELECT DISTINCT image_as_list FROM samples") == [(0,)]


def test_reimport_of_changed_llm_text_keeps_human_work_and_marks_conflicts(
        counted: dict[str, Any]) -> None:
    db, ids, samples = counted["db"], counted["ids"], counted["samples"]
    before = {oid: state(db, sid) for oid, sid in ids.items()}
    changed = [dict(s) for s in samples]
    new_answers = {}
    for n in range(5):  # a new release counted again: every one of 0..4 has another number
        old = changed[n]["conversations"]
        new_answers[str(n)] = f"<num>{100 + n}</num>"
        answer = {**old[1], "value": new_answers[str(n)]}
        changed[n] = {**changed[n], "conversations": [old[0], answer]}
    report = run_import(db, [write(counted["path"], changed)], annotator="curator")

    f = report.files[0]
    assert (f.updated, sorted(f.conflicts)) == (
        1, [("Pedestrian Counting", oid) for oid in ("0", "1", "2", "3")])
    assert "4 conflict(s)" in report.summary() and REIMPORT_CONFLICT in report.summary()
    for oid in ("0", "1", "2", "3"):  # touched: every human decision and edit kept
        sid = ids[oid]
        (status_row, turns, shapes) = state(db, sid)
        old_status, old_turns, old_shapes = before[oid]
        assert (turns, shapes) == (old_turns, old_shapes)
        # status, reason, note, who and when as they were; the kept text now differs from
        # the LLM's, so the sample counts as edited (the diff shows the new LLM text)
        assert status_row == [old_status[0][:3] + (1,) + old_status[0][4:]]
        # the new LLM text is the turn's original now (the diff shows it); the old one is
        # in a revision
        assert query(db, "SELECT original FROM turns WHERE sample_id = ? AND idx = 1",
                     sid) == [(new_answers[oid],)]
        old_original = samples[int(oid)]["conversations"][1]["value"]
        assert query(db, "SELECT who, action, target, old, new FROM revisions WHERE sample_id = ? "
                         "AND action = 'reimport'", sid) == [
            ("curator", "reimport", "turn 1", old_original, new_answers[oid])]
        assert REIMPORT_CONFLICT in warnings_of(db, sid)
    assert query(db, "SELECT count(*) FROM shapes WHERE kind = 'marker'") == [(3,)]

    # untouched and pending: simply the new text, with its revision, no conflict
    sid = ids["4"]
    assert query(db, "SELECT original, text FROM turns WHERE sample_id = ? AND idx = 1",
                 sid) == [(new_answers["4"], new_answers["4"])]
    assert query(db, "SELECT status, count, edited FROM samples WHERE id = ?", sid) == [
        ("pending", 104, 0)]
    assert query(db, "SELECT old, new FROM revisions WHERE sample_id = ? AND action = 'reimport'",
                 sid) == [(samples[4]["conversations"][1]["value"], new_answers["4"])]
    assert REIMPORT_CONFLICT not in warnings_of(db, sid)

    # where a reviewer looks: the queue's Warnings filter finds exactly the conflicts
    with Project.open(db) as project:
        found = ReviewSession(project, annotator="Ada").query_ids(QueueFilter(warnings=True))
    assert {ids[oid] for oid in ("0", "1", "2", "3")} <= set(found)

    # the same file again: nothing more to do, nothing written
    dump = full_dump(db)
    again = run_import(db, [counted["path"]])
    assert (again.total("updated"), again.total("conflicts")) == (0, 0)
    assert full_dump(db) == dump


def test_a_conflict_outlives_the_warnings_refresh_and_ends_with_a_decision(
        counted: dict[str, Any]) -> None:
    db, ids, samples = counted["db"], counted["ids"], counted["samples"]
    changed = [dict(s) for s in samples]
    old = changed[0]["conversations"]
    changed[0] = {**changed[0], "conversations": [old[0], {**old[1], "value": "<num>5</num>"}]}
    run_import(db, [write(counted["path"], changed)])
    sid = ids["0"]
    with Project.open(db) as project:
        review = ReviewSession(project, annotator="Ada")
        editing = AnswerEditing(project, annotator="Ada")
        editing.set_markers(sid, [marker(1, 1)])  # refreshes the Pair's warnings
        assert REIMPORT_CONFLICT in warnings_of(db, sid)
        editing.set_count(sid, 1)  # rewrites the answer and its warnings
        assert REIMPORT_CONFLICT in warnings_of(db, sid)
        # looked at and decided again (the same status it had): the conflict is settled
        changes = review.set_status(sid, "approved")
    assert changes.sample_ids == frozenset({sid})
    assert REIMPORT_CONFLICT not in warnings_of(db, sid)
    assert query(db, "SELECT status FROM samples WHERE id = ?", sid) == [("approved",)]


# ---------------------------------------------------------------- byte-identical store


@pytest.mark.parametrize("names", [("ReID.json", COUNTING, "AerialCounting.json", "Security.json")])
def test_reimport_of_unchanged_released_files_leaves_the_store_identical(
        tmp_path: Path, irtd_files: Path, names: tuple[str, ...]) -> None:
    db = tmp_path / "p.db"
    files = [irtd_files / name for name in names]
    run_import(db, files)
    with Project.open(db) as project:
        review = ReviewSession(project, annotator="Ada")
        editing = AnswerEditing(project, annotator="Ada")
        counting = sample_id(db, "Pedestrian Counting", "0")
        editing.set_markers(counting, [marker(5, 5), marker(6, 6)])
        review.set_status(counting, "approved")
        review.set_status(sample_id(db, "Re-ID", "3"), "rejected", reason="hallucination",
                          note="not the same man")
        review.set_status(sample_id(db, "Security", "7"), "flagged")
        review.edit_turn(sample_id(db, "Aerial Counting", "2"), 1, "<num>3</num>")
    before = full_dump(db)
    report = run_import(db, files)
    assert report.total("updated") == report.total("added") == report.total("conflicts") == 0
    assert full_dump(db) == before


def test_reimport_into_a_reviewed_llvip_source_project_leaves_it_identical(
        tmp_path: Path, irtd_files: Path, llvip_dir: Path) -> None:
    db = tmp_path / "llvip.db"
    with Project.open(db) as project:
        import_source(project, "llvip", llvip_dir, annotator="Ada")
    files = [irtd_files / COUNTING, irtd_files / "ReID.json"]
    run_import(db, files)
    rule_counting = query(db, "SELECT s.id FROM samples s JOIN pairs p ON p.id = s.pair_id "
                              "WHERE p.source = 'LLVIP' AND s.task = 'Pedestrian Counting' "
                              "ORDER BY s.id")
    assert rule_counting
    with Project.open(db) as project:
        review = ReviewSession(project, annotator="Ada")
        editing = AnswerEditing(project, annotator="Ada")
        for n, (sid,) in enumerate(rule_counting[:3]):
            editing.set_markers(sid, [marker(100 + n, 200), marker(300, 400 + n)])
            review.set_status(sid, ("approved", "flagged", "rejected")[n],
                              reason="wrong count" if n == 2 else None)
        released_counting = sample_id(db, "Pedestrian Counting", "5")
        editing.set_markers(released_counting, [marker(1, 2)])
        review.set_status(released_counting, "rejected", reason="wrong count", note="more")
    before = full_dump(db)
    with Project.open(db) as project:
        assert not import_source(project, "llvip", llvip_dir, annotator="Ada").added_anything
    report = run_import(db, files)
    assert report.total("updated") == report.total("conflicts") == 0
    assert full_dump(db) == before


def four_turn_grounding(tmp_path: Path) -> tuple[Path, Path, int]:
    """A project of one imported Grounding sample with a follow-up exchange (4 turns): the
    project, its Detection.json and the sample's id."""
    db = tmp_path / "p.db"
    path = tmp_path / "Detection.json"
    first = [sample("0", [flir_image(1)], GROUNDING_PROMPT, box_answer(1, 2, 3, 4),
                    "And the car?", "No car.")]
    run_import(db, [write_samples(path, first)])
    return db, path, sample_id(db, "Grounding", "0")


def test_a_conflict_follows_the_files_turns_and_image_and_settles_after_one_import(
        tmp_path: Path) -> None:
    db, path, sid = four_turn_grounding(tmp_path)
    with Project.open(db) as project:
        review = ReviewSession(project, annotator="Ada")
        review.set_status(sid, "approved")
    # the new release: the follow-up exchange dropped, another image, another box
    second = [sample("0", [flir_image(2)], GROUNDING_PROMPT, box_answer(5, 6, 7, 8))]
    report = run_import(db, [write_samples(path, second)], annotator="curator")
    assert report.files[0].conflicts == [("Grounding", "0")]
    assert query(db, "SELECT idx, original, text FROM turns WHERE sample_id = ? ORDER BY idx",
                 sid) == [(0, GROUNDING_PROMPT, GROUNDING_PROMPT),
                          (1, box_answer(5, 6, 7, 8), box_answer(1, 2, 3, 4))]
    (pair_id,), = query(db, "SELECT pair_id FROM samples WHERE id = ?", sid)
    assert query(db, "SELECT rel_path FROM pairs WHERE id = ?", pair_id)[0][0].endswith(
        "FLIR_00002.jpeg")
    assert query(db, "SELECT pair_id, x1, y1, x2, y2 FROM shapes WHERE sample_id = ?", sid) == [
        (pair_id, 1, 2, 3, 4)]  # the kept answer's box, on the sample's Pair
    assert query(db, "SELECT status, edited FROM samples WHERE id = ?", sid) == [("approved", 1)]
    assert REIMPORT_CONFLICT in warnings_of(db, sid)
    assert query(db, "SELECT target, old, new FROM revisions WHERE action = 'reimport' "
                     "ORDER BY id") == [
        ("turn 1", box_answer(1, 2, 3, 4), box_answer(5, 6, 7, 8)),
        ("turn 2", "And the car?", None), ("turn 3", "No car.", None),
        ("image", f"[{flir_image(1)}]", f"[{flir_image(2)}]")]
    dump = full_dump(db)
    again = run_import(db, [path], annotator="curator")
    assert (again.total("unchanged"), again.total("conflicts")) == (1, 0)
    assert full_dump(db) == dump


def test_a_file_that_drops_a_turn_a_reviewer_edited_is_refused_and_nothing_changes(
        tmp_path: Path) -> None:
    """The adversarial run's case: the new file has fewer turns, and a dropped one holds a
    reviewer's text. Before the fix the turn was deleted and the text left only in history."""
    db, path, sid = four_turn_grounding(tmp_path)
    with Project.open(db) as project:
        ReviewSession(project, annotator="Ada").edit_turn(sid, 3, "There is no car.")
    before = full_dump(db)
    second = [sample("0", [flir_image(1)], GROUNDING_PROMPT, box_answer(1, 2, 3, 4))]
    with pytest.raises(BadInputError, match=r"sample 0.*turn 3 .*reviewer edited") as caught:
        run_import(db, [write_samples(path, second)])
    assert caught.value.file == "Detection.json" and caught.value.line is not None
    assert full_dump(db) == before
    assert query(db, "SELECT text FROM turns WHERE sample_id = ? AND idx = 3", sid) == [
        ("There is no car.",)]
