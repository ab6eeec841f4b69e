"""What keeping the risk scores reads and writes (the rules: ``services/risk.py``).

The Samples of some Pairs or all, their turns, the counted shapes (source boxes, Location
points) per Pair and label, the free-text answers' lengths, and the changed scores in one
executemany. Whole-project reads go through the driver's cursor: 260,000 rows of SQLAlchemy
row objects would cost more than the queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update

from irtd_annotator.store.schema import Pair, Sample, Shape, Turn
from irtd_annotator.store.warnings import pair_rows

Row = tuple[Any, ...]
_TURNS = select(Turn.sample_id, Turn.idx, Turn.role, Turn.text).order_by(Turn.sample_id, Turn.idx)
_COUNTED = (select(Shape.pair_id, Shape.sample_id, Shape.label, func.count())
            .where(or_(and_(Shape.sample_id.is_(None), Shape.kind == "box"),
                       and_(Shape.sample_id.is_not(None), Shape.kind == "point")))
            .group_by(Shape.pair_id, Shape.sample_id, Shape.label))

# What is read of each Sample: (id, task, pair_id, count, warnings, risk, risk_parts)
SAMPLE_ROW = (Sample.id, Sample.task, Sample.pair_id, Sample.count, Sample.warnings,
              Sample.risk, Sample.risk_parts)


Span = tuple[int, int]  # the Pairs with ids from .. to (both included)


def pair_spans(conn: Connection, size: int) -> list[Span]:
    """The project's Pairs in spans of ``size`` Pairs each, in id order."""
    ids = [row[0] for row in pair_rows(conn, select(Pair.id).order_by(Pair.id), Pair.id, None)]
    return [(ids[start], ids[min(start + size, len(ids)) - 1])
            for start in range(0, len(ids), size)]


def sample_rows(conn: Connection, pair_ids: Sequence[int] | None) -> list[Row]:
    """The SAMPLE_ROW tuples of the Samples on ``pair_ids`` (all when None)."""
    return pair_rows(conn, select(*SAMPLE_ROW), Sample.pair_id, pair_ids)


def span_rows(conn: Connection, span: Span) -> tuple[list[Row], list[Row], list[Row]]:
    """``sample_rows``, ``turn_rows`` and ``counted_shapes`` of the Pairs of ``span``, each
    read in one query through the driver's cursor."""
    first, last = span
    samples = pair_rows(conn, select(*SAMPLE_ROW).where(Sample.pair_id.between(first, last)),
                        Sample.pair_id, None)
    on_span = select(Sample.id).where(Sample.pair_id.between(first, last))
    turns = pair_rows(conn, _TURNS.where(Turn.sample_id.in_(on_span)), Turn.sample_id, None)
    shapes = pair_rows(conn, _COUNTED.where(Shape.pair_id.between(first, last)),
                       Shape.pair_id, None)
    return samples, turns, shapes


def turn_rows(conn: Connection, sample_ids: Sequence[int] | None) -> list[Row]:
    """(sample id, idx, role, text) of every turn of ``sample_ids`` (all when None), in idx
    order per Sample. By the Samples' ids, not their Pairs: a join on the Pairs lets SQLite
    walk every turn in the order asked for (6 ms for one Pair of 20,000 Samples)."""
    return pair_rows(conn, _TURNS, Turn.sample_id, sample_ids)


def counted_shapes(conn: Connection, pair_ids: Sequence[int] | None) -> list[Row]:
    """(pair id, sample id or None, label, number) of the source boxes (no Sample) and of
    the answer points (Location) per Pair, owner and label."""
    return pair_rows(conn, _COUNTED, Shape.pair_id, pair_ids)


def answer_lengths(conn: Connection, tasks: Sequence[str]) -> list[Row]:
    """(task, length) of each Sample of ``tasks``: its gpt turns' characters, with one line
    break between two turns (as ``services/risk`` joins them)."""
    length = func.sum(func.length(Turn.text)) + func.count() - 1
    query = (select(Sample.task, length).join(Turn, Turn.sample_id == Sample.id)
             .where(Sample.task.in_(list(tasks)), Turn.role == "gpt")
             .group_by(Sample.id, Sample.task))
    return [tuple(r) for r in conn.execute(query)]


def pair_of(conn: Connection, sample_id: int) -> int | None:
    """The Pair of a Sample, None when there is no such Sample."""
    found: int | None = conn.execute(select(Sample.pair_id).where(Sample.id == sample_id)).scalar()
    return found


def write_risk(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Set Samples' scores: {"p_id", "p_risk", "p_parts"} each, in one executemany."""
    if rows:
        conn.execute(update(Sample).where(Sample.id == bindparam("p_id"))
                     .values(risk=bindparam("p_risk"), risk_parts=bindparam("p_parts")), rows)
