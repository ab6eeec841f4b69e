"""Editing geometry and task-aware answers through the service, on real IR-TD and LLVIP data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from editing_data import (
    answer_of,
    first_of_kind,
    import_subset,
    released,
    sample_id,
    stand_in_images,
    stored_answer,
)
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing, EditError, InvalidAnswerError
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.warnings_refresh import recompute_warnings
from irtd_annotator.store.schema import Revision, Sample, Shape

OUTSIDE_ANSWER = "The target bounding box is <box>[[0, 145, 641, 401]]</box>."


@pytest.fixture(scope="module")
def detection_db(irtd_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Detection.json imported once with import_files (images missing)."""
    path = tmp_path_factory.mktemp("detection") / "p.db"
    with Project.open(path) as project:
        import_files(project, [irtd_files / "Detection.json"], options=ImportOptions())
    return path


@pytest.fixture()
def detection(detection_db: Path, tmp_path: Path) -> Project:
    target = tmp_path / "p.db"
    shutil.copy(detection_db, target)
    with Project.open(target) as project:
        yield project


def _revisions(project: Project, sid: int) -> list[Revision]:
    with project.engine.connect() as conn:
        return list(conn.execute(select(Revision).where(Revision.sample_id == sid)
                                 .order_by(Revision.id)).all())


def test_the_641_box_is_flagged_at_import_filtered_and_clamped(detection: Project) -> None:
    session = ReviewSession(detection, annotator="ana")
    editing = AnswerEditing(detection, annotator="ana")
    sid = sample_id(detection, "Grounding", "410")
    assert stored_answer(detection, sid) == OUTSIDE_ANSWER
    # FLIR ADAS v1 frames are 640x512: x2 = 641 is outside even without the image file
    assert session.query_ids(QueueFilter(warnings=True)) == [sid]
    assert session.sample(sid).warnings == ("outside-image",)
    with detection.engine.connect() as conn:
        assert conn.execute(select(Shape.outside).where(Shape.sample_id == sid)).scalar() is True

    before = editing.snapshot(sid)
    changes = editing.clamp_to_image(sid)
    assert changes.sample_ids == {sid} and changes.text and changes.geometry
    assert stored_answer(detection, sid) == "The target bounding box is <box>[[0, 145, 640, 401]]</box>."
    view = session.sample(sid)
    assert view.boxes == (Box(0, 145, 640, 401, "car"),) and view.warnings == () and view.edited
    assert session.query_ids(QueueFilter(warnings=True)) == []
    assert [(r.action, r.who, r.target) for r in _revisions(detection, sid)] == [
        ("geometry", "ana", "turn 1")]
    assert editing.clamp_to_image(sid) == type(changes)()  # nothing outside any more

    editing.restore(before)  # the undo
    assert stored_answer(detection, sid) == OUTSIDE_ANSWER
    view = session.sample(sid)
    assert view.warnings == ("outside-image",) and not view.edited
    assert session.query_ids(QueueFilter(warnings=True)) == [sid]


def test_a_box_edit_is_one_revision_and_the_answer_follows(detection: Project) -> None:
    editing = AnswerEditing(detection, annotator="ana")
    sid = sample_id(detection, "Grounding", "0")
    assert stored_answer(detection, sid) == "The target bounding box is <box>[[500, 223, 512, 238]]</box>."
    changes = editing.set_boxes(sid, [Box(498.6, 220.2, 515.5, 240.4, "person")])
    assert changes.sample_ids == {sid} and changes.geometry and changes.text
    assert stored_answer(detection, sid) == "The target bounding box is <box>[[499, 220, 516, 240]]</box>."
    with detection.engine.connect() as conn:
        shape = conn.execute(select(Shape).where(Shape.sample_id == sid)).one()
        sample = conn.execute(select(Sample).where(Sample.id == sid)).one()
    assert (shape.x1, shape.y1, shape.x2, shape.y2, shape.label) == (499, 220, 516, 240, "person")
    assert sample.edited and sample.updated_by == "ana"
    assert len(_revisions(detection, sid)) == 1
    # a drag too small to change an integer changes nothing and logs nothing
    assert not editing.set_boxes(sid, [Box(499.2, 220.3, 515.8, 239.9, "person")])
    assert len(_revisions(detection, sid)) == 1
    with pytest.raises(EditError, match="exactly one box"):
        editing.set_boxes(sid, [Box(1, 1, 5, 5), Box(6, 6, 9, 9)])
    with pytest.raises(EditError, match="Grounding answer has no points"):
        editing.set_points(sid, [Point(1, 1)])


