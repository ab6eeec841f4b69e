"""What showing one Sample reads, as statements compiled once (see ``fast_reads``).

The review window reads these on every move to another Sample: the Sample with its Pair (one
joined row), its turns, its shapes, the Pairs of the Samples read ahead, and for the edit
tools its markers, its Pair's source boxes and the alignment settings. Each is one small
indexed query returning plain tuples; ``services.review.reads`` turns them into views. (A
statement per number of ids: a few kinds in practice, 1-3 read ahead, 8 or 64 scanned.)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, bindparam, select

from irtd_annotator.store.fast_reads import Statements
from irtd_annotator.store.schema import MARKER, Pair, Sample, Setting, Shape, Turn

Row = tuple[Any, ...]

PAIR_COLUMNS = (Pair.id, Pair.rel_path, Pair.source, Pair.ir_path, Pair.visible_path,
                Pair.ir_exists, Pair.visible_exists, Pair.width, Pair.height, Pair.aligned)
SAMPLE_COLUMNS = (Sample.id, Sample.task, Sample.original_id, Sample.source_file,
                  Sample.status, Sample.reject_reason, Sample.note, Sample.edited,
                  Sample.warnings, Sample.count, Sample.options, Sample.version,
                  Sample.decided_by)


if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Unpack

    # Any select: SQLAlchemy 2.1 types a Select by its columns, which callers need not know.
    AnySelect: TypeAlias = Select[Unpack[tuple[Any, ...]]]


def _sample_and_pair() -> AnySelect:
    return (select(*SAMPLE_COLUMNS, *PAIR_COLUMNS).join(Pair, Pair.id == Sample.pair_id)
            .where(Sample.id == bindparam("sample_id")))


def _turns() -> AnySelect:
    return (select(Turn.idx, Turn.role, Turn.text, Turn.original)
            .where(Turn.sample_id == bindparam("sample_id")).order_by(Turn.idx))


def _shapes() -> AnySelect:
    return (select(Shape.kind, Shape.idx, Shape.label, Shape.space, Shape.x1, Shape.y1,
                   Shape.x2, Shape.y2)
            .where(Shape.sample_id == bindparam("sample_id"))
            .order_by(Shape.kind, Shape.idx))


def _markers() -> AnySelect:
    return (select(Shape.x1, Shape.y1, Shape.space)
            .where(Shape.sample_id == bindparam("sample_id"), Shape.kind == MARKER)
            .order_by(Shape.idx, Shape.id))


def _source_boxes() -> AnySelect:
    return (select(Shape.label, Shape.space, Shape.x1, Shape.y1, Shape.x2, Shape.y2)
            .where(Shape.pair_id == bindparam("pair_id"), Shape.sample_id.is_(None),
                   Shape.kind == "box").order_by(Shape.idx, Shape.id))


def _pairs_of(count: int) -> AnySelect:
    return (select(Sample.id, *PAIR_COLUMNS).join(Pair, Pair.id == Sample.pair_id)
            .where(Sample.id.in_([bindparam(f"id{n}") for n in range(count)])))


def _settings(count: int) -> AnySelect:
    return select(Setting.key, Setting.value).where(
        Setting.key.in_([bindparam(f"key{n}") for n in range(count)]))


def sample_and_pair_row(reads: Statements, conn: Connection, sample_id: int) -> Row | None:
    """The Sample's SAMPLE_COLUMNS then its Pair's PAIR_COLUMNS, or None when not stored."""
    found = reads.rows(conn, _sample_and_pair, sample_id=sample_id)
    return found[0] if found else None


def turn_rows(reads: Statements, conn: Connection, sample_id: int) -> list[Row]:
    """(idx, role, text, original) of the Sample's turns, in order."""
    return reads.rows(conn, _turns, sample_id=sample_id)


def shape_rows(reads: Statements, conn: Connection, sample_id: int) -> list[Row]:
    """(kind, idx, label, space, x1, y1, x2, y2) of the Sample's shapes, by kind and idx."""
    return reads.rows(conn, _shapes, sample_id=sample_id)


def pair_rows_of(reads: Statements, conn: Connection, sample_ids: Sequence[int]) -> list[Row]:
    """(sample id, *PAIR_COLUMNS) of each of ``sample_ids`` (distinct; unknown ones left out)."""
    count = len(sample_ids)
    return reads.rows(conn, partial(_pairs_of, count), key=("pairs_of", count),
                      **{f"id{n}": sid for n, sid in enumerate(sample_ids)})


def marker_rows(reads: Statements, conn: Connection, sample_id: int) -> list[Row]:
    """The rows (x1, y1, space) of the Sample's click-to-count markers, in the order placed."""
    return reads.rows(conn, _markers, sample_id=sample_id)


def source_box_rows(reads: Statements, conn: Connection, pair_id: int) -> list[Row]:
    """The rows (label, space, x1, y1, x2, y2) of the Pair's source boxes, in order."""
    return reads.rows(conn, _source_boxes, pair_id=pair_id)


def setting_rows(reads: Statements, conn: Connection, keys: Sequence[str]) -> list[Row]:
    """(key, JSON text) of those of ``keys`` that are stored."""
    count = len(keys)
    return reads.rows(conn, partial(_settings, count), key=("settings", count),
                      **{f"key{n}": key for n, key in enumerate(keys)})
