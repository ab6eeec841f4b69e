"""The rules of editing a Sample's geometry and answer that the editing service applies:
its errors, what the edit tools show, the snapshot an edit's undo restores, and the small
steps shared by its operations (in the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import NoResultFound

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.markup import MarkupError
from irtd_annotator.domain.model import Box, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import BAD_MARKUP, add_code
from irtd_annotator.services.review import pair_editing as pairs
from irtd_annotator.services.review.answers import (
    AnswerContext,
    answer_for_geometry,
    load_context,
    parse_for,
)
from irtd_annotator.store.revisions import add_revision, now_iso
from irtd_annotator.store.sample_writes import (
    any_turn_edited,
    get_sample,
    set_turn_text,
    update_sample,
)

__all__ = [
    "COUNT_TASKS",
    "ONE_OPTION_TASKS",
    "OPTION_TASKS",
    "EditError",
    "GeometrySnapshot",
    "InvalidAnswerError",
    "ToolContext",
    "context_of",
    "geometry_text",
    "need",
    "parse_or_fail",
    "snapshot_of",
    "write_unparsed",
]

COUNT_TASKS = frozenset({Task.AERIAL_COUNTING, Task.PEDESTRIAN_COUNTING})
ONE_OPTION_TASKS = frozenset({Task.RECOGNITION, Task.SCENE})
OPTION_TASKS = ONE_OPTION_TASKS | {Task.SECURITY}


class EditError(UserError):
    """An edit that cannot be made as asked; the message names the sample and why."""


class InvalidAnswerError(UserError, MarkupError):
    """Answer text whose markup does not parse; nothing was saved."""


@dataclass(frozen=True)
class ToolContext:
    """What the edit tools show of a Sample besides its own geometry."""

    source_boxes: tuple[Box, ...]
    markers: tuple[Point, ...]
    alignment: Alignment | None
    labels: tuple[str, ...]


@dataclass(frozen=True)
class GeometrySnapshot:
    """What a geometry or answer edit can change, to undo it exactly: the answer text (its
    geometry and values are parsed from it), the Pair's source boxes and the markers."""

    sample_id: int
    pair_id: int
    answer: str
    pair_boxes: tuple[Box, ...] = ()
    markers: tuple[Point, ...] = ()


def context_of(conn: Connection, sample_id: int) -> AnswerContext:
    """The Sample's answer context; LookupError when there is no such Sample or answer."""
    try:
        return load_context(conn, sample_id)
    except (NoResultFound, IndexError):  # no such Sample, or no gpt turn
        raise LookupError(f"sample {sample_id} is not in the project or has no answer") from None


def need(ctx: AnswerContext, tasks: set[Task] | frozenset[Task], what: str, *,
         then: str = "") -> str:
    """``then`` when the Sample's task has ``what``; EditError otherwise."""
    if ctx.task not in tasks:
        raise EditError(f"sample {ctx.sample_id}: a {ctx.task.value} answer has no {what}")
    return then


def geometry_text(ctx: AnswerContext, *, boxes: Sequence[Box] = (),
                  points: Sequence[Point] = ()) -> str:
    """The answer text for new geometry; EditError naming the Sample when it cannot be."""
    try:
        return answer_for_geometry(ctx, boxes=boxes, points=points)
    except (MarkupError, ValueError) as exc:
        raise EditError(f"sample {ctx.sample_id}: {exc}") from None


def write_unparsed(conn: Connection, ctx: AnswerContext, text: str, *, who: str) -> None:
    """Put back answer text that does not parse (half-typed markup the text editor saved):
    the geometry stays, the bad-markup warning says why, as the review session does."""
    set_turn_text(conn, ctx.sample_id, ctx.answer_idx, text)
    add_revision(conn, who=who, action="undo", sample_id=ctx.sample_id, pair_id=ctx.pair_id,
                 target=f"turn {ctx.answer_idx}", old=ctx.answer, new=text)
    update_sample(conn, ctx.sample_id, edited=any_turn_edited(conn, ctx.sample_id),
                  warnings=add_code(get_sample(conn, ctx.sample_id).warnings, BAD_MARKUP),
                  updated_at=now_iso(), updated_by=who)


def snapshot_of(conn: Connection, ctx: AnswerContext) -> GeometrySnapshot:
    """What an edit of the Sample can change, as it is now (read in the caller's transaction)."""
    return GeometrySnapshot(ctx.sample_id, ctx.pair_id, ctx.answer,
                            pairs.read_pair_boxes(conn, ctx.pair_id),
                            pairs.read_markers(conn, ctx.sample_id))


def parse_or_fail(ctx: AnswerContext, text: str) -> Any:
    """The parsed answer; EditError when its text does not parse (fix the text first)."""
    try:
        return parse_for(ctx, text)
    except (MarkupError, ValueError) as exc:
        raise EditError(f"sample {ctx.sample_id}: the answer does not parse ({exc}); "
                        "fix its text first") from None
