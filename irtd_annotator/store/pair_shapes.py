"""The shapes that belong to a Pair rather than to a Sample's answer: the source dataset's own
boxes (Shapes without a Sample) and a Sample's click-to-count markers; with the Pair's row,
its Samples and the labels its source uses. Named statements in the caller's transaction
(services/review/pair_editing.py holds the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from irtd_annotator.store.schema import Pair, Sample, Shape

__all__ = [
    "label_counts",
    "marker_rows",
    "pair_row",
    "pair_sample_ids",
    "replace_markers",
    "replace_source_boxes",
    "source_box_rows",
]


def pair_row(conn: Connection, pair_id: int) -> Any:
    """(id, source, width, height) of the Pair; LookupError when it is not in the project."""
    row = conn.execute(select(Pair.id, Pair.source, Pair.width, Pair.height)
                       .where(Pair.id == pair_id)).first()
    if row is None:
        raise LookupError(f"pair {pair_id} is not in the project")
    return row


def pair_sample_ids(conn: Connection, pair_id: int) -> frozenset[int]:
    """The ids of the Pair's Samples."""
    return frozenset(conn.execute(select(Sample.id).where(Sample.pair_id == pair_id)).scalars())


def source_box_rows(conn: Connection, pair_id: int) -> list[tuple[Any, ...]]:
    """(label, space, x1, y1, x2, y2) of the Pair's source boxes, in order."""
    return [tuple(r) for r in conn.execute(
        select(Shape.label, Shape.space, Shape.x1, Shape.y1, Shape.x2, Shape.y2)
        .where(Shape.pair_id == pair_id, Shape.sample_id.is_(None), Shape.kind == "box")
        .order_by(Shape.idx, Shape.id))]


def replace_source_boxes(conn: Connection, pair_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Put ``rows`` (label, space, x1..y2, outside each) in place of the Pair's source boxes."""
    conn.execute(delete(Shape).where(Shape.pair_id == pair_id, Shape.sample_id.is_(None),
                                     Shape.kind == "box"))
    if rows:
        conn.execute(insert(Shape), [
            {"pair_id": pair_id, "sample_id": None, "kind": "box", "idx": i, **row}
            for i, row in enumerate(rows)])


def marker_rows(conn: Connection, sample_id: int, *, kind: str) -> list[tuple[Any, ...]]:
    """(x1, y1, space) of the Sample's markers (Shapes of ``kind``), in the order placed."""
    return [tuple(r) for r in conn.execute(
        select(Shape.x1, Shape.y1, Shape.space)
        .where(Shape.sample_id == sample_id, Shape.kind == kind).order_by(Shape.idx, Shape.id))]


def replace_markers(conn: Connection, sample_id: int, pair_id: int,
                    points: Sequence[tuple[float, float, str]], *, kind: str) -> None:
    """Put ``points`` (x, y, space) in place of the Sample's markers (Shapes of ``kind``)."""
    conn.execute(delete(Shape).where(Shape.sample_id == sample_id, Shape.kind == kind))
    if points:
        conn.execute(insert(Shape), [
            {"pair_id": pair_id, "sample_id": sample_id, "kind": kind, "idx": i, "label": "",
             "space": space, "x1": x, "y1": y, "x2": None, "y2": None, "outside": False}
            for i, (x, y, space) in enumerate(points)])


def label_counts(conn: Connection, source: str, *, pairs_looked_at: int) -> list[str]:
    """The labels of boxes and points on the first ``pairs_looked_at`` Pairs of the source,
    most used first."""
    used = func.count().label("n")
    some_pairs = (select(Pair.id).where(Pair.source == source).order_by(Pair.id)
                  .limit(pairs_looked_at).scalar_subquery())
    rows = conn.execute(
        select(Shape.label, used)
        .where(Shape.pair_id.in_(some_pairs), Shape.kind.in_(("box", "point")), Shape.label != "")
        .group_by(Shape.label).order_by(used.desc(), Shape.label)).all()
    return [r.label for r in rows]
