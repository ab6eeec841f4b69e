"""Answer text follows geometry and geometry follows text, in the sample's own space."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from irtd_annotator.domain.markup import MarkupError
from irtd_annotator.domain.model import Box, Point
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.answers import (
    answer_for_geometry,
    answer_for_options,
    load_context,
    write_answer,
)
from irtd_annotator.store.schema import Pair, Revision, Sample, Shape, Turn

LOCATION_ANSWER = "<ref>car</ref> at <pos>[(48, 628), (311, 495), (791, 450)]</pos>"


def _add(project: Project, *, sid: int, task: str, prompt: str, answer: str, space: str,
         width: int | None = 640, height: int | None = 512) -> None:
    with project.engine.begin() as conn:
        if conn.execute(select(Pair.id).where(Pair.id == 1)).first() is None:
            conn.execute(insert(Pair).values(id=1, rel_path="63-FLIR_ADAS/a.jpeg", source="63-FLIR_ADAS",
                                             ir_exists=True, visible_exists=False, width=width,
                                             height=height, aligned=False))
        conn.execute(insert(Sample).values(id=sid, task=task, original_id=str(sid),
                                           source_file="x.json", pair_id=1, image="a.jpeg",
                                           image_as_list=True, answer_space=space,
                                           status="pending", edited=False))
        conn.execute(insert(Turn), [
            {"sample_id": sid, "idx": 0, "role": "human", "original": prompt, "text": prompt},
            {"sample_id": sid, "idx": 1, "role": "gpt", "original": answer, "text": answer}])


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    with Project.open(tmp_path / "p.db") as p:
        _add(p, sid=1, task="Grounding", space="pixel",
             prompt="<image>\nDetect the bounding box of the car located at the right of the image.",
             answer="The target bounding box is <box>[[600, 223, 641, 238]]</box>.")
        _add(p, sid=2, task="Location", space="norm1000",
             prompt="<image>\n Locate all car from left to right.", answer=LOCATION_ANSWER)
        _add(p, sid=3, task="Security", space="pixel",
             prompt="<image>\nWhat object does not appear in the picture?\n(A) scooter (B) motor (C) car (D) hydrant",
             answer="(A) scooter (B) motor (D) hydrant")
        yield p


def test_location_round_trips_through_0_1000_to_the_same_integers(project: Project) -> None:
    with project.engine.begin() as conn:
        ctx = load_context(conn, 2)
        parsed = write_answer(conn, ctx, ctx.answer, who="ann")
        assert parsed.points[2].space.value == "pixel"
        assert parsed.points[2].x == pytest.approx(791 * 640 / 1000)
        # unchanged pixel points written back give the original integers exactly
        assert answer_for_geometry(load_context(conn, 2), points=parsed.points) == LOCATION_ANSWER
        # a moved point is written in 0-1000, sorted left to right
        moved = [Point(10.0, 20.0, "car"), *parsed.points[:2]]
        text = answer_for_geometry(load_context(conn, 2), points=moved)
        assert text == "<ref>car</ref> at <pos>[(16, 39), (48, 628), (311, 495)]</pos>"


def test_box_edit_rewrites_the_answer_and_logs_a_revision(project: Project) -> None:
    with project.engine.begin() as conn:
        ctx = load_context(conn, 1)
        text = answer_for_geometry(ctx, boxes=[Box(590.4, 220, 630.6, 240, "car")])
        write_answer(conn, ctx, text, who="ann", action="geometry")
    with project.engine.connect() as conn:
        assert conn.execute(select(Turn.text).where(Turn.sample_id == 1, Turn.idx == 1)).scalar() == \
            "The target bounding box is <box>[[590, 220, 631, 240]]</box>."
        shape = conn.execute(select(Shape).where(Shape.sample_id == 1)).one()
        assert (shape.x1, shape.x2, shape.outside) == (590, 631, False)
        sample = conn.execute(select(Sample).where(Sample.id == 1)).one()
        assert sample.edited and sample.warnings is None and sample.updated_by == "ann"
        rev = conn.execute(select(Revision).where(Revision.sample_id == 1)).one()
        assert (rev.action, rev.who, rev.target) == ("geometry", "ann", "turn 1")
        assert "641" in rev.old and "631" in rev.new


def test_box_outside_the_image_is_kept_and_flagged(project: Project) -> None:
    with project.engine.begin() as conn:
        ctx = load_context(conn, 1)
        write_answer(conn, ctx, ctx.answer, who="ann")
        sample = conn.execute(select(Sample.warnings, Sample.edited).where(Sample.id == 1)).one()
        assert sample.warnings == "outside-image" and not sample.edited
        assert conn.execute(select(Shape.x2).where(Shape.sample_id == 1)).scalar() == 641


def test_invalid_answer_text_writes_nothing(project: Project) -> None:
    with project.engine.connect() as conn:
        ctx = load_context(conn, 1)
        with pytest.raises(MarkupError, match="four numbers"):
            write_answer(conn, ctx, "The target bounding box is <box>[[1, 2, 3]]</box>.", who="a")
        conn.rollback()
        assert conn.execute(select(Turn.text).where(Turn.sample_id == 1, Turn.idx == 1)).scalar() == ctx.answer


def test_security_options_and_unknown_option_warning(project: Project) -> None:
    with project.engine.begin() as conn:
        ctx = load_context(conn, 3)
        assert answer_for_options(ctx, ["D", "A"]) == "(A) scooter (D) hydrant"
        write_answer(conn, ctx, "(A) scooter (E) plane", who="ann")
        assert conn.execute(select(Sample.warnings).where(Sample.id == 3)).scalar() == "unknown-option"
