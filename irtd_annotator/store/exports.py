"""What an export reads: the Samples of a release and their Turns, as two ordered reads in
one read transaction, and the few extra rows of the Samples a person changed.

Both reads are sorted by (task, id), so the service merges them chunk by chunk: an export sees
one consistent state of the store, sends each Sample's columns once (not once per Turn), and
never holds more than a chunk in memory. On SQLite both run on the DBAPI cursor: plain tuples,
no per-row work in SQLAlchemy (that was most of an export's time at 260,000 Samples).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    String,
    case,
    column,
    func,
    null,
    or_,
    select,
    table,
    text,
)

from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

# The columns of a Sample row, in this order; the first eight are the review report's.
SAMPLE_COLUMNS: tuple[str, ...] = (
    "task", "source", "original_id", "sample_id", "status", "reject_reason", "updated_by",
    "edited", "image", "image_as_list", "rel_path", "decided_by")
TASK, SOURCE, ORIGINAL_ID, SAMPLE_ID, STATUS = 0, 1, 2, 3, 4
EDITED, IMAGE, IMAGE_AS_LIST, REL_PATH, DECIDED_BY = 7, 8, 9, 10, 11
REPORT_WIDTH = 8  # the leading Sample columns the report takes as they are
# A Turn row: (role, text, original when it differs from text else None, sample id).

Rows = Generator[list[tuple[Any, ...]], None, None]


@dataclass
class ExportRead:
    """The two ordered reads of an export, open in one read transaction.

    ``samples`` yields lists of Sample rows (SAMPLE_COLUMNS) ``size`` at a time; ``turns``
    lists of Turn rows in the same order, a Sample without Turns as one row of NULLs. Neither
    runs its query before it is first read.
    """

    conn: Connection
    total: int  # the Samples the filters select
    samples: Rows
    turns: Rows


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


@contextmanager
def export_read(engine: Engine, *, statuses: Sequence[str] | None, tasks: Sequence[str],
                sources: Sequence[str], annotators: Sequence[str], rel_paths: bool,
                size: int) -> Iterator[ExportRead]:
    """Open the reads of the Samples matching the filters, by (task, id), ``size`` at a time.

    ``statuses`` None means every status; ``rel_paths`` false leaves the Pair's rel_path out
    (None). Both cursors end before the read transaction does, at the block's end.
    """
    with engine.connect() as conn, _Snapshot(conn):
        pairs = _pair_columns(conn, rel_paths=rel_paths)
        where = _filters(pairs, statuses=statuses, tasks=tasks, sources=sources,
                         annotators=annotators)
        order = (Sample.task, Sample.id)
        samples = (select(Sample.task, pairs.c.source, Sample.original_id, Sample.id,
                          Sample.status, Sample.reject_reason, Sample.updated_by, Sample.edited,
                          Sample.image, Sample.image_as_list,
                          pairs.c.rel_path if rel_paths else null(), Sample.decided_by)
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
        sample_parts = _partitions(conn, samples, size)
        turn_parts = _partitions(conn, turns, size * 4)
        try:
            yield ExportRead(conn, total, sample_parts, turn_parts)
        finally:  # both cursors end before the transaction does
            sample_parts.close()
            turn_parts.close()


class _Snapshot:
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


def changed_sample_rows(conn: Connection, ids: Sequence[int]) -> tuple[
        dict[int, tuple[str, int | None, int | None]], dict[int, list[Any]]]:
    """What validating the changed Samples ``ids`` needs beyond the export's rows: each one's
    (answer space, image width, height), and its Shape rows (every column) by idx."""
    extra = {sample_id: (answer_space, width, height) for sample_id, answer_space, width, height
             in conn.execute(select(Sample.id, Sample.answer_space, Pair.width, Pair.height)
                             .join(Pair, Pair.id == Sample.pair_id).where(Sample.id.in_(ids)))}
    shapes: dict[int, list[Any]] = {}
    for shape in conn.execute(select(*Shape.__table__.c).where(Shape.sample_id.in_(ids))
                              .order_by(Shape.sample_id, Shape.idx)).all():
        shapes.setdefault(shape.sample_id, []).append(shape)
    return extra, shapes


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


def _partitions(conn: Connection, query: Select[Any], size: int) -> Rows:
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


def image_path_near(conn: Connection, place: str) -> str | None:
    """A Pair's image path (infrared or visible) inside the folder ``place``, or right inside
    one of its ancestors; None when there is none. One scan of the Pairs' paths."""
    ancestors = [str(p) for p in (Path(place), *Path(place).parents) if p.parent != p]
    tests = ["substr(p, 1, :n0) = :a0"]
    params: dict[str, Any] = {"n0": len(place) + 1, "a0": place + os.sep}
    for i, folder in enumerate(ancestors, start=1):
        tests.append(f"(substr(p, 1, :n{i}) = :a{i} AND substr(p, :n{i} + 1) NOT LIKE :inner)")
        params.update({f"n{i}": len(folder) + 1, f"a{i}": folder + os.sep})
    row = conn.execute(text(
        "SELECT p FROM (SELECT ir_path AS p FROM pairs UNION ALL SELECT visible_path FROM "
        f"pairs) AS paths WHERE p IS NOT NULL AND ({' OR '.join(tests)}) LIMIT 1"),
        {**params, "inner": f"%{os.sep}%"}).first()
    return None if row is None else str(row[0])