def test_invalid_answer_text_saves_nothing(detection: Project) -> None:
    editing = AnswerEditing(detection, annotator="ana")
    sid = sample_id(detection, "Grounding", "0")
    original = stored_answer(detection, sid)
    with pytest.raises(InvalidAnswerError, match=f"sample {sid}: .*four numbers"):
        editing.set_answer_text(sid, "The target bounding box is <box>[[1, 2, 3]]</box>.")
    assert stored_answer(detection, sid) == original and _revisions(detection, sid) == []
    changes = editing.set_answer_text(sid, "The target bounding box is <box>[[10, 20, 30, 40]]</box>.")
    assert changes.geometry
    assert ReviewSession(detection, annotator="ana").sample(sid).boxes == (Box(10, 20, 30, 40, "person"),)


def test_location_round_trips_through_0_1000_on_a_640x512_image(
        irtd_files: Path, tmp_path: Path) -> None:
    locations = released(irtd_files, "Location.json")
    samples = [locations[i] for i in ("8", "9", "10")]
    root = stand_in_images(tmp_path / "images", samples)
    with Project.open(tmp_path / "p.db") as project:
        import_subset(project, tmp_path / "files", {"Location.json": samples}, image_root=root)
        editing = AnswerEditing(project, annotator="ana")
        session = ReviewSession(project, annotator="ana")
        sid = sample_id(project, "Location", "10")
        view = session.sample(sid)
        assert (view.pair.width, view.pair.height) == (640, 512)
        assert view.points[0].space is CoordSpace.PIXEL
        assert view.points[0].x == pytest.approx(791 * 640 / 1000)
        # the view's own pixel points written back give the released integers exactly
        assert not editing.set_points(sid, view.points)
        assert stored_answer(project, sid) == answer_of(locations["10"])
        # the Grounding box of the same image has its centre at (506, 230.5): IR-TD's (791, 450)
        moved = [Point(506, 230.5, "person"), Point(530.0, 250.0, "person")]
        editing.set_points(sid, list(reversed(moved)))
        assert stored_answer(project, sid) == "<ref>person</ref> at <pos>[(791, 450), (828, 488)]</pos>"
        # a point off the right edge is kept, flagged, and clamped in one step
        editing.set_points(sid, [Point(700.0, 100.0, "person")])
        assert session.sample(sid).warnings == ("outside-image",)
        editing.clamp_to_image(sid)
        assert stored_answer(project, sid) == "<ref>person</ref> at <pos>[(1000, 195)]</pos>"
        assert session.sample(sid).warnings == ()


@pytest.mark.parametrize(("file", "task", "pick", "method", "other"), [
    ("Security.json", "Security", lambda a: [c for c in "ABCD" if f"({c})" in a], "set_options", ["A"]),
    ("Recognition.json", "Recognition", lambda a: [a[1]], "set_options", None),
    ("Relationship.json", "Relationship", lambda a: a, "set_yes_no", None),
    ("ReID.json", "Re-ID", lambda a: a, "set_reid", None),
    ("AerialCounting.json", "Aerial Counting", lambda a: int(a[5:-6]), "set_count", 0),
    ("PedestrianCounting.json", "Pedestrian Counting", lambda a: int(a[5:-6]), "set_count", 0),
])
def test_task_answers_are_written_exactly_as_released(
        irtd_files: Path, tmp_path: Path, file: str, task: str, pick, method: str, other) -> None:  # type: ignore[no-untyped-def]
    samples = first_of_kind(released(irtd_files, file), count=12)
    with Project.open(tmp_path / "p.db") as project:
        import_subset(project, tmp_path / "files", {file: samples})
        editing = AnswerEditing(project, annotator="ana")
        for real in samples:
            sid = sample_id(project, task, real["id"])
            value = pick(answer_of(real))
            if other is None:  # a different valid value of the same kind
                other_value = {"set_yes_no": "no" if value == "yes" else "yes",
                               "set_reid": "2" if value != "2" else "3"}.get(method)
                if method == "set_options":
                    other_value = ["B"] if value != ["B"] else ["C"]
            else:
                other_value = other
            getattr(editing, method)(sid, other_value)
            assert stored_answer(project, sid) != answer_of(real)
            getattr(editing, method)(sid, value)
            assert stored_answer(project, sid) == answer_of(real), real["id"]
            with project.engine.connect() as conn:
                assert not conn.execute(select(Sample.edited).where(Sample.id == sid)).scalar()


