"""The Samples of an export, streamed from the store in (task, id) order and checked.

Two ordered reads run side by side in one read transaction (``store.exports``): the Samples
(with their Pair's source) and their Turns, sorted the same way, merged here chunk by chunk.
So an export sees one consistent state of the store, sends each Sample's columns once (not
once per Turn), and never holds more than a chunk in memory.

A Sample a person changed (edited, or a Turn differs from its original) is validated again
before it is exported: its answer must parse and its geometry must lie inside the image.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from itertools import chain, groupby, islice
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine

from irtd_annotator.domain.errors import StoreError
from irtd_annotator.domain.markup import MarkupError, form_problem, parse_answer
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.store.exports import (
    EDITED,
    SAMPLE_ID,
    TASK,
    Rows,
    changed_sample_rows,
    export_read,
)

CHUNK = 2_000
_FREE_TEXT = (Task.CAPTION, Task.INSTRUCTION)


class TurnText(NamedTuple):
    """One Turn's role, original (LLM) text and current text."""

    role: str
    original: str
    text: str


class Checked(NamedTuple):
    """A changed Sample's Turns (with their originals) and its validation problems."""

    turns: tuple[TurnText, ...]
    problems: tuple[str, ...]  # empty when it is valid


class ExportChunk(NamedTuple):
    """Consecutive Samples of an export, in (task, id) order.

    ``rows`` are tuples of ``store.exports.SAMPLE_COLUMNS``, ``turns`` the Turn rows of each
    (same positions); ``checked`` holds, by position, the changed Samples only: unchanged ones
    are exported as imported and need no validation. Plain tuples and lists: an export reads
    260,000 Samples.
    """

    done: int  # Samples read so far, this chunk included
    total: int
    rows: list[tuple[Any, ...]]
    turns: list[list[tuple[Any, ...]]]
    checked: dict[int, Checked]


def iter_export_chunks(engine: Engine, *, statuses: Sequence[str] | None,
                       tasks: Sequence[str] = (), sources: Sequence[str] = (),
                       annotators: Sequence[str] = (), rel_paths: bool = False,
                       chunk: int | None = None) -> Generator[ExportChunk, None, None]:
    """Yield the Samples matching the filters, by (task, id), ``chunk`` at a time (CHUNK).

    ``statuses`` None means every status; ``rel_paths`` false leaves the Pair's rel_path out
    (None): it is only needed to write a prefix. Changed Samples carry their problems.
    """
    size = chunk or CHUNK
    with export_read(engine, statuses=statuses, tasks=tasks, sources=sources,
                     annotators=annotators, rel_paths=rel_paths, size=size) as read:
        if not read.total:
            return
        total, conn = read.total, read.conn
        differing: set[int] = set()  # Samples with a Turn whose text is not its original
        bare: set[int] = set()  # Samples without Turns
        turn_parts = _noting(read.turns, differing, bare)
        sample_rows = read.samples
        try:
            # The Turns grouped by Sample, in C (645,000 Turns at the size of IR-TD).
            groups = groupby(chain.from_iterable(turn_parts), key=itemgetter(3))
            done = 0
            for rows in sample_rows:
                chunk_turns = [list(group) for _, group in islice(groups, len(rows))]
                if list(map(itemgetter(3), map(itemgetter(0), chunk_turns))) != list(
                        map(itemgetter(SAMPLE_ID), rows)):  # one snapshot: cannot happen
                    raise StoreError("the export read Turns that belong to no Sample in order")
                if bare:
                    for position, row in enumerate(rows):
                        if row[SAMPLE_ID] in bare:
                            bare.discard(row[SAMPLE_ID])
                            chunk_turns[position] = []
                changed: list[int] = []
                if differing or any(map(itemgetter(EDITED), rows)):
                    # a person edited it, or one of its Turns differs from the original
                    changed = [position for position, row in enumerate(rows)
                               if row[EDITED] or row[SAMPLE_ID] in differing]
                    differing.difference_update(rows[i][SAMPLE_ID] for i in changed)
                done += len(rows)
                checked = _check(conn, rows, chunk_turns, changed) if changed else {}
                yield ExportChunk(done, total, rows, chunk_turns, checked)
        finally:  # both cursors end before the transaction does
            sample_rows.close()
            turn_parts.close()


