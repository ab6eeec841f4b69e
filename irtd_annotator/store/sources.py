"""What a source-dataset import (and the demo project) writes, in the caller's transaction:
Pairs, their source boxes, and new Samples with their Turns and Shapes (SQLAlchemy Core).

Rows are inserted in bulk (``executemany``) and the new ids are read back by the unique key
(task, original_id), which works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select, tuple_

from irtd_annotator.domain.model import Box, CoordSpace, Point, ReviewStatus, Role
from irtd_annotator.domain.tasks import Task
from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

OUTSIDE_IMAGE = "outside-image"
_CHUNK = 400  # keys per IN (...) query: well under every database's parameter limit


@dataclass(frozen=True)
class NewSample:
    """A Sample to insert: its key, its Pair, its turns as ``(role, text)`` and its geometry."""

    task: Task
    original_id: str
    source_file: str
    pair_id: int
    image: str
    turns: tuple[tuple[str, str], ...]
    answer_space: CoordSpace = CoordSpace.PIXEL
    boxes: tuple[Box, ...] = ()
    points: tuple[Point, ...] = ()
    count: int | None = None
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.original_id:
            raise ValueError("a sample needs an original id")
        if not self.turns or len(self.turns) % 2:
            raise ValueError(f"sample {self.original_id}: needs an even, non-zero number of turns")
        for idx, (role, _text) in enumerate(self.turns):
            expected = Role.HUMAN.value if idx % 2 == 0 else Role.GPT.value
            if role != expected:
                raise ValueError(f"sample {self.original_id}: turn {idx} must be {expected}, got {role}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.task.value, self.original_id)


def existing_keys(conn: Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the (task, original_id) keys the store already holds."""
    wanted = list(dict.fromkeys(keys))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        rows = conn.execute(select(Sample.task, Sample.original_id).where(
            tuple_(Sample.task, Sample.original_id).in_(chunk)))
        found.update((task, oid) for task, oid in rows)
    return found


def _ids(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start:start + _CHUNK])
        rows = conn.execute(select(Sample.task, Sample.original_id, Sample.id).where(
            tuple_(Sample.task, Sample.original_id).in_(chunk)))
        ids.update({(task, oid): sid for task, oid, sid in rows})
    return ids


def shape_rows(*, pair_id: int, sample_id: int | None, boxes: Sequence[Box],
               points: Sequence[Point], width: int | None,
               height: int | None) -> list[dict[str, object]]:
    """Rows of the shapes table for boxes then points; outside ones are flagged, never clamped."""
    rows: list[dict[str, object]] = []
    for idx, box in enumerate(boxes):
        rows.append(dict(pair_id=pair_id, sample_id=sample_id, kind="box", idx=idx,
                         label=box.label, space=box.space.value, x1=box.x1, y1=box.y1,
                         x2=box.x2, y2=box.y2, outside=box.outside(width, height)))
    for idx, point in enumerate(points):
        rows.append(dict(pair_id=pair_id, sample_id=sample_id, kind="point", idx=idx,
                         label=point.label, space=point.space.value, x1=point.x, y1=point.y,
                         x2=None, y2=None, outside=point.outside(width, height)))
    return rows


def insert_samples(conn: Connection, samples: Sequence[NewSample], *,
                   sizes: dict[int, tuple[int | None, int | None]]) -> dict[tuple[str, str], int]:
    """Insert the samples, their turns and shapes; return their new ids by (task, original_id).

    ``sizes`` gives each Pair's (width, height) to flag shapes outside the image. The caller
    must have left out samples whose key exists (see ``existing_keys``).
    """
    if not samples:
        return {}
    conn.execute(insert(Sample), [dict(
        task=s.task.value, original_id=s.original_id, source_file=s.source_file,
        pair_id=s.pair_id, image=s.image, image_as_list=True, answer_space=s.answer_space.value,
        status=ReviewStatus.PENDING.value, edited=False, count=s.count, options=None,
        warnings="; ".join(s.warnings) or None,
    ) for s in samples])
    ids = _ids(conn, [s.key for s in samples])
    turns: list[dict[str, object]] = []
    shapes: list[dict[str, object]] = []
    for s in samples:
        sample_id = ids[s.key]
        turns.extend(dict(sample_id=sample_id, idx=idx, role=role, original=text, text=text)
                     for idx, (role, text) in enumerate(s.turns))
        width, height = sizes.get(s.pair_id, (None, None))
        shapes.extend(shape_rows(pair_id=s.pair_id, sample_id=sample_id, boxes=s.boxes,
                                 points=s.points, width=width, height=height))
    conn.execute(insert(Turn), turns)
    insert_shapes(conn, shapes)
    return ids


def pair_ids_under(conn: Connection, prefix: str) -> dict[str, int]:
    """rel_path -> id of the Pairs whose rel_path starts with ``prefix``; all when empty."""
    query = select(Pair.rel_path, Pair.id)
    if prefix:
        query = query.where(Pair.rel_path.startswith(prefix))
    return dict(conn.execute(query).all())


def insert_pairs(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Insert Pairs given as column -> value rows."""
    conn.execute(insert(Pair), list(rows))


def pairs_with_source_boxes(conn: Connection) -> set[int]:
    """The Pairs that already have source boxes (Shapes of no Sample)."""
    return set(conn.execute(select(Shape.pair_id).where(Shape.sample_id.is_(None))
                            .distinct()).scalars())


def insert_shapes(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Insert Shapes given as column -> value rows (see ``shape_rows``)."""
    if rows:
        conn.execute(insert(Shape), list(rows))