def test_wrong_values_for_a_task_are_refused(irtd_files: Path, tmp_path: Path) -> None:
    security = first_of_kind(released(irtd_files, "Security.json"), count=1)
    recognition = first_of_kind(released(irtd_files, "Recognition.json"), count=1)
    with Project.open(tmp_path / "p.db") as project:
        import_subset(project, tmp_path / "files", {"Security.json": security,
                                                    "Recognition.json": recognition})
        editing = AnswerEditing(project, annotator="ana")
        sec = sample_id(project, "Security", security[0]["id"])
        rec = sample_id(project, "Recognition", recognition[0]["id"])
        with pytest.raises(EditError, match="pick at least one option"):
            editing.set_options(sec, [])
        with pytest.raises(EditError, match="E are not among the prompt's options"):
            editing.set_options(sec, ["A", "E"])
        with pytest.raises(EditError, match="exactly one option"):
            editing.set_options(rec, ["A", "B"])
        with pytest.raises(EditError, match="no a count"):
            editing.set_count(rec, 3)
        with pytest.raises(EditError, match="whole number"):
            editing.set_count(rec, -1)
        with pytest.raises(EditError, match="one digit 2-8"):
            editing.set_reid(rec, 1)
        assert editing.set_options(sec, ["D", "B"])  # written in option order
        assert stored_answer(project, sec) == "(B) motor (D) hydrant"
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Revision)
                                .where(Revision.sample_id == rec)).scalar() == 0


def test_markers_keep_the_count_honest(irtd_files: Path, tmp_path: Path) -> None:
    samples = first_of_kind(released(irtd_files, "PedestrianCounting.json"), count=1)
    with Project.open(tmp_path / "p.db") as project:
        import_subset(project, tmp_path / "files", {"PedestrianCounting.json": samples})
        editing = AnswerEditing(project, annotator="ana")
        session = ReviewSession(project, annotator="ana")
        sid = sample_id(project, "Pedestrian Counting", samples[0]["id"])
        assert session.sample(sid).count == 77
        markers = [Point(10.0 * i, 20.0) for i in range(1, 4)]
        assert editing.set_markers(sid, markers).geometry
        assert editing.markers(sid) == tuple(markers)
        assert session.sample(sid).warnings == ("count-vs-markers",)
        assert session.query_ids(QueueFilter(warnings=True)) == [sid]
        editing.set_count(sid, 3)  # markers survive the answer's rewrite
        assert stored_answer(project, sid) == "<num>3</num>" and editing.markers(sid) == tuple(markers)
        assert session.sample(sid).warnings == ()
        editing.set_count(sid, 77, markers=[])
        assert editing.markers(sid) == () and session.sample(sid).warnings == ()
        assert stored_answer(project, sid) == "<num>77</num>"
        actions = [r.action for r in _revisions(project, sid)]
        assert actions == ["markers", "answer", "markers", "answer"]


def test_source_boxes_edits_warn_the_location_sample(llvip_dir: Path, tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
        editing = AnswerEditing(project, annotator="ana")
        session = ReviewSession(project, annotator="ana")
        location = sample_id(project, "Location", "llvip-190003-location-0")
        pair_id = session.sample(location).pair.id
        boxes = editing.pair_boxes(pair_id)
        assert len(boxes) == 5 and session.query_ids(QueueFilter(warnings=True)) == []
        assert editing.labels("LLVIP") == ["person"]
        before = editing.snapshot(location)
        changes = editing.set_pair_boxes(pair_id, boxes[1:])  # a box deleted
        assert location in changes.sample_ids and changes.geometry
        assert session.sample(location).warnings == ("points-vs-boxes",)
        assert session.query_ids(QueueFilter(warnings=True)) == [location]
        with project.engine.connect() as conn:
            rev = conn.execute(select(Revision).where(Revision.action == "source boxes")).one()
        assert rev.pair_id == pair_id and rev.sample_id is None and rev.who == "ana"
        # a box dragged outside the image: kept, flagged; clamp fixes the pair's boxes
        wide = Box(1200, 499, 1300, 761, "person")
        editing.set_pair_boxes(pair_id, [*boxes[1:4], wide])
        assert editing.clamp_to_image(location).geometry
        assert editing.pair_boxes(pair_id)[-1] == Box(1200, 499, 1280, 761, "person")
        editing.restore(before)
        assert editing.pair_boxes(pair_id) == boxes
        assert session.sample(location).warnings == ()


def test_security_contradiction_and_bulk_refresh(llvip_dir: Path, irtd_files: Path,
                                                 tmp_path: Path) -> None:
    security = released(irtd_files, "Security.json")["3"]  # FLIR_02410: "(D) truck" absent
    location = released(irtd_files, "Location.json")["10"]  # the same image shows persons
    with Project.open(tmp_path / "p.db") as project:
        import_subset(project, tmp_path / "files", {"Security.json": [security],
                                                    "Location.json": [location]})
        editing = AnswerEditing(project, annotator="ana")
        sid = sample_id(project, "Security", "3")
        assert ReviewSession(project, annotator="ana").sample(sid).warnings == ()
        editing.set_options(sid, ["A", "D"])  # "person does not appear": Location says it does
        assert ReviewSession(project, annotator="ana").sample(sid).warnings == ("security-contradiction",)
        with project.engine.begin() as conn:  # a stale column, as an older version left it
            conn.execute(Sample.__table__.update().values(warnings=None))
        assert recompute_warnings(project) == 1
        assert ReviewSession(project, annotator="ana").sample(sid).warnings == ("security-contradiction",)
        assert recompute_warnings(project) == 0


def test_alignment_per_source_and_per_pair(detection: Project) -> None:
    editing = AnswerEditing(detection, annotator="ana")
    sid = sample_id(detection, "Grounding", "0")
    pair_id = ReviewSession(detection, annotator="ana").sample(sid).pair.id
    assert editing.alignment(pair_id) == (None, False)
    shift = Alignment(dx=-40.5, dy=12.0, scale=2.8)
    assert editing.set_alignment(pair_id, shift).geometry
    assert editing.alignment(pair_id) == (shift, False)
    assert detection.setting("alignment") == {"63-FLIR_ADAS": shift.to_json()}
    own = Alignment(dx=3.0, dy=4.0, scale=2.75)
    editing.set_alignment(pair_id, own, per_pair=True)
    assert editing.alignment(pair_id) == (own, True)
    other = sample_id(detection, "Grounding", "1")
    other_pair = ReviewSession(detection, annotator="ana").sample(other).pair.id
    assert editing.alignment(other_pair) == (shift, False)
    editing.set_alignment(pair_id, None, per_pair=True)
    assert editing.alignment(pair_id) == (shift, False)
    assert Alignment(10, 20, 2.0).to_infrared(*Alignment(10, 20, 2.0).to_visible(5, 6)) == (5, 6)
    with pytest.raises(ValueError, match="scale"):
        Alignment(scale=0)
    with detection.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Revision)
                            .where(Revision.action == "alignment")).scalar() == 3