def _noting(parts: Rows, differing: set[int], bare: set[int]) -> Rows:
    """Pass Turn rows on a list at a time, noting the Samples with a changed Turn or none.

    Every Sample's rows are noted before its group is complete, so before it is looked at.
    """
    try:
        for part in parts:
            differing.update([row[3] for row in part if row[2] is not None])
            bare.update([row[3] for row in part if row[0] is None])
            yield part
    finally:
        parts.close()


def _check(conn: Connection, rows: list[tuple[Any, ...]], turns: list[list[tuple[Any, ...]]],
           changed: list[int]) -> dict[int, Checked]:
    """Validate the changed Samples of a chunk (few: the ones people edited)."""
    ids = [rows[position][SAMPLE_ID] for position in changed]
    extra, shapes = changed_sample_rows(conn, ids)
    checked: dict[int, Checked] = {}
    for position, sample_id in zip(changed, ids):
        own = tuple(TurnText(role, text if original is None else original, text)
                    for role, text, original, _ in turns[position])
        answer_space, width, height = extra[sample_id]
        checked[position] = Checked(own, sample_problems(
            rows[position][TASK], own, answer_space=answer_space, width=width, height=height,
            shapes=shapes.get(sample_id, ())))
    return checked


def _where(geometry: Box | Point) -> str:
    if isinstance(geometry, Box):
        return f"box [{geometry.x1:g}, {geometry.y1:g}, {geometry.x2:g}, {geometry.y2:g}]"
    return f"point ({geometry.x:g}, {geometry.y:g})"


def _outside(geometry: Box | Point, width: int | None, height: int | None) -> str | None:
    if not geometry.outside(width, height):
        return None
    if geometry.space is CoordSpace.NORM1000:
        return f"{_where(geometry)} lies outside the image (0-1000 space)"
    return f"{_where(geometry)} lies outside the {width}x{height} image"


def _shape_geometry(shape: Any) -> Box | Point:
    space = CoordSpace(shape.space)
    if shape.kind == "box":
        if shape.x2 is None or shape.y2 is None:
            raise ValueError(f"box at ({shape.x1:g}, {shape.y1:g}) has no second corner")
        return Box(shape.x1, shape.y1, shape.x2, shape.y2, shape.label, space)
    return Point(shape.x1, shape.y1, shape.label, space)


def sample_problems(task: str, turns: Sequence[TurnText], *, answer_space: str,
                    width: int | None, height: int | None,
                    shapes: Sequence[Any] = ()) -> tuple[str, ...]:
    """Why a Sample should not be exported as it is: unparseable answer, geometry outside.

    ``shapes`` are the Sample's shape rows (kind, space, x1, y1, x2, y2, outside).
    """
    problems: list[str] = []
    try:
        task_enum: Task | None = Task(task)
    except ValueError:
        task_enum = None
        problems.append(f"unknown task {task!r}")
    prompt = next((t.text for t in turns if t.role == "human"), None)
    answer = next((t.text for t in turns if t.role == "gpt"), None)
    if prompt is None or answer is None:
        problems.append("a sample needs a human turn and a gpt answer")
    elif task_enum is not None and task_enum not in _FREE_TEXT:
        try:
            space = CoordSpace(answer_space)
        except ValueError:
            space = CoordSpace.NORM1000
        try:
            parsed = parse_answer(task_enum, prompt=prompt, answer=answer, location_space=space)
        except MarkupError as exc:
            problems.append(f"unparseable answer: {exc}")
        else:
            form = form_problem(task_enum, answer)
            if form is not None:
                problems.append(f"answer not in the released form: {form}")
            if parsed.count is not None and parsed.count < 0:  # a person wrote it: checked
                problems.append(f"negative count {parsed.count}")
            geometries: tuple[Box | Point, ...] = (*parsed.boxes, *parsed.points)
            for geometry in geometries:
                problem = _outside(geometry, width, height)
                if problem:
                    problems.append(problem)
    if problems:
        return tuple(dict.fromkeys(problems))
    # The answer is what is exported; the shapes say the same in pixels, and are checked on
    # their own only when the answer showed nothing (no duplicate message per point).
    for shape in shapes:
        try:
            geometry = _shape_geometry(shape)
        except ValueError as exc:
            problems.append(f"invalid {shape.kind}: {exc}")
            continue
        problem = _outside(geometry, width, height)
        if problem is None and shape.outside:
            problem = f"{_where(geometry)} lies outside the image"
        if problem:
            problems.append(problem)
    return tuple(dict.fromkeys(problems))
