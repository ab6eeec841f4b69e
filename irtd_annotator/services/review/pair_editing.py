"""Pair-level geometry in the caller's transaction: the source dataset's own boxes, a
Sample's click-to-count markers, the label vocabulary of a source, and the alignment of
unaligned pairs (FLIR ADAS v1's RGB camera sees another field of view).
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Connection, delete, func, insert, select

from irtd_annotator.domain.geometry_edit import Alignment, known_size, shapes_json
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.services.review.answers import IMAGE_SIZES_KEY, MARKER
from irtd_annotator.store.revisions import add_revision
from irtd_annotator.store.schema import Pair, Sample, Shape
from irtd_annotator.store.settings import get_setting, set_setting

ALIGNMENT_KEY = "alignment"  # {source: {dx, dy, scale}}
DEFAULT_LABELS = ("person", "car", "bike")  # IR-TD's Grounding vocabulary


def pair_alignment_key(pair_id: int) -> str:
    """The setting holding one Pair's own alignment (it wins over its source's)."""
    return f"alignment:pair:{pair_id}"


def pair_row(conn: Connection, pair_id: int) -> Any:
    row = conn.execute(select(Pair.id, Pair.source, Pair.width, Pair.height)
                       .where(Pair.id == pair_id)).first()
    if row is None:
        raise LookupError(f"pair {pair_id} is not in the project")
    return row


def pair_bounds(conn: Connection, pair: Any) -> tuple[int, int] | None:
    """The Pair's image size, else the size its source's images are known to have."""
    if pair.width and pair.height:
        return int(pair.width), int(pair.height)
    return known_size(pair.source, get_setting(conn, IMAGE_SIZES_KEY))


def read_pair_boxes(conn: Connection, pair_id: int) -> tuple[Box, ...]:
    """The source dataset's boxes on the Pair (Shapes without a Sample), in order."""
    rows = conn.execute(select(Shape.label, Shape.space, Shape.x1, Shape.y1, Shape.x2, Shape.y2)
                        .where(Shape.pair_id == pair_id, Shape.sample_id.is_(None),
                               Shape.kind == "box").order_by(Shape.idx, Shape.id)).all()
    return boxes_from_rows(rows)


def boxes_from_rows(rows: Sequence[Sequence[Any]]) -> tuple[Box, ...]:
    """Source boxes from rows (label, space, x1, y1, x2, y2)."""
    boxes: list[Box] = []
    for label, space, x1, y1, x2, y2 in rows:
        try:
            boxes.append(Box(x1, y1, x2, y2, label or "", CoordSpace(space)))
        except ValueError:
            continue  # a reversed box cannot be drawn; leaving it out is what the view shows
    return tuple(boxes)


def write_pair_boxes(conn: Connection, pair: Any, boxes: Sequence[Box], *, who: str) -> bool:
    """Replace the Pair's source boxes; False (nothing written) when they are the same."""
    old = read_pair_boxes(conn, pair.id)
    new = tuple(boxes)
    if old == new:
        return False
    width, height = pair_bounds(conn, pair) or (None, None)
    conn.execute(delete(Shape).where(Shape.pair_id == pair.id, Shape.sample_id.is_(None),
                                     Shape.kind == "box"))
    if new:
        conn.execute(insert(Shape), [
            {"pair_id": pair.id, "sample_id": None, "kind": "box", "idx": i, "label": b.label,
             "space": b.space.value, "x1": b.x1, "y1": b.y1, "x2": b.x2, "y2": b.y2,
             "outside": b.outside(width, height)} for i, b in enumerate(new)])
    add_revision(conn, who=who, action="source boxes", pair_id=pair.id, target="source boxes",
                 old=shapes_json(old), new=shapes_json(new))
    return True


def read_markers(conn: Connection, sample_id: int) -> tuple[Point, ...]:
    """The click-to-count markers a reviewer placed on the Sample, in the order placed."""
    rows = conn.execute(select(Shape.x1, Shape.y1, Shape.space)
                        .where(Shape.sample_id == sample_id, Shape.kind == MARKER)
                        .order_by(Shape.idx, Shape.id)).all()
    return markers_from_rows(rows)


def markers_from_rows(rows: Sequence[Sequence[Any]]) -> tuple[Point, ...]:
    """Markers from rows (x1, y1, space)."""
    return tuple(Point(x, y, "", CoordSpace(space)) for x, y, space in rows)


