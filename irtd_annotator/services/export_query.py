"""The Samples of an export, streamed from the store in (task, id) order and checked.

Samples come in chunks (``yield_per``) with their turns fetched per chunk, inside one read
transaction, so an export sees one consistent state of the store and never holds it all in
memory. A Sample a person changed is validated again before it is exported: its answer must
parse and its geometry must lie inside the image.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any, Iterator, NamedTuple, Sequence

from sqlalchemy import Connection, Engine, Select, exists, func, or_, select

from irtd_annotator.domain.markup import MarkupError, parse_answer
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

CHUNK = 2_000
_FREE_TEXT = (Task.CAPTION, Task.INSTRUCTION)


class TurnText(NamedTuple):
    """One Turn's role, original (LLM) text and current text."""

    role: str
    original: str
    text: str


class ExportRow(NamedTuple):
    """One Sample to export with what the release, the report and the manifest need.

    NamedTuples here and in the writers: an export makes one per Sample, and a frozen
    dataclass costs several times more to build.
    """

    sample_id: int
    task: str
    original_id: str
    image: str
    image_as_list: bool
    rel_path: str
    source: str
    status: str
    reject_reason: str | None
    updated_by: str | None
    edited: bool
    turns: tuple[TurnText, ...]
    changed: bool  # some turn differs from its original, or a person changed the sample
    problems: tuple[str, ...] = ()  # why it fails validation; empty when valid


def _filters(*, statuses: Sequence[str] | None, tasks: Sequence[str], sources: Sequence[str],
             annotators: Sequence[str]) -> list[Any]:
    where: list[Any] = []
    if statuses is not None:
        where.append(Sample.status.in_(list(statuses)))
    if tasks:
        where.append(Sample.task.in_(list(tasks)))
    if sources:
        # "63-FLIR_ADAS" or just "FLIR_ADAS" (the name without IR-TD's index)
        where.append(or_(Pair.source.in_(list(sources)),
                         *[Pair.source.endswith(f"-{s}", autoescape=True) for s in sources]))
    if annotators:
        where.append(Sample.updated_by.in_(list(annotators)))
    return where


def iter_export_rows(engine: Engine, *, statuses: Sequence[str] | None, tasks: Sequence[str] = (),
                     sources: Sequence[str] = (), annotators: Sequence[str] = (),
                     chunk: int | None = None) -> Iterator[tuple[int, int, ExportRow]]:
    """Yield ``(done, total, row)`` for every Sample matching the filters, by (task, id).

    ``statuses`` None means every status; ``chunk`` Samples are read at a time (CHUNK).
    Changed Samples carry their validation problems.
    """
    where = _filters(statuses=statuses, tasks=tasks, sources=sources, annotators=annotators)
    columns = (Sample.id, Sample.task, Sample.original_id, Sample.image, Sample.image_as_list,
               Sample.answer_space, Sample.status, Sample.reject_reason, Sample.updated_by,
               Sample.edited, Pair.rel_path, Pair.source, Pair.width, Pair.height,
               # changed: a person edited it, or a turn differs from its original
               or_(Sample.edited.is_(True), exists().where(
                   Turn.sample_id == Sample.id, Turn.text != Turn.original)).label("changed"))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Sample)
                             .join(Pair, Pair.id == Sample.pair_id).where(*where)).scalar_one()
        if not total:
            return
        size = chunk or CHUNK
        done = 0
        query = (select(*columns).join(Pair, Pair.id == Sample.pair_id).where(*where)
                 .order_by(Sample.task, Sample.id))
        for rows in _partitions(conn, query, size):
            ids = [row[0] for row in rows]
            turns: dict[int, tuple[TurnText, ...]] = {
                sample_id: tuple([TurnText(role, original, text)
                                  for _, role, original, text in group])
                for sample_id, group in groupby(_tuples(conn, (
                    select(Turn.sample_id, Turn.role, Turn.original, Turn.text)
                    .where(Turn.sample_id.in_(ids)).order_by(Turn.sample_id, Turn.idx))),
                    key=itemgetter(0))}
            changed = [row[0] for row in rows if row[-1]]
            shapes: dict[int, list[Any]] = {}
            if changed:
                for shape in conn.execute(select(*Shape.__table__.c)
                                          .where(Shape.sample_id.in_(changed))
                                          .order_by(Shape.sample_id, Shape.idx)).all():
                    shapes.setdefault(shape.sample_id, []).append(shape)
            for (sample_id, task, original_id, image, image_as_list, answer_space, status,
                 reject_reason, updated_by, edited, rel_path, source, width, height,
                 is_changed) in rows:
                sample_turns = turns.get(sample_id, ())
                problems = sample_problems(
                    task, sample_turns, answer_space=answer_space, width=width, height=height,
                    shapes=shapes.get(sample_id, ()),
                ) if is_changed else ()
                done += 1
                yield done, total, ExportRow(
                    sample_id, task, original_id, image, bool(image_as_list), rel_path, source,
                    status, reject_reason, updated_by, bool(edited), sample_turns,
                    bool(is_changed), problems)


def _driver_cursor(conn: Connection, query: Select[Any]) -> Any | None:
    """The query run on SQLite's own DBAPI cursor, or None on other databases.

    Reading a whole release through SQLAlchemy's result rows costs more than writing it;
    the DBAPI hands out plain tuples (the same values: the columns read need no conversion).
    """
    if conn.dialect.name != "sqlite":
        return None
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    positional = [params[name] for name in (compiled.positiontup or [])]
    return conn.connection.driver_connection.execute(str(compiled), positional)  # type: ignore[union-attr]


def _tuples(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    cursor = _driver_cursor(conn, query)
    if cursor is None:
        return [tuple(row) for row in conn.execute(query)]
    return cursor.fetchall()


def _partitions(conn: Connection, query: Select[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    cursor = _driver_cursor(conn, query)
    if cursor is None:
        for part in conn.execution_options(yield_per=size).execute(query).partitions():
            yield [tuple(row) for row in part]
        return
    try:
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


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
            for geometry in (*parsed.boxes, *parsed.points):
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
