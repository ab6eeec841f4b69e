"""Answer text follows geometry, and geometry follows text.

After a geometry edit the answer is rewritten in the task's markup, in the coordinate space the
sample came in (pixels for Grounding, 0-1000 centres for Location); after a text edit of the
answer it is parsed again and the geometry replaced. Both in the caller's transaction, with a
revision entry, so an edit's undo can restore either by calling the same functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from irtd_annotator.domain.geometry_edit import known_size
from irtd_annotator.domain.markup import (
    MarkupError,
    ParsedAnswer,
    form_problem,
    format_box_answer,
    format_count_answer,
    format_location_answer,
    format_options_answer,
    parse_answer,
    prompt_options,
    ref_label,
)
from irtd_annotator.domain.model import Box, CoordSpace, Point, to_norm1000, to_pixels
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import BAD_MARKUP, SampleFacts, keep_codes, sample_warnings
from irtd_annotator.store.answer_rows import (
    answer_source,
    other_shapes,
    replace_derived_shapes,
    shape_count,
    turn_rows,
)
from irtd_annotator.store.revisions import add_revision, now_iso
from irtd_annotator.store.sample_writes import (
    any_turn_edited,
    get_sample,
    set_turn_text,
    update_sample,
)
from irtd_annotator.store.settings import get_setting

GEOMETRY_TASKS = frozenset({Task.GROUNDING, Task.LOCATION})
IMAGE_SIZES_KEY = "image_sizes"  # project setting {source: [width, height]}
MARKER = "marker"  # Shape.kind of the click-to-count markers a reviewer placed on a Sample
ANSWER_KINDS = ("box", "point")  # Shape kinds derived from the answer text


@dataclass(frozen=True)
class AnswerContext:
    """What rewriting one Sample's answer needs."""

    sample_id: int
    pair_id: int
    task: Task
    prompt: str
    answer_idx: int
    answer: str
    answer_space: CoordSpace
    width: int | None
    height: int | None
    # The size the source's images are known to have, when the image itself could not be
    # read (IR-TD ships no images): flags and clamps geometry, never converts coordinates.
    size_hint: tuple[int, int] | None = None

    @property
    def bounds(self) -> tuple[int, int] | None:
        """The image size geometry must lie in: the Pair's, else the source's known size."""
        if self.width and self.height:
            return self.width, self.height
        return self.size_hint


def load_context(conn: Connection, sample_id: int) -> AnswerContext:
    """The Sample's task, prompt, answer turn and image size."""
    row = answer_source(conn, sample_id)
    turns = turn_rows(conn, sample_id)
    prompt = next((t.text for t in turns if t.role == "human"), "")
    answer_turn = [t for t in turns if t.role == "gpt"][-1]
    hint = None
    if not (row.width and row.height):
        hint = known_size(row.source, get_setting(conn, IMAGE_SIZES_KEY))
    return AnswerContext(
        sample_id=sample_id, pair_id=row.pair_id, task=Task(row.task), prompt=prompt,
        answer_idx=answer_turn.idx, answer=answer_turn.text,
        answer_space=CoordSpace(row.answer_space), width=row.width, height=row.height,
        size_hint=hint,
    )


def parse_for(ctx: AnswerContext, text: str) -> ParsedAnswer:
    """Parse ``text`` as this Sample's answer; raises MarkupError with what is wrong."""
    parsed = parse_answer(ctx.task, prompt=ctx.prompt, answer=text,
                          location_space=CoordSpace.NORM1000
                          if ctx.answer_space is CoordSpace.NORM1000 else CoordSpace.PIXEL)
    if ctx.task is Task.LOCATION and ctx.width and ctx.height:
        pts = tuple(to_pixels(p, width=ctx.width, height=ctx.height) for p in parsed.points)
        parsed = ParsedAnswer(boxes=parsed.boxes, points=pts, count=parsed.count,
                              options=parsed.options)
    return parsed


def answer_for_geometry(ctx: AnswerContext, *, boxes: Sequence[Box] = (),
                        points: Sequence[Point] = ()) -> str:
    """The answer text for new geometry, in the task's markup and the sample's own space."""
    if ctx.task is Task.GROUNDING:
        if len(boxes) != 1:
            raise MarkupError(f"a Grounding answer holds exactly one box, got {len(boxes)}")
        return format_box_answer(boxes[0])
    if ctx.task is Task.LOCATION:
        ref = ref_label(ctx.answer)  # found with str.find: no rescans (issue 10)
        label = ref if ref is not None else (points[0].label if points else "")
        written: list[Point] = []
        for p in points:
            if ctx.answer_space is CoordSpace.NORM1000 and p.space is CoordSpace.PIXEL:
                if not (ctx.width and ctx.height):
                    raise MarkupError("the image size is unknown: pixel points cannot be written in 0-1000")
                p = to_norm1000(p, width=ctx.width, height=ctx.height)
            written.append(p)
        return format_location_answer(label, written)
    raise MarkupError(f"{ctx.task.value} answers carry no geometry")