def write_markers(conn: Connection, sample_id: int, pair_id: int, markers: Sequence[Point], *,
                  who: str) -> bool:
    """Replace the Sample's markers; False (nothing written) when they are the same."""
    old = read_markers(conn, sample_id)
    new = tuple(Point(p.x, p.y, "", p.space) for p in markers)
    if old == new:
        return False
    conn.execute(delete(Shape).where(Shape.sample_id == sample_id, Shape.kind == MARKER))
    if new:
        conn.execute(insert(Shape), [
            {"pair_id": pair_id, "sample_id": sample_id, "kind": MARKER, "idx": i, "label": "",
             "space": p.space.value, "x1": p.x, "y1": p.y, "x2": None, "y2": None,
             "outside": False} for i, p in enumerate(new)])
    add_revision(conn, who=who, action="markers", sample_id=sample_id, pair_id=pair_id,
                 target="markers", old=f"{len(old)} marker(s)", new=f"{len(new)} marker(s)")
    return True


def source_labels(conn: Connection, source: str, *, pairs_looked_at: int = 5000) -> list[str]:
    """The labels of boxes and points on the source's Pairs, most used first; IR-TD's
    Grounding vocabulary when the source has none yet.

    Only the first ``pairs_looked_at`` Pairs of the source are counted: a vocabulary is a
    suggestion, and counting all of IR-TD's ~400,000 shapes took half a second at start-up.
    """
    used = func.count().label("n")
    some_pairs = (select(Pair.id).where(Pair.source == source).order_by(Pair.id)
                  .limit(pairs_looked_at).scalar_subquery())
    rows = conn.execute(
        select(Shape.label, used)
        .where(Shape.pair_id.in_(some_pairs), Shape.kind.in_(("box", "point")), Shape.label != "")
        .group_by(Shape.label).order_by(used.desc(), Shape.label)).all()
    labels = [r.label for r in rows]
    return labels or list(DEFAULT_LABELS)


def read_alignment(conn: Connection, pair_id: int, source: str) -> tuple[Alignment | None, bool]:
    """The alignment of the Pair (its own, else its source's) and whether it is its own."""
    own = Alignment.from_json(get_setting(conn, pair_alignment_key(pair_id)))
    if own is not None:
        return own, True
    return _source_alignment(conn, source), False


def alignment_from(own: Any, by_source: Any, source: str) -> tuple[Alignment | None, bool]:
    """``read_alignment`` from the stored JSON values: the Pair's own setting and the
    per-source one (None where nothing is stored)."""
    alignment = Alignment.from_json(own)
    if alignment is not None:
        return alignment, True
    by_source = by_source or {}
    return (Alignment.from_json(by_source.get(source)) if isinstance(by_source, dict)
            else None), False


def stored_alignment(conn: Connection, pair: Any, *, per_pair: bool) -> Alignment | None:
    """What is stored under the Pair's own key, or its source's."""
    if per_pair:
        return Alignment.from_json(get_setting(conn, pair_alignment_key(pair.id)))
    return _source_alignment(conn, pair.source)


def _source_alignment(conn: Connection, source: str) -> Alignment | None:
    by_source = get_setting(conn, ALIGNMENT_KEY) or {}
    return Alignment.from_json(by_source.get(source)) if isinstance(by_source, dict) else None


def write_alignment(conn: Connection, pair: Any, alignment: Alignment | None, *,
                    per_pair: bool, who: str) -> bool:
    """Store (or with None remove) the alignment of the Pair or of its whole source."""
    old = stored_alignment(conn, pair, per_pair=per_pair)
    if old == alignment:
        return False
    if per_pair:
        set_setting(conn, pair_alignment_key(pair.id), alignment.to_json() if alignment is not None else None)
        target = "alignment of this pair"
    else:
        by_source = dict(get_setting(conn, ALIGNMENT_KEY) or {})
        if alignment is None:
            by_source.pop(pair.source, None)
        else:
            by_source[pair.source] = alignment.to_json()
        set_setting(conn, ALIGNMENT_KEY, by_source)
        target = f"alignment of {pair.source}"
    add_revision(conn, who=who, action="alignment", pair_id=pair.id, target=target,
                 old=_alignment_text(old), new=_alignment_text(alignment))
    return True


def pair_sample_ids(conn: Connection, pair_id: int) -> frozenset[int]:
    return frozenset(conn.execute(select(Sample.id).where(Sample.pair_id == pair_id)).scalars())


def _alignment_text(alignment: Alignment | None) -> str:
    if alignment is None:
        return "none"
    return f"dx {alignment.dx:g}, dy {alignment.dy:g}, scale {alignment.scale:g}"
