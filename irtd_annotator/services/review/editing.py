"""Editing geometry and task-aware answers: the one API the UI calls to change a Sample's
boxes, points, count, options, markers and answer text, a Pair's source boxes and alignment.

Every method is one operation (services/changes.py): it writes in ONE transaction with a
revision entry (who = the annotator) and returns ``Changes``. The answer text always follows
the edit, formatted exactly as IR-TD's released files (services/answers.py), so an export
stays in the release format. A change's ``undo`` restores the ``GeometrySnapshot`` read in
its transaction before it wrote (answer, source boxes, markers): one transaction too, whose
own ``undo`` redoes.

Each transaction first claims the Samples it writes (``seen.py``, ADR 0019): the Sample, or
every Sample of the Pair when its source boxes change; a Sample changed by someone else since
the window saw it is refused. The alignment is a setting, not a Sample: its row is locked
instead, and its undo puts the old value back only while the stored one is still its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Connection

from irtd_annotator.domain.geometry_edit import Alignment, clamp_all
from irtd_annotator.domain.markup import MarkupError, form_problem
from irtd_annotator.domain.model import Box, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.changes import Changes, Operation, store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review import pair_editing as pairs
from irtd_annotator.services.review.answers import (
    GEOMETRY_TASKS,
    AnswerContext,
    answer_for_count,
    answer_for_options,
    parse_for,
    write_answer,
)
from irtd_annotator.services.review.edit_rules import (
    COUNT_TASKS,
    ONE_OPTION_TASKS,
    OPTION_TASKS,
    EditError,
    GeometrySnapshot,
    InvalidAnswerError,
    ToolContext,
    context_of,
    geometry_text,
    need,
    parse_or_fail,
    snapshot_of,
    write_unparsed,
)
from irtd_annotator.services.review.reads import read_markers, read_settings, read_source_boxes
from irtd_annotator.services.review.seen import Claim, SeenVersions, Versions
from irtd_annotator.services.warnings_refresh import refresh_warnings
from irtd_annotator.store.fast_reads import Statements
from irtd_annotator.store.sample_writes import get_sample, shape_keys


class AnswerEditing:
    """Changes the geometry and answers of one project's Samples on behalf of one annotator."""

    def __init__(self, project: Project, *, annotator: str,
                 seen: SeenVersions | None = None) -> None:
        if not annotator.strip():
            raise ValueError("the annotator's name must not be empty")
        self.project = project
        self.annotator = annotator.strip()
        # the versions the window showed and wrote: its ReviewSession's, shared
        self.seen = seen if seen is not None else SeenVersions()
        # Label vocabulary per source: counting every shape of a source takes ~0.4 s at IR-TD's
        # size and the window asks for it on every sample shown, so it is read once and kept
        # up to date with the labels this session writes.
        self._labels: dict[str, list[str]] = {}
        self._reads = Statements()  # what showing a Sample reads, compiled once

    @store_errors
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

    @store_errors
    def snapshot(self, sample_id: int) -> GeometrySnapshot:
        """The Sample's answer, its Pair's source boxes and its markers, as they are now."""
        with self.project.engine.connect() as conn:
            return snapshot_of(conn, context_of(conn, sample_id))

    @store_errors
    def pair_boxes(self, pair_id: int) -> tuple[Box, ...]:
        """The source dataset's own boxes on the Pair (pixels of the IR image)."""
        with self.project.engine.connect() as conn:
            return pairs.read_pair_boxes(conn, pair_id)

    @store_errors
    def markers(self, sample_id: int) -> tuple[Point, ...]:
        """The click-to-count markers placed on the Sample."""
        with self.project.engine.connect() as conn:
            return pairs.read_markers(conn, sample_id)

    @store_errors
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
            return str(pairs.pair_row(conn, context_of(conn, sample_id).pair_id).source)

    @store_errors
    def alignment(self, pair_id: int) -> tuple[Alignment | None, bool]:
        """The Pair's alignment (its own, else its source's), and whether it is its own."""
        with self.project.engine.connect() as conn:
            pair = pairs.pair_row(conn, pair_id)
            return pairs.read_alignment(conn, pair_id, pair.source)

    @store_errors
    def stored_alignment(self, pair_id: int, *, per_pair: bool) -> Alignment | None:
        """The alignment stored for the Pair itself (``per_pair``) or for its source."""
        with self.project.engine.connect() as conn:
            pair = pairs.pair_row(conn, pair_id)
            return pairs.stored_alignment(conn, pair, per_pair=per_pair)

    # ---- changing the answer ---------------------------------------------------------------

    def set_boxes(self, sample_id: int, boxes: Sequence[Box]) -> Changes:
        """A Grounding answer's box (pixels of the IR image), written as integer pixels."""
        def text(ctx: AnswerContext) -> str:
            need(ctx, {Task.GROUNDING}, "boxes")
            return geometry_text(ctx, boxes=list(boxes))

        changes = self._edit(sample_id, "geometry", text)
        if changes.geometry and self._labels:
            self._remember_labels(self._source_of_sample(sample_id), boxes)
        return changes

    def set_points(self, sample_id: int, points: Sequence[Point]) -> Changes:
        """A Location answer's points (pixels, or 0-1000), written in the sample's own space,
        sorted left to right."""
        def text(ctx: AnswerContext) -> str:
            need(ctx, {Task.LOCATION}, "points")
            return geometry_text(ctx, points=list(points))

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
            need(ctx, COUNT_TASKS, "a count")
            return answer_for_count(n)

        return self._edit(sample_id, "answer", text, markers=markers)

    def set_options(self, sample_id: int, letters: Sequence[str]) -> Changes:
        """A multiple-choice answer: the chosen options in option order, as ``(A) person``."""
        chosen = list(dict.fromkeys(letters))

        def text(ctx: AnswerContext) -> str:
            need(ctx, OPTION_TASKS, "options")
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
        return self._edit(sample_id, "answer", lambda ctx: need(ctx, {Task.RELATIONSHIP},
                                                                   "yes/no", then=word))

    def set_reid(self, sample_id: int, digit: int | str) -> Changes:
        """A Re-ID answer: the grid position 2-8 of the same person."""
        text = str(digit).strip()
        if text not in {str(n) for n in range(2, 9)}:
            raise EditError(f"sample {sample_id}: a Re-ID answer is one digit 2-8, got {digit!r}")
        return self._edit(sample_id, "answer", lambda ctx: need(ctx, {Task.REID},
                                                                   "a Re-ID position", then=text))

    def set_answer_text(self, sample_id: int, text: str) -> Changes:
        """The answer as typed; parsed first: InvalidAnswerError and nothing saved if it does
        not parse. Geometry, count and options follow the text."""
        def checked(ctx: AnswerContext) -> str:
            try:
                parse_for(ctx, text)
            except (MarkupError, ValueError) as exc:
                raise InvalidAnswerError(f"sample {sample_id}: {exc}") from None
            problem = form_problem(ctx.task, text)  # "<num>1</num> (checked)" parses
            if problem is not None:
                raise InvalidAnswerError(f"sample {sample_id}: {problem}")
            return text

        return self._edit(sample_id, "text", checked)

    # ---- markers, source boxes, clamping ----------------------------------------------------

    @store_errors
    def set_markers(self, sample_id: int, markers: Sequence[Point]) -> Changes:
        """Replace the click-to-count markers; the count-vs-markers warning follows."""
        with self._writing([sample_id]) as claim:
            conn = claim.conn
            ctx = context_of(conn, sample_id)
            before = snapshot_of(conn, ctx)
            if not pairs.write_markers(conn, sample_id, ctx.pair_id, markers, who=self.annotator):
                return claim.unchanged()
            refresh_warnings(conn, pair_ids=[ctx.pair_id])
        return self._undoable(Changes(sample_ids=frozenset({sample_id}), geometry=True),
                              f"place markers of sample {sample_id}", before, claim)

    @store_errors
    def set_pair_boxes(self, pair_id: int, boxes: Sequence[Box], *,
                       undoing: Versions | None = None) -> Changes:
        """Replace the source dataset's own boxes on a Pair (pixels of the IR image): a
        change of every Sample of the Pair, all claimed. ``undoing``: see ``seen.py``."""
        with self._writing(lambda conn: pairs.pair_sample_ids(conn, pair_id),
                           undoing=undoing) as claim:
            conn = claim.conn
            pair = pairs.pair_row(conn, pair_id)
            old = pairs.read_pair_boxes(conn, pair_id)
            if not pairs.write_pair_boxes(conn, pair, boxes, who=self.annotator):
                return claim.unchanged()
            refresh_warnings(conn, pair_ids=[pair_id])
            ids = pairs.pair_sample_ids(conn, pair_id)
        self._remember_labels(pair.source, boxes)
        made = claim.versions
        undo = Operation(f"edit source boxes of pair {pair_id}", min(ids, default=None),
                         lambda: self.set_pair_boxes(pair_id, old, undoing=made))
        return Changes(sample_ids=ids, geometry=True, undo=undo)

    @store_errors
    def clamp_to_image(self, sample_id: int) -> Changes:
        """Cut the Sample's boxes (and move its points) onto the image, and its Pair's source
        boxes too: one step. Empty Changes when nothing lies outside."""
        with self._writing(lambda conn: self._pair_samples_of(conn, sample_id)) as claim:
            conn = claim.conn
            ctx = context_of(conn, sample_id)
            before = snapshot_of(conn, ctx)
            pair = pairs.pair_row(conn, ctx.pair_id)
            bounds = ctx.bounds
            if bounds is None:
                raise EditError(f"sample {sample_id}: the size of {pair.source}'s image is "
                                "unknown, so nothing can be clamped to it")
            width, height = bounds
            changed: set[int] = set()
            if ctx.task in GEOMETRY_TASKS:
                parsed = parse_or_fail(ctx, ctx.answer)
                boxes, points = clamp_all(parsed.boxes, parsed.points, width=width, height=height)
                if (boxes, points) != (parsed.boxes, parsed.points):
                    text = geometry_text(ctx, boxes=list(boxes), points=list(points))
                    if text != ctx.answer:
                        write_answer(conn, ctx, text, who=self.annotator, action="geometry")
                        changed.add(sample_id)
            source = pairs.read_pair_boxes(conn, pair.id)
            clamped, _ = clamp_all(source, (), width=width, height=height)
            if pairs.write_pair_boxes(conn, pair, clamped, who=self.annotator):
                changed |= pairs.pair_sample_ids(conn, pair.id)
            if not changed:
                return claim.unchanged()
            refresh_warnings(conn, pair_ids=[pair.id])
        return self._undoable(Changes(sample_ids=frozenset(changed), text=sample_id in changed,
                                      geometry=bool(changed)),
                              f"clamp to image of sample {sample_id}", before, claim)

    @store_errors
    def restore(self, snap: GeometrySnapshot, *, undoing: Versions | None = None) -> Changes:
        """Put back what a snapshot holds (undo and redo of geometry and answer edits).

        An undo claims the Samples its change claimed (``undoing``, see ``seen.py``): had
        someone changed the Pair's source boxes since, the Sample's version would tell. Without
        it every Sample of the Pair is claimed, as the source boxes may be written.
        """
        def claimed(conn: Connection) -> Iterable[int]:
            if undoing is not None:
                return {snap.sample_id, *undoing}
            return pairs.pair_sample_ids(conn, snap.pair_id) | {snap.sample_id}

        with self._writing(claimed, undoing=undoing) as claim:
            conn = claim.conn
            ctx = context_of(conn, snap.sample_id)
            before = snapshot_of(conn, ctx)
            touched: set[int] = set()
            if snap.answer != ctx.answer:
                try:
                    write_answer(conn, ctx, snap.answer, who=self.annotator, action="undo")
                except MarkupError:
                    write_unparsed(conn, ctx, snap.answer, who=self.annotator)
                touched.add(snap.sample_id)
            if pairs.write_markers(conn, snap.sample_id, snap.pair_id, snap.markers,
                                   who=self.annotator):
                touched.add(snap.sample_id)
            pair = pairs.pair_row(conn, snap.pair_id)
            if pairs.write_pair_boxes(conn, pair, snap.pair_boxes, who=self.annotator):
                touched |= pairs.pair_sample_ids(conn, snap.pair_id)
            if not touched:
                return claim.unchanged()
            refresh_warnings(conn, pair_ids=[snap.pair_id])
        return self._undoable(Changes(sample_ids=frozenset(touched),
                                      text=snap.sample_id in touched, geometry=bool(touched)),
                              f"edit of sample {snap.sample_id}", before, claim)

    @store_errors
    def set_alignment(self, pair_id: int, alignment: Alignment | None, *,
                      per_pair: bool = False,
                      replacing: tuple[Alignment | None] | None = None) -> Changes:
        """Store where the infrared image lies on the visible one, for the Pair's whole source
        (default) or this Pair only; None removes it.

        A setting, not a Sample's content: no Sample is claimed (a colleague on a sibling
        Sample is not refused for it); the setting's row is locked first instead, so the
        revision's old value is exact. ``replacing`` (an undo or redo): (the value this must
        still find stored,), else it is refused, as someone else aligned it since.
        """
        with self.project.engine.begin() as conn:
            pair = pairs.pair_row(conn, pair_id)
            old = pairs.locked_alignment(conn, pair, per_pair=per_pair, replacing=replacing)
            if not pairs.write_alignment(conn, pair, alignment, per_pair=per_pair,
                                         who=self.annotator):
                return Changes()
            now = pairs.stored_alignment(conn, pair, per_pair=per_pair)  # as stored: rounded
            ids = pairs.pair_sample_ids(conn, pair_id)
        undo = Operation(f"align pair {pair_id}", min(ids, default=None),
                         lambda: self.set_alignment(pair_id, old, per_pair=per_pair,
                                                    replacing=(now,)))
        return Changes(sample_ids=ids, geometry=True, undo=undo)

    # ---- internals -------------------------------------------------------------------------

    @store_errors
    def _edit(self, sample_id: int, action: str, make_text: Callable[[AnswerContext], str], *,
              markers: Sequence[Point] | None = None) -> Changes:
        label = f"{action} of sample {sample_id}"
        with self._writing([sample_id]) as claim:
            conn = claim.conn
            ctx = context_of(conn, sample_id)
            text = make_text(ctx)
            before = snapshot_of(conn, ctx)
            marked = markers is not None and pairs.write_markers(
                conn, sample_id, ctx.pair_id, markers, who=self.annotator)
            if text == ctx.answer:
                if not marked:
                    return claim.unchanged()
                refresh_warnings(conn, pair_ids=[ctx.pair_id])
                return self._undoable(Changes(sample_ids=frozenset({sample_id}),
                                              geometry=True), label, before, claim)
            keys = shape_keys(conn, sample_id)
            try:
                write_answer(conn, ctx, text, who=self.annotator, action=action)
            except MarkupError as exc:
                if isinstance(exc, InvalidAnswerError):
                    raise
                raise EditError(f"sample {sample_id}: {exc}") from None
            geometry = marked or shape_keys(conn, sample_id) != keys
        return self._undoable(Changes(sample_ids=frozenset({sample_id}), text=True,
                                      geometry=geometry), label, before, claim)

    def _writing(self, sample_ids: Iterable[int] | Callable[[Connection], Iterable[int]], *,
                 undoing: Versions | None = None) -> AbstractContextManager[Claim]:
        return self.seen.writing(self.project.engine, sample_ids, undoing=undoing)

    @staticmethod
    def _pair_samples_of(conn: Connection, sample_id: int) -> frozenset[int]:
        return pairs.pair_sample_ids(conn, get_sample(conn, sample_id).pair_id) | {sample_id}

    def _undoable(self, changes: Changes, label: str, before: GeometrySnapshot,
                  claim: Claim) -> Changes:
        """``changes`` with the operation that restores ``before`` (nothing when empty); the
        undo claims what this change claimed, expecting the versions it made."""
        if not changes:
            return changes
        made = claim.versions
        return dataclasses.replace(changes, undo=Operation(
            label, before.sample_id, lambda: self.restore(before, undoing=made)))


__all__ = ["AnswerEditing", "EditError", "GeometrySnapshot", "InvalidAnswerError", "ToolContext"]
