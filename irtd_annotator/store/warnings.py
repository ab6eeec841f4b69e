"""What refreshing the consistency warnings of many Samples reads and writes.

A whole project is refreshed with a handful of queries: the Samples (with their Pair's size
and source) and Shapes of some Pairs or all, the turns whose text counts, and the changes in
two ``executemany``. The rules are ``services.warnings_refresh``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from irtd_annotator.store.bulk import chunks
from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

Row = tuple[Any, ...]

# What is read of each Sample and Shape (a bulk writer's KnownRows holds the same tuples).
SAMPLE_ROW = (Sample.id, Sample.task, Sample.pair_id, Sample.answer_space, Sample.count,
              Sample.options, Sample.warnings, Sample.edited, Pair.width, Pair.height,
              Pair.source)
SHAPE_ROW = (Shape.id, Shape.pair_id, Shape.sample_id, Shape.kind, Shape.label, Shape.space,
             Shape.x1, Shape.y1, Shape.x2, Shape.y2, Shape.outside)


def sample_rows(conn: Connection, *, pair_ids: Sequence[int] | None,
                below: int | None) -> list[Row]:
    """The SAMPLE_ROW tuples of the Samples on ``pair_ids`` (all Pairs when None); with
    ``below``, of Pairs with a smaller id only."""
    query = select(*SAMPLE_ROW).join(Pair, Pair.id == Sample.pair_id)
    if below is not None:
        query = query.where(Sample.pair_id < below)
    return pair_rows(conn, query, Sample.pair_id, pair_ids)


def shape_rows(conn: Connection, *, pair_ids: Sequence[int] | None,
               below: int | None) -> list[Row]:
    """The SHAPE_ROW tuples of the Shapes on ``pair_ids`` (all Pairs when None); with
    ``below``, of Pairs with a smaller id only."""
    query = select(*SHAPE_ROW)
    if below is not None:
        query = query.where(Shape.pair_id < below)
    return pair_rows(conn, query, Shape.pair_id, pair_ids)


def turn_rows(conn: Connection, *, first_of: list[int], all_of: list[int]) -> list[Row]:
    """(sample id, idx, role, text) of the first turn of the Samples ``first_of`` and of every
    turn of ``all_of``."""
    found: list[Row] = []
    jobs: list[tuple[list[int], Any]] = [(c, Turn.idx == 0) for c in chunks(first_of)]
    jobs += [(c, None) for c in chunks(all_of)]
    for chunk, only in jobs:
        query = select(Turn.sample_id, Turn.idx, Turn.role, Turn.text).where(
            Turn.sample_id.in_(chunk))
        found.extend(conn.execute(query if only is None else query.where(only)).all())
    return found


def write_warnings(conn: Connection, *, warnings: list[dict[str, Any]],
                   outside: list[dict[str, Any]]) -> None:
    """Set Samples' warnings ({"p_id", "p_warnings"}) and Shapes' outside flags
    ({"p_id", "p_outside"}), each in one executemany."""
    if warnings:
        conn.execute(update(Sample).where(Sample.id == bindparam("p_id"))
                     .values(warnings=bindparam("p_warnings")), warnings)
    if outside:
        conn.execute(update(Shape).where(Shape.id == bindparam("p_id"))
                     .values(outside=bindparam("p_outside")), outside)


def warned_samples(conn: Connection) -> Sequence[Any]:
    """(pair id, warnings) of every Sample with warnings."""
    return conn.execute(select(Sample.pair_id, Sample.warnings)
                        .where(Sample.warnings.is_not(None))).all()


def pair_rows(conn: Connection, query: Any, column: Any,
          ids: Sequence[int] | None) -> list[Row]:
    """The rows of ``query`` as plain tuples: for the Pairs ``ids``, or all when None.

    The whole-project read goes through the driver's cursor (SQL compiled for the store's
    dialect, no parameters): SQLAlchemy's row objects would cost more than the query.
    """
    if ids is None:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(str(query.compile(dialect=conn.dialect,
                                             compile_kwargs={"literal_binds": True})))
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
    rows: list[Row] = []
    for chunk in chunks(list(dict.fromkeys(ids))):
        rows.extend(tuple(r) for r in conn.execute(query.where(column.in_(chunk))))
    return rows

