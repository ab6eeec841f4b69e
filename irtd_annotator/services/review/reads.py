"""What showing one Sample reads, as views (the statements, compiled once, are
``store.sample_view``).

The review window reads these on every move to another Sample: the Sample with its Pair, its
turns, its shapes, the Pairs of the Samples read ahead, and for the edit tools its markers,
its Pair's source boxes and the alignment settings. The rows are turned into the same views
the SQLAlchemy reads gave.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import PairInfo, SampleView, TurnView
from irtd_annotator.services.review.shapes import view_shapes
from irtd_annotator.services.risk import sample_risk
from irtd_annotator.store import sample_view as store
from irtd_annotator.store.fast_reads import Statements

__all__ = ["ShapeRow", "pair_info", "read_markers", "read_pairs", "read_sample",
           "read_settings", "read_source_boxes", "task_of"]

_N_SAMPLE = len(store.SAMPLE_COLUMNS)


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


def task_of(value: str) -> Task:
    """The Task of a stored task value (an older spelling is parsed)."""
    try:
        return Task(value)
    except ValueError:
        return Task.parse(value)


def pair_info(row: Sequence[Any]) -> PairInfo:
    """A PairInfo from the columns of ``store.sample_view.PAIR_COLUMNS``, in that order."""
    pid, rel_path, source, ir_path, visible_path, ir_exists, visible_exists, width, height, \
        aligned = row
    return PairInfo(id=pid, rel_path=rel_path, source=source, ir_path=ir_path,
                    visible_path=visible_path, ir_exists=bool(ir_exists),
                    visible_exists=bool(visible_exists), width=width, height=height,
                    aligned=bool(aligned))


def read_sample(reads: Statements, conn: Connection, sample_id: int) -> SampleView:
    """The SampleView of ``sample_id``; LookupError when it is not in the project."""
    row = store.sample_and_pair_row(reads, conn, sample_id)
    if row is None:
        raise LookupError(f"sample {sample_id} is not in the project")
    (sid, task, original_id, source_file, status, reject_reason, note, edited, warnings,
     count, options, version, decided_by) = row[:_N_SAMPLE]
    info = pair_info(row[_N_SAMPLE:])
    turns = tuple(TurnView(idx, role, text, original) for idx, role, text, original
                  in store.turn_rows(reads, conn, sample_id))
    shapes = [ShapeRow(*r) for r in store.shape_rows(reads, conn, sample_id)]
    boxes, points = view_shapes(shapes, width=info.width, height=info.height)
    return SampleView(
        id=sid, task=task_of(task), original_id=original_id, source_file=source_file,
        status=ReviewStatus(status), reject_reason=reject_reason, note=note,
        edited=bool(edited), pair=info, turns=turns, boxes=boxes, points=points,
        warnings=tuple(w for w in (warnings or "").split("; ") if w),
        count=count, options=tuple(options or ""), version=int(version or 0),
        decided_by=decided_by,
        risk=sample_risk(conn, sid, pair_id=info.id),
    )


def read_pairs(reads: Statements, conn: Connection,
               sample_ids: Sequence[int]) -> dict[int, PairInfo]:
    """The Pair of each Sample id (unknown ids left out), in one query."""
    wanted = list(dict.fromkeys(int(i) for i in sample_ids))
    if not wanted:
        return {}
    return {row[0]: pair_info(row[1:]) for row in store.pair_rows_of(reads, conn, wanted)}


def read_markers(reads: Statements, conn: Connection,
                 sample_id: int) -> list[tuple[Any, ...]]:
    """The rows (x1, y1, space) of the Sample's click-to-count markers, in the order placed."""
    return store.marker_rows(reads, conn, sample_id)


def read_source_boxes(reads: Statements, conn: Connection,
                      pair_id: int) -> list[tuple[Any, ...]]:
    """The rows (label, space, x1, y1, x2, y2) of the Pair's source boxes, in order."""
    return store.source_box_rows(reads, conn, pair_id)


def read_settings(reads: Statements, conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """The JSON values stored under ``keys`` (keys not stored are left out)."""
    return {key: json.loads(value) for key, value in store.setting_rows(reads, conn, keys)}
