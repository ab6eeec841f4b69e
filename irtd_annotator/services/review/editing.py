"""Editing geometry and task-aware answers: the one API the UI calls to change a Sample's
boxes, points, count, options, markers and answer text, a Pair's source boxes and alignment.

Every method writes in ONE transaction with a revision entry (who = the annotator) and
returns ``review.Changes``. The answer text always follows the edit, formatted exactly as
IR-TD's released files (services/answers.py), so an export stays in the release format.
Undo is the UI restoring a ``GeometrySnapshot`` taken before the edit (one transaction too).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import DBAPIError, NoResultFound

from irtd_annotator.domain.errors import StoreError, UserError
from irtd_annotator.domain.geometry_edit import Alignment, clamp_all
from irtd_annotator.domain.markup import MarkupError
from irtd_annotator.domain.model import Box, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import BAD_MARKUP
from irtd_annotator.services.review import pair_editing as pairs
from irtd_annotator.services.review.answers import (
    GEOMETRY_TASKS, AnswerContext, answer_for_count, answer_for_geometry, answer_for_options,
    load_context, parse_for, write_answer,
)
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import Changes
from irtd_annotator.services.review.reads import read_markers, read_settings, read_source_boxes
from irtd_annotator.services.warnings_refresh import refresh_warnings
from irtd_annotator.store.engine import describe_db_error
from irtd_annotator.store.fast_reads import Statements
from irtd_annotator.store.revisions import add_revision, now_iso
from irtd_annotator.store.schema import Sample, Shape, Turn

_T = TypeVar("_T")
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


def _store_errors(method: Callable[..., _T]) -> Callable[..., _T]:
    @functools.wraps(method)
    def wrapper(self: "AnswerEditing", *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except DBAPIError as exc:
            raise StoreError(describe_db_error(self.project.location, exc)) from exc

    return wrapper


class AnswerEditing:
    """Changes the geometry and answers of one project's Samples on behalf of one annotator."""

    def __init__(self, project: Project, *, annotator: str) -> None:
        if not annotator.strip():
            raise ValueError("the annotator's name must not be empty")
        self.project = project
        self.annotator = annotator.strip()
        # Label vocabulary per source: counting every shape of a source takes ~0.4 s at IR-TD's
        # size and the window asks for it on every sample shown, so it is read once and kept
        # up to date with the labels this session writes.
        self._labels: dict[str, list[str]] = {}
        self._reads = Statements()  # what showing a Sample reads, compiled once

    @_store_errors
    def tool_context(self, sample_id: int, *, pair_id: int, source: str) -> ToolContext:
        """The Pair's source boxes, the Sample's markers, the Pair's alignment and the source's
        label vocabulary: what ``pair_boxes``, ``markers``, ``alignment`` and ``labels`` give,
        read on every Sample shown, so in one connection with statements compiled once."""
        with self.project.engine.connect() as conn:
            boxes = pairs.boxes_from_rows(read_source_boxes(self._reads, conn, pair_id))
            markers = pairs.markers_from_rows(read_markers(self._reads, conn, sample_id))
            own_key = pairs.pair_alignment_key(pair_id)
            stored = read_settings(self._reads, conn, (own_key, pairs.ALIGNMENT_KEY))
            alignment, _own = pairs.alignment_from(stored.get(own_key),
                                                   stored.get(pairs.ALIGNMENT_KEY), source)
            labels = self._labels.get(source)
            if labels is None:
                labels = self._labels[source] = pairs.source_labels(conn, source)
        return ToolContext(boxes, markers, alignment, tuple(labels))

    # ---- reading -------------------------------------------------------------------------

    @_store_errors
    def snapshot(self, sample_id: int) -> GeometrySnapshot:
        """The Sample's answer, its Pair's source boxes and its markers, as they are now."""
        with self.project.engine.connect() as conn:
            ctx = _context(conn, sample_id)
            return GeometrySnapshot(sample_id, ctx.pair_id, ctx.answer,
                                    pairs.read_pair_boxes(conn, ctx.pair_id),
                                    pairs.read_markers(conn, sample_id))

    @_store_errors
    def pair_boxes(self, pair_id: int) -> tuple[Box, ...]:
        """The source dataset's own boxes on the Pair (pixels of the IR image)."""
        with self.project.engine.connect() as conn:
            return pairs.read_pair_boxes(conn, pair_id)

    @_store_errors
    def markers(self, sample_id: int) -> tuple[Point, ...]:
        """The click-to-count markers placed on the Sample."""
        with self.project.engine.connect() as conn:
            return pairs.read_markers(conn, sample_id)

    @_store_errors
    def labels(self, source: str) -> list[str]:
        """The box labels a source's Pairs use (the vocabulary offered when relabelling)."""
        cached = self._labels.get(source)
        if cached is None:
            with self.project.engine.connect() as conn:
                cached = self._labels[source] = pairs.source_labels(conn, source)
        return list(cached)

    def _remember_labels(self, source: str, shapes: Sequence[Box | Point]) -> None:
        cached = self._labels.get(source)
        if cached is not None:
            cached.extend(dict.fromkeys(s.label for s in shapes if s.label and s.label not in cached))

    def _source_of_sample(self, sample_id: int) -> str:
        with self.project.engine.connect() as conn:
            return pairs.pair_row(conn, _context(conn, sample_id).pair_id).source

    @_store_errors
    def alignment(self, pair_id: int) -> tuple[Alignment | None, bool]:
        """The Pair's alignment (its own, else its source's), and whether it is its own."""
        with self.project.engine.connect() as conn:
            pair = pairs.pair_row(conn, pair_id)
            return pairs.read_alignment(conn, pair_id, pair.source)

    @_store_errors
    def stored_alignment(self, pair_id: int, *, per_pair: bool) -> Alignment | None:
        """The alignment stored for the Pair itself (``per_pair``) or for its source."""
        with self.project.engine.connect() as conn:
            pair = pairs.pair_row(conn, pair_id)
            return pairs.stored_alignment(conn, pair, per_pair=per_pair)

    @_store_errors
    def check_answer(self, sample_id: int, text: str) -> str | None:
        """Why ``text`` is not a valid answer for the Sample, or None when it parses."""
        with self.project.engine.connect() as conn:
            ctx = _context(conn, sample_id)
        try:
            parse_for(ctx, text)
        except (MarkupError, ValueError) as exc:
            return str(exc)
        return None

    # ---- changing the answer ---------------------------------------------------------------

    def set_boxes(self, sample_id: int, boxes: Sequence[Box]) -> Changes:
        """A Grounding answer's box (pixels of the IR image), written as integer pixels."""
        def text(ctx: AnswerContext) -> str:
            _need(ctx, {Task.GROUNDING}, "boxes")
            return _geometry_text(ctx, boxes=list(boxes))

        changes = self._edit(sample_id, "geometry", text)
        if changes.geometry and self._labels:
            self._remember_labels(self._source_of_sample(sample_id), boxes)
        return changes

    def set_points(self, sample_id: int, points: Sequence[Point]) -> Changes:
        """A Location answer's points (pixels, or 0-1000), written in the sample's own space,
        sorted left to right."""
        def text(ctx: AnswerContext) -> str:
            _need(ctx, {Task.LOCATION}, "points")
            return _geometry_text(ctx, points=list(points))

        changes = self._edit(sample_id, "geometry", text)
        if changes.geometry and self._labels:
            self._remember_labels(self._source_of_sample(sample_id), points)
        return changes

    def set_count(self, sample_id: int, n: int, *,
                  markers: Sequence[Point] | None = None) -> Changes:
        """A counting answer ``<num>N</num>``; with ``markers`` the markers are replaced too."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise EditError(f"sample {sample_id}: a count is a whole number >= 0, got {n!r}")

        def text(ctx: AnswerContext) -> str:
            _need(ctx, COUNT_TASKS, "a count")
            return answer_for_count(n)

        return self._edit(sample_id, "answer", text, markers=markers)

    def set_options(self, sample_id: int, letters: Sequence[str]) -> Changes:
        """A multiple-choice answer: the chosen options in option order, as ``(A) person``."""
        chosen = list(dict.fromkeys(letters))

        def text(ctx: AnswerContext) -> str:
            _need(ctx, OPTION_TASKS, "options")
            if not chosen:
                raise EditError(f"sample {sample_id}: pick at least one option")
            if ctx.task in ONE_OPTION_TASKS and len(chosen) != 1:
                raise EditError(f"sample {sample_id}: a {ctx.task.value} answer picks exactly "
                                f"one option, got {''.join(chosen)}")
            try:
                return answer_for_options(ctx, chosen)
            except ValueError as exc:
                raise EditError(f"sample {sample_id}: {exc}") from None

        return self._edit(sample_id, "answer", text)

    def set_yes_no(self, sample_id: int, value: bool | str) -> Changes:
        """A Relationship answer: ``yes`` or ``no`` (lower case, as released)."""
        if isinstance(value, str):
            if value.strip().lower() not in ("yes", "no"):
                raise EditError(f"sample {sample_id}: a Relationship answer is yes or no, got {value!r}")
            word = value.strip().lower()
        else:
            word = "yes" if value else "no"
        return self._edit(sample_id, "answer", lambda ctx: _need(ctx, {Task.RELATIONSHIP},
                                                                   "yes/no", then=word))

    def set_reid(self, sample_id: int, digit: int | str) -> Changes:
        """A Re-ID answer: the grid position 2-8 of the same person."""
        text = str(digit).strip()
        if text not in {str(n) for n in range(2, 9)}:
            raise EditError(f"sample {sample_id}: a Re-ID answer is one digit 2-8, got {digit!r}")
        return self._edit(sample_id, "answer", lambda ctx: _need(ctx, {Task.REID},
                                                                   "a Re-ID position", then=text))

    def set_answer_text(self, sample_id: int, text: str) -> Changes:
        """The answer as typed; parsed first: InvalidAnswerError and nothing saved if it does
        not parse. Geometry, count and options follow the text."""
        def checked(ctx: AnswerContext) -> str:
            try:
                parse_for(ctx, text)
            except (MarkupError, ValueError) as exc:
                raise InvalidAnswerError(f"sample {sample_id}: {exc}") from None
            return text

        return self._edit(sample_id, "text", checked)

    # ---- markers, source boxes, clamping ----------------------------------------------------

    @_store_errors
    def set_markers(self, sample_id: int, markers: Sequence[Point]) -> Changes:
        """Replace the click-to-count markers; the count-vs-markers warning follows."""
        with self.project.engine.begin() as conn:
            ctx = _context(conn, sample_id)
            if not pairs.write_markers(conn, sample_id, ctx.pair_id, markers, who=self.annotator):
                return Changes()
            refresh_warnings(conn, pair_ids=[ctx.pair_id])
        return Changes(sample_ids=frozenset({sample_id}), geometry=True)

    @_store_errors
    def set_pair_boxes(self, pair_id: int, boxes: Sequence[Box]) -> Changes:
        """Replace the source dataset's own boxes on a Pair (pixels of the IR image)."""
        with self.project.engine.begin() as conn:
            pair = pairs.pair_row(conn, pair_id)
            if not pairs.write_pair_boxes(conn, pair, boxes, who=self.annotator):
                return Changes()
            self._remember_labels(pair.source, boxes)
            refresh_warnings(conn, pair_ids=[pair_id])
            ids = pairs.pair_sample_ids(conn, pair_id)
        return Changes(sample_ids=ids, geometry=True)

    @_store_errors
    def clamp_to_image(self, sample_id: int) -> Changes:
        """Cut the Sample's boxes (and move its points) onto the image, and its Pair's source
        boxes too: one step. Empty Changes when nothing lies outside."""
        with self.project.engine.begin() as conn:
            ctx = _context(conn, sample_id)
            pair = pairs.pair_row(conn, ctx.pair_id)
            bounds = ctx.bounds
            if bounds is None:
                raise EditError(f"sample {sample_id}: the size of {pair.source}'s image is "
                                "unknown, so nothing can be clamped to it")
            width, height = bounds
            changed: set[int] = set()
            if ctx.task in GEOMETRY_TASKS:
                parsed = _parse_or_fail(ctx, ctx.answer)
                boxes, points = clamp_all(parsed.boxes, parsed.points, width=width, height=height)
                if (boxes, points) != (parsed.boxes, parsed.points):
                    text = _geometry_text(ctx, boxes=list(boxes), points=list(points))
                    if text != ctx.answer:
                        write_answer(conn, ctx, text, who=self.annotator, action="geometry")
                        changed.add(sample_id)
            source = pairs.read_pair_boxes(conn, pair.id)
            clamped, _ = clamp_all(source, (), width=width, height=height)
            if pairs.write_pair_boxes(conn, pair, clamped, who=self.annotator):
                changed |= pairs.pair_sample_ids(conn, pair.id)
            if changed:
                refresh_warnings(conn, pair_ids=[pair.id])
        return Changes(sample_ids=frozenset(changed), text=sample_id in changed,
                       geometry=bool(changed))

    @_store_errors
    def restore(self, snap: GeometrySnapshot) -> Changes:
        """Put back what a snapshot holds (undo and redo of geometry and answer edits)."""
        with self.project.engine.begin() as conn:
            ctx = _context(conn, snap.sample_id)
            touched: set[int] = set()
            if snap.answer != ctx.answer:
                try:
                    write_answer(conn, ctx, snap.answer, who=self.annotator, action="undo")
                except MarkupError:
                    _write_unparsed(conn, ctx, snap.answer, who=self.annotator)
                touched.add(snap.sample_id)
            if pairs.write_markers(conn, snap.sample_id, snap.pair_id, snap.markers,
                                   who=self.annotator):
                touched.add(snap.sample_id)
            pair = pairs.pair_row(conn, snap.pair_id)
            if pairs.write_pair_boxes(conn, pair, snap.pair_boxes, who=self.annotator):
                touched |= pairs.pair_sample_ids(conn, snap.pair_id)
            if touched:
                refresh_warnings(conn, pair_ids=[snap.pair_id])
        return Changes(sample_ids=frozenset(touched), text=snap.sample_id in touched,
                       geometry=bool(touched))

    @_store_errors
    def set_alignment(self, pair_id: int, alignment: Alignment | None, *,
                      per_pair: bool = False) -> Changes:
        """Store where the infrared image lies on the visible one, for the Pair's whole source
        (default) or this Pair only; None removes it."""
        with self.project.engine.begin() as conn:
            pair = pairs.pair_row(conn, pair_id)
            if not pairs.write_alignment(conn, pair, alignment, per_pair=per_pair,
                                         who=self.annotator):
                return Changes()
            ids = pairs.pair_sample_ids(conn, pair_id)
        return Changes(sample_ids=ids, geometry=True)

    # ---- internals -------------------------------------------------------------------------

    @_store_errors
    def _edit(self, sample_id: int, action: str, make_text: Callable[[AnswerContext], str], *,
              markers: Sequence[Point] | None = None) -> Changes:
        with self.project.engine.begin() as conn:
            ctx = _context(conn, sample_id)
            text = make_text(ctx)
            marked = markers is not None and pairs.write_markers(
                conn, sample_id, ctx.pair_id, markers, who=self.annotator)
            if text == ctx.answer:
                if marked:
                    refresh_warnings(conn, pair_ids=[ctx.pair_id])
                    return Changes(sample_ids=frozenset({sample_id}), geometry=True)
                return Changes()
            before = _shape_keys(conn, sample_id)
            try:
                write_answer(conn, ctx, text, who=self.annotator, action=action)
            except MarkupError as exc:
                if isinstance(exc, InvalidAnswerError):
                    raise
                raise EditError(f"sample {sample_id}: {exc}") from None
            geometry = marked or _shape_keys(conn, sample_id) != before
        return Changes(sample_ids=frozenset({sample_id}), text=True, geometry=geometry)


