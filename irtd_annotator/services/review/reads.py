"""What showing one Sample reads, as statements compiled once (see ``fast_reads``).

The review window reads these on every move to another Sample: the Sample with its Pair (one
joined row), its turns, its shapes, the Pairs of the Samples read ahead, and for the edit
tools its markers, its Pair's source boxes and the alignment settings. Each is one small
indexed query; the rows are turned into the same views the SQLAlchemy reads gave. (A
statement per number of ids: a few kinds in practice, 1-3 read ahead, 8 or 64 scanned.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, bindparam, select

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import PairInfo, SampleView, TurnView
from irtd_annotator.services.review.answers import MARKER
from irtd_annotator.services.review.fast_reads import Statements
from irtd_annotator.services.review.shapes import view_shapes
from irtd_annotator.store.schema import Pair, Sample, Setting, Shape, Turn

__all__ = ["ShapeRow", "pair_info", "read_markers", "read_pairs", "read_sample",
           "read_settings", "read_source_boxes", "task_of"]

_PAIR_COLUMNS = (Pair.id, Pair.rel_path, Pair.source, Pair.ir_path, Pair.visible_path,
                 Pair.ir_exists, Pair.visible_exists, Pair.width, Pair.height, Pair.aligned)
_SAMPLE_COLUMNS = (Sample.id, Sample.task, Sample.original_id, Sample.source_file,
                   Sample.status, Sample.reject_reason, Sample.note, Sample.edited,
                   Sample.warnings, Sample.count, Sample.options)
_N_SAMPLE = len(_SAMPLE_COLUMNS)


class ShapeRow(NamedTuple):
    """A stored shape as ``view_shapes`` reads it."""

    kind: str
    idx: int
    label: str | None
    space: str
    x1: float
    y1: float
    x2: float | None
    y2: float | None


def _sample_and_pair() -> Select[Any]:
    return (select(*_SAMPLE_COLUMNS, *_PAIR_COLUMNS).join(Pair, Pair.id == Sample.pair_id)
            .where(Sample.id == bindparam("sample_id")))


def _turns() -> Select[Any]:
    return (select(Turn.idx, Turn.role, Turn.text, Turn.original)
            .where(Turn.sample_id == bindparam("sample_id")).order_by(Turn.idx))


def _shapes() -> Select[Any]:
    return (select(Shape.kind, Shape.idx, Shape.label, Shape.space, Shape.x1, Shape.y1,
                   Shape.x2, Shape.y2)
            .where(Shape.sample_id == bindparam("sample_id"))
            .order_by(Shape.kind, Shape.idx))


def _markers() -> Select[Any]:
    return (select(Shape.x1, Shape.y1, Shape.space)
            .where(Shape.sample_id == bindparam("sample_id"), Shape.kind == MARKER)
            .order_by(Shape.idx, Shape.id))


def _source_boxes() -> Select[Any]:
    return (select(Shape.label, Shape.space, Shape.x1, Shape.y1, Shape.x2, Shape.y2)
            .where(Shape.pair_id == bindparam("pair_id"), Shape.sample_id.is_(None),
                   Shape.kind == "box").order_by(Shape.idx, Shape.id))


def _pairs_of(count: int) -> Select[Any]:
    return (select(Sample.id, *_PAIR_COLUMNS).join(Pair, Pair.id == Sample.pair_id)
            .where(Sample.id.in_([bindparam(f"id{n}") for n in range(count)])))


def _settings(count: int) -> Select[Any]:
    return select(Setting.key, Setting.value).where(
        Setting.key.in_([bindparam(f"key{n}") for n in range(count)]))


def task_of(value: str) -> Task:
    """The Task of a stored task value (an older spelling is parsed)."""
    try:
        return Task(value)
    except ValueError:
        return Task.parse(value)


def pair_info(row: Sequence[Any]) -> PairInfo:
    """A PairInfo from the columns of ``_PAIR_COLUMNS``, in that order."""
    pid, rel_path, source, ir_path, visible_path, ir_exists, visible_exists, width, height, \
        aligned = row
    return PairInfo(id=pid, rel_path=rel_path, source=source, ir_path=ir_path,
                    visible_path=visible_path, ir_exists=bool(ir_exists),
                    visible_exists=bool(visible_exists), width=width, height=height,
                    aligned=bool(aligned))


def read_sample(reads: Statements, conn: Connection, sample_id: int) -> SampleView:
    """The SampleView of ``sample_id``; LookupError when it is not in the project."""
    found = reads.rows(conn, _sample_and_pair, sample_id=sample_id)
    if not found:
        raise LookupError(f"sample {sample_id} is not in the project")
    row = found[0]
    (sid, task, original_id, source_file, status, reject_reason, note, edited, warnings,
     count, options) = row[:_N_SAMPLE]
    info = pair_info(row[_N_SAMPLE:])
    turns = tuple(TurnView(idx, role, text, original) for idx, role, text, original
                  in reads.rows(conn, _turns, sample_id=sample_id))
    shapes = [ShapeRow(*r) for r in reads.rows(conn, _shapes, sample_id=sample_id)]
    boxes, points = view_shapes(shapes, width=info.width, height=info.height)
    return SampleView(
        id=sid, task=task_of(task), original_id=original_id, source_file=source_file,
        status=ReviewStatus(status), reject_reason=reject_reason, note=note,
        edited=bool(edited), pair=info, turns=turns, boxes=boxes, points=points,
        warnings=tuple(w for w in (warnings or "").split("; ") if w),
        count=count, options=tuple(options or ""),
    )


def read_pairs(reads: Statements, conn: Connection,
               sample_ids: Sequence[int]) -> dict[int, PairInfo]:
    """The Pair of each Sample id (unknown ids left out), in one query."""
    wanted = list(dict.fromkeys(int(i) for i in sample_ids))
    if not wanted:
        return {}
    count = len(wanted)
    rows = reads.rows(conn, partial(_pairs_of, count), key=("pairs_of", count),
                      **{f"id{n}": sid for n, sid in enumerate(wanted)})
    return {row[0]: pair_info(row[1:]) for row in rows}


def read_markers(reads: Statements, conn: Connection,
                 sample_id: int) -> list[tuple[Any, ...]]:
    """The rows (x1, y1, space) of the Sample's click-to-count markers, in the order placed."""
    return reads.rows(conn, _markers, sample_id=sample_id)


def read_source_boxes(reads: Statements, conn: Connection,
                      pair_id: int) -> list[tuple[Any, ...]]:
    """The rows (label, space, x1, y1, x2, y2) of the Pair's source boxes, in order."""
    return reads.rows(conn, _source_boxes, pair_id=pair_id)


def read_settings(reads: Statements, conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """The JSON values stored under ``keys`` (keys not stored are left out)."""
    count = len(keys)
    rows = reads.rows(conn, partial(_settings, count), key=("settings", count),
                      **{f"key{n}": key for n, key in enumerate(keys)})
    return {key: json.loads(value) for key, value in rows}
