"""The rows behind a Sample's answer: what rewriting it reads (task, space, image size, turns),
the shapes derived from its text, and the other shapes on its Pair the warnings look at.
Named statements in the caller's transaction (services/review/answers.py holds the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

__all__ = ["answer_source", "other_shapes", "replace_derived_shapes", "shape_count",
           "turn_rows"]


def answer_source(conn: Connection, sample_id: int) -> Any:
    """(task, pair_id, answer_space, width, height, source) of the Sample and its Pair;
    NoResultFound when there is no such Sample."""
    return conn.execute(
        select(Sample.task, Sample.pair_id, Sample.answer_space, Pair.width, Pair.height,
               Pair.source)
        .join(Pair, Pair.id == Sample.pair_id).where(Sample.id == sample_id)).one()


def turn_rows(conn: Connection, sample_id: int) -> list[Any]:
    """(idx, role, text) of the Sample's turns, in order."""
    return list(conn.execute(select(Turn.idx, Turn.role, Turn.text)
                             .where(Turn.sample_id == sample_id).order_by(Turn.idx)).all())


def replace_derived_shapes(conn: Connection, sample_id: int, rows: Sequence[dict[str, object]],
                           *, kinds: Sequence[str]) -> None:
    """Put ``rows`` in place of the Sample's shapes of ``kinds`` (those its text gives)."""
    conn.execute(delete(Shape).where(Shape.sample_id == sample_id, Shape.kind.in_(kinds)))
    if rows:
        conn.execute(insert(Shape), list(rows))


def shape_count(conn: Connection, sample_id: int, *, kind: str) -> int:
    """How many shapes of ``kind`` the Sample has."""
    return int(conn.execute(select(func.count()).select_from(Shape).where(
        Shape.sample_id == sample_id, Shape.kind == kind)).scalar() or 0)


def other_shapes(conn: Connection, pair_id: int, sample_id: int) -> list[Any]:
    """(kind, label, sample_id, task) of the Pair's shapes not of this Sample: the other
    Samples' and the source dataset's (sample_id and task None)."""
    return list(conn.execute(
        select(Shape.kind, Shape.label, Shape.sample_id, Sample.task)
        .join(Sample, Sample.id == Shape.sample_id, isouter=True)
        .where(Shape.pair_id == pair_id,
               (Shape.sample_id != sample_id) | Shape.sample_id.is_(None))).all())