def _context(conn: Connection, sample_id: int) -> AnswerContext:
    try:
        return load_context(conn, sample_id)
    except (NoResultFound, IndexError):  # no such Sample, or no gpt turn
        raise LookupError(f"sample {sample_id} is not in the project or has no answer") from None


def _need(ctx: AnswerContext, tasks: set[Task] | frozenset[Task], what: str, *,
          then: str = "") -> str:
    """``then`` when the Sample's task has ``what``; EditError otherwise."""
    if ctx.task not in tasks:
        raise EditError(f"sample {ctx.sample_id}: a {ctx.task.value} answer has no {what}")
    return then


def _geometry_text(ctx: AnswerContext, *, boxes: Sequence[Box] = (),
                   points: Sequence[Point] = ()) -> str:
    try:
        return answer_for_geometry(ctx, boxes=boxes, points=points)
    except (MarkupError, ValueError) as exc:
        raise EditError(f"sample {ctx.sample_id}: {exc}") from None


def _write_unparsed(conn: Connection, ctx: AnswerContext, text: str, *, who: str) -> None:
    """Put back answer text that does not parse (half-typed markup the text editor saved):
    the geometry stays, the bad-markup warning says why, as the review session does."""
    conn.execute(update(Turn).where(Turn.sample_id == ctx.sample_id, Turn.idx == ctx.answer_idx)
                 .values(text=text))
    add_revision(conn, who=who, action="undo", sample_id=ctx.sample_id, pair_id=ctx.pair_id,
                 target=f"turn {ctx.answer_idx}", old=ctx.answer, new=text)
    edited = bool(conn.execute(select(func.count()).select_from(Turn).where(
        Turn.sample_id == ctx.sample_id, Turn.text != Turn.original)).scalar())
    codes = conn.execute(select(Sample.warnings).where(Sample.id == ctx.sample_id)).scalar()
    kept = [c for c in (codes or "").split("; ") if c and c != BAD_MARKUP]
    conn.execute(update(Sample).where(Sample.id == ctx.sample_id).values(
        edited=edited, warnings="; ".join([*kept, BAD_MARKUP]), updated_at=now_iso(),
        updated_by=who))


def _parse_or_fail(ctx: AnswerContext, text: str) -> Any:
    try:
        return parse_for(ctx, text)
    except (MarkupError, ValueError) as exc:
        raise EditError(f"sample {ctx.sample_id}: the answer does not parse ({exc}); "
                        "fix its text first") from None


def _shape_keys(conn: Connection, sample_id: int) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(
        select(Shape.kind, Shape.idx, Shape.label, Shape.space, Shape.x1, Shape.y1, Shape.x2,
               Shape.y2).where(Shape.sample_id == sample_id).order_by(Shape.kind, Shape.idx))]


__all__ = ["AnswerEditing", "EditError", "GeometrySnapshot", "InvalidAnswerError", "ToolContext"]