def test_the_bulk_refresh_agrees_with_the_warnings_of_each_edit(
        llvip_dir: Path, irtd_files: Path, tmp_path: Path) -> None:
    locations = released(irtd_files, "Location.json")
    with_images = [locations[i] for i in ("8", "9", "10")]
    root = stand_in_images(tmp_path / "images", with_images)
    with Project.open(tmp_path / "p.db") as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
        import_subset(project, tmp_path / "files", {
            "Location.json": with_images + first_of_kind(
                locations, count=20, test=lambda s: s["id"] not in {"8", "9", "10"}),
            "Security.json": [released(irtd_files, "Security.json")["3"]],
            "Detection.json": first_of_kind(released(irtd_files, "Detection.json"), count=5)
            + [released(irtd_files, "Detection.json")["410"]],
            "PedestrianCounting.json": first_of_kind(
                released(irtd_files, "PedestrianCounting.json"), count=2)}, image_root=root)
        editing = AnswerEditing(project, annotator="ana")
        # every rule made to fire through single edits
        editing.set_points(sample_id(project, "Location", "10"), [Point(700.0, 10.0, "person")])
        editing.set_options(sample_id(project, "Security", "3"), ["A"])
        editing.set_markers(sample_id(project, "Pedestrian Counting",
                                      first_of_kind(released(irtd_files, "PedestrianCounting.json"),
                                                    count=1)[0]["id"]), [Point(5.0, 5.0)])
        llvip_location = sample_id(project, "Location", "llvip-190003-location-0")
        pair_id = ReviewSession(project, annotator="ana").sample(llvip_location).pair.id
        editing.set_pair_boxes(pair_id, editing.pair_boxes(pair_id)[:3])
        editing.set_boxes(sample_id(project, "Grounding", "llvip-190003-grounding-1"),
                          [Box(5, 5, 5, 40, "person")])
        with project.engine.connect() as conn:
            one_by_one = dict(conn.execute(select(Sample.id, Sample.warnings)).all())
        assert set(one_by_one.values()) >= {
            "outside-image", "security-contradiction", "count-vs-markers", "points-vs-boxes",
            "zero-area"}
        with project.engine.begin() as conn:
            conn.execute(Sample.__table__.update().values(warnings="stale"))
        recompute_warnings(project)
        with project.engine.connect() as conn:
            assert dict(conn.execute(select(Sample.id, Sample.warnings)).all()) == one_by_one


def test_the_label_vocabulary_learns_labels_written_in_this_session(
        llvip_dir: Path, tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
        editing = AnswerEditing(project, annotator="ana")
        session = ReviewSession(project, annotator="ana")
        location = sample_id(project, "Location", "llvip-190003-location-0")
        pair_id = session.sample(location).pair.id
        assert editing.labels("LLVIP") == ["person"]
        editing.set_pair_boxes(pair_id, [*editing.pair_boxes(pair_id), Box(10, 10, 90, 60, "car")])
        assert editing.labels("LLVIP") == ["person", "car"]
        # a fresh service reads the same vocabulary from the store
        assert set(AnswerEditing(project, annotator="bo").labels("LLVIP")) == {"person", "car"}
