"""The Samples of an export, streamed from the store in (task, id) order and checked.

Two ordered reads run side by side in one read transaction: the Samples (with their Pair's
source) and their Turns, sorted the same way, merged chunk by chunk. So an export sees one
consistent state of the store, sends each Sample's columns once (not once per Turn), and
never holds more than a chunk in memory. On SQLite both run on the DBAPI cursor: plain tuples,
no per-row work in SQLAlchemy (that was most of an export's time at 260,000 Samples).

A Sample a person changed (edited, or a Turn differs from its original) is validated again
before it is exported: its answer must parse and its geometry must lie inside the image.
"""

from __future__ import annotations

from itertools import chain, groupby, islice
from operator import itemgetter
from typing import Any, Iterator, NamedTuple, Sequence

from sqlalchemy import (
    Connection, Engine, Integer, Select, String, case, column, func, null, or_, select, table,
)

from irtd_annotator.domain.errors import StoreError
from irtd_annotator.domain.markup import MarkupError, parse_answer
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

CHUNK = 2_000
_FREE_TEXT = (Task.CAPTION, Task.INSTRUCTION)

# The columns of a Sample row, in this order; the first eight are the review report's.
SAMPLE_COLUMNS: tuple[str, ...] = (
    "task", "source", "original_id", "sample_id", "status", "reject_reason", "updated_by",
    "edited", "image", "image_as_list", "rel_path")