def answer_for_count(count: int) -> str:
    return format_count_answer(count)


def answer_for_options(ctx: AnswerContext, letters: Sequence[str]) -> str:
    return format_options_answer(prompt_options(ctx.prompt), list(letters))


def write_answer(conn: Connection, ctx: AnswerContext, text: str, *, who: str,
                 action: str = "answer", markers: int | None = None) -> ParsedAnswer:
    """Set the answer turn to ``text``, re-derive geometry, count, options and warnings.

    ``markers`` is the number of click-to-count markers; None reads the stored ones.
    Raises MarkupError (nothing written) when ``text`` does not parse.
    """
    parsed = parse_for(ctx, text)
    width, height = ctx.bounds or (None, None)
    set_turn_text(conn, ctx.sample_id, ctx.answer_idx, text)
    rows = [_shape_row(ctx, i, "box", b.label, b.space, b.x1, b.y1, b.x2, b.y2,
                       b.outside(width, height)) for i, b in enumerate(parsed.boxes)]
    rows += [_shape_row(ctx, i, "point", p.label, p.space, p.x, p.y, None, None,
                        p.outside(width, height)) for i, p in enumerate(parsed.points)]
    if markers is None:
        markers = stored_markers(conn, ctx.sample_id)
    # Markers are the reviewer's own, not derived from the text: they stay.
    replace_derived_shapes(conn, ctx.sample_id, rows, kinds=ANSWER_KINDS)
    warnings = compute_warnings(conn, ctx, parsed, text, markers=markers)
    # Geometry is derived from the answer text, so "edited" is exactly "some turn differs".
    stored = get_sample(conn, ctx.sample_id).warnings
    update_sample(conn, ctx.sample_id, count=parsed.count,
                  options="".join(parsed.options) or None,
                  warnings=keep_codes("; ".join(warnings) or None, stored),
                  edited=any_turn_edited(conn, ctx.sample_id), updated_at=now_iso(),
                  updated_by=who)
    if text != ctx.answer:
        add_revision(conn, who=who, action=action, sample_id=ctx.sample_id,
                     target=f"turn {ctx.answer_idx}", old=ctx.answer, new=text)
    return parsed


def stored_markers(conn: Connection, sample_id: int) -> int | None:
    """How many markers the reviewer placed on the Sample; None when there are none."""
    return shape_count(conn, sample_id, kind=MARKER) or None


def _shape_row(ctx: AnswerContext, idx: int, kind: str, label: str, space: CoordSpace,
               x1: float, y1: float, x2: float | None, y2: float | None,
               outside: bool) -> dict[str, object]:
    return {"pair_id": ctx.pair_id, "sample_id": ctx.sample_id, "kind": kind, "idx": idx,
            "label": label, "space": space.value, "x1": x1, "y1": y1, "x2": x2, "y2": y2,
            "outside": outside}


def compute_warnings(conn: Connection, ctx: AnswerContext, parsed: ParsedAnswer, text: str, *,
                     markers: int | None = None) -> tuple[str, ...]:
    """The Sample's warnings, looking at the other Samples and source boxes of its Pair."""
    others = other_shapes(conn, ctx.pair_id, ctx.sample_id)
    boxes_by_label: dict[str, int] = {}
    source_boxes = [o for o in others if o.kind == "box" and o.sample_id is None]
    for o in source_boxes:
        boxes_by_label[o.label] = boxes_by_label.get(o.label, 0) + 1
    present = {o.label for o in others if o.label and o.kind != MARKER}
    width, height = ctx.bounds or (None, None)
    facts = SampleFacts(
        task=ctx.task, prompt=ctx.prompt, answer=text, boxes=parsed.boxes, points=parsed.points,
        width=width, height=height, options=parsed.options, count=parsed.count,
        markers=markers, boxes_by_label=boxes_by_label or None, present_labels=frozenset(present),
    )
    found = sample_warnings(facts)
    # Values parsed, but more than the released form (trailing text...) would be exported.
    return (*found, BAD_MARKUP) if form_problem(ctx.task, text) else found