TASK, SOURCE, ORIGINAL_ID, SAMPLE_ID, STATUS = 0, 1, 2, 3, 4
EDITED, IMAGE, IMAGE_AS_LIST, REL_PATH = 7, 8, 9, 10
REPORT_WIDTH = 8  # the leading Sample columns the report takes as they are
# A Turn row: (role, text, original when it differs from text else None, sample id).


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

    ``rows`` are tuples of SAMPLE_COLUMNS, ``turns`` the Turn rows of each (same positions);
    ``checked`` holds, by position, the changed Samples only: unchanged ones are exported as
    imported and need no validation. Plain tuples and lists: an export reads 260,000 Samples.
    """

    done: int  # Samples read so far, this chunk included
    total: int
    rows: list[tuple[Any, ...]]
    turns: list[list[tuple[Any, ...]]]
    checked: dict[int, Checked]


def _filters(pairs: Any, *, statuses: Sequence[str] | None, tasks: Sequence[str],
             sources: Sequence[str], annotators: Sequence[str]) -> list[Any]:
    where: list[Any] = []
    if statuses is not None:
        where.append(Sample.status.in_(list(statuses)))
    if tasks:
        where.append(Sample.task.in_(list(tasks)))
    if sources:
        # "63-FLIR_ADAS" or just "FLIR_ADAS" (the name without IR-TD's index)
        where.append(or_(pairs.c.source.in_(list(sources)),
                         *[pairs.c.source.endswith(f"-{s}", autoescape=True) for s in sources]))
    if annotators:
        where.append(Sample.updated_by.in_(list(annotators)))
    return where


def _pair_columns(conn: Connection, *, rel_paths: bool) -> Any:
    """What the export reads of the Pairs: on SQLite a narrow copy made for this read.

    Looking up 260,000 Samples' Pairs in the wide pairs table (paths of two images each) cost
    ~0.6 s; in a temporary (id, source, rel_path) table of the same snapshot, about half. It
    lives in SQLite's temporary store, not in Python, and goes with the read transaction.
    """
    if conn.dialect.name != "sqlite":
        return Pair.__table__
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("DROP TABLE IF EXISTS temp.export_pairs")
    driver.execute("CREATE TEMP TABLE export_pairs "
                   "(id INTEGER PRIMARY KEY, source TEXT NOT NULL, rel_path TEXT)")
    driver.execute("INSERT INTO temp.export_pairs (id, source, rel_path) SELECT id, source, "
                   f"{'rel_path' if rel_paths else 'NULL'} FROM pairs")
    return table("export_pairs", column("id", Integer), column("source", String),
                 column("rel_path", String), schema="temp")


def iter_export_chunks(engine: Engine, *, statuses: Sequence[str] | None,
                       tasks: Sequence[str] = (), sources: Sequence[str] = (),
                       annotators: Sequence[str] = (), rel_paths: bool = False,
                       chunk: int | None = None) -> Iterator[ExportChunk]:
    """Yield the Samples matching the filters, by (task, id), ``chunk`` at a time (CHUNK).

    ``statuses`` None means every status; ``rel_paths`` false leaves the Pair's rel_path out
    (None): it is only needed to write a prefix. Changed Samples carry their problems.
    """
    size = chunk or CHUNK
    with engine.connect() as conn, _snapshot(conn):
        pairs = _pair_columns(conn, rel_paths=rel_paths)
        where = _filters(pairs, statuses=statuses, tasks=tasks, sources=sources,
                         annotators=annotators)
        order = (Sample.task, Sample.id)
        samples = (select(Sample.task, pairs.c.source, Sample.original_id, Sample.id,
                          Sample.status, Sample.reject_reason, Sample.updated_by, Sample.edited,
                          Sample.image, Sample.image_as_list,
                          pairs.c.rel_path if rel_paths else null())
                   .join(pairs, pairs.c.id == Sample.pair_id).where(*where).order_by(*order))
        # The same Samples' Turns in the same order; the original only where it differs. A
        # Sample without Turns has one row of NULLs (outer join): one group per Sample, always.
        turns = select(Turn.role, Turn.text,
                       case((Turn.text == Turn.original, None), else_=Turn.original),
                       Sample.id).select_from(Sample)
        count = select(func.count()).select_from(Sample)
        if sources:  # the Pair is needed only to filter by source
            turns = turns.join(pairs, pairs.c.id == Sample.pair_id)
            count = count.join(pairs, pairs.c.id == Sample.pair_id)
        turns = (turns.outerjoin(Turn, Turn.sample_id == Sample.id).where(*where)
                 .order_by(*order, Turn.idx))
        total = int(conn.execute(count.where(*where)).scalar_one())
        if not total:
            return
        differing: set[int] = set()  # Samples with a Turn whose text is not its original
        bare: set[int] = set()  # Samples without Turns
        turn_parts = _noting(_partitions(conn, turns, size * 4), differing, bare)
        sample_rows = _partitions(conn, samples, size)
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


def _noting(parts: Iterator[list[tuple[Any, ...]]], differing: set[int],
            bare: set[int]) -> Iterator[list[tuple[Any, ...]]]:
    """Pass Turn rows on a list at a time, noting the Samples with a changed Turn or none.

    Every Sample's rows are noted before its group is complete, so before it is looked at.
    """
    try:
        for part in parts:
            differing.update([row[3] for row in part if row[2] is not None])
            bare.update([row[3] for row in part if row[0] is None])
            yield part
    finally:
        parts.close()  # type: ignore[attr-defined]


class _snapshot:
    """One read transaction around the export's queries (count, Samples, Turns), on SQLite.

    SQLite's driver starts no transaction for a SELECT: without it the count and the two
    ordered reads could each see a different state of the store.
    """

    def __init__(self, conn: Connection) -> None:
        self.driver = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None

    def __enter__(self) -> None:
        if self.driver is not None and not self.driver.in_transaction:
            self.driver.execute("BEGIN")
        else:
            self.driver = None

    def __exit__(self, *_exc: object) -> None:
        if self.driver is not None:
            self.driver.rollback()  # read only: nothing to keep


def _check(conn: Connection, rows: list[tuple[Any, ...]], turns: list[list[tuple[Any, ...]]],
           changed: list[int]) -> dict[int, Checked]:
    """Validate the changed Samples of a chunk (few: the ones people edited)."""
    ids = [rows[position][SAMPLE_ID] for position in changed]
    extra = {sample_id: (answer_space, width, height) for sample_id, answer_space, width, height
             in conn.execute(select(Sample.id, Sample.answer_space, Pair.width, Pair.height)
                             .join(Pair, Pair.id == Sample.pair_id).where(Sample.id.in_(ids)))}
    shapes: dict[int, list[Any]] = {}
    for shape in conn.execute(select(*Shape.__table__.c).where(Shape.sample_id.in_(ids))
                              .order_by(Shape.sample_id, Shape.idx)).all():
        shapes.setdefault(shape.sample_id, []).append(shape)
    checked: dict[int, Checked] = {}
    for position, sample_id in zip(changed, ids):
        own = tuple(TurnText(role, text if original is None else original, text)
                    for role, text, original, _ in turns[position])
        answer_space, width, height = extra[sample_id]
        checked[position] = Checked(own, sample_problems(
            rows[position][TASK], own, answer_space=answer_space, width=width, height=height,
            shapes=shapes.get(sample_id, ())))
    return checked


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
    return conn.connection.driver_connection.cursor().execute(  # type: ignore[union-attr]
        str(compiled), positional)


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
            if parsed.count is not None and parsed.count < 0:  # a person wrote it: checked
                problems.append(f"negative count {parsed.count}")
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
