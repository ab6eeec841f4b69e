"""Pair-level geometry in the caller's transaction: the source dataset's own boxes, a
Sample's click-to-count markers, the label vocabulary of a source, and the alignment of
unaligned pairs (FLIR ADAS v1's RGB camera sees another field of view).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from irtd_annotator.domain.errors import StaleSettingError
from irtd_annotator.domain.geometry_edit import Alignment, known_size, shapes_json
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.services.review.answers import IMAGE_SIZES_KEY, MARKER
from irtd_annotator.store import pair_shapes
from irtd_annotator.store.pair_shapes import pair_row, pair_sample_ids
from irtd_annotator.store.revisions import add_revision
from irtd_annotator.store.settings import get_setting, lock_setting, set_setting

__all__ = [
    "ALIGNMENT_KEY",
    "alignment_from",
    "boxes_from_rows",
    "locked_alignment",
    "markers_from_rows",
    "pair_alignment_key",
    "pair_bounds",
    "pair_row",
    "pair_sample_ids",
    "read_alignment",
    "read_markers",
    "read_pair_boxes",
    "source_labels",
    "stored_alignment",
    "write_alignment",
    "write_markers",
    "write_pair_boxes",
]

ALIGNMENT_KEY = "alignment"  # {source: {dx, dy, scale}}
DEFAULT_LABELS = ("person", "car", "bike")  # IR-TD's Grounding vocabulary


def pair_alignment_key(pair_id: int) -> str:
    """The setting holding one Pair's own alignment (it wins over its source's)."""
    return f"alignment:pair:{pair_id}"


def pair_bounds(conn: Connection, pair: Any) -> tuple[int, int] | None:
    """The Pair's image size, else the size its source's images are known to have."""
    if pair.width and pair.height:
        return int(pair.width), int(pair.height)
    return known_size(pair.source, get_setting(conn, IMAGE_SIZES_KEY))


def read_pair_boxes(conn: Connection, pair_id: int) -> tuple[Box, ...]:
    """The source dataset's boxes on the Pair (Shapes without a Sample), in order."""
    return boxes_from_rows(pair_shapes.source_box_rows(conn, pair_id))


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
    pair_shapes.replace_source_boxes(conn, pair.id, [
        {"label": b.label, "space": b.space.value, "x1": b.x1, "y1": b.y1, "x2": b.x2,
         "y2": b.y2, "outside": b.outside(width, height)} for b in new])
    add_revision(conn, who=who, action="source boxes", pair_id=pair.id, target="source boxes",
                 old=shapes_json(old), new=shapes_json(new))
    return True


def read_markers(conn: Connection, sample_id: int) -> tuple[Point, ...]:
    """The click-to-count markers a reviewer placed on the Sample, in the order placed."""
    return markers_from_rows(pair_shapes.marker_rows(conn, sample_id, kind=MARKER))


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
    pair_shapes.replace_markers(conn, sample_id, pair_id,
                                [(p.x, p.y, p.space.value) for p in new], kind=MARKER)
    add_revision(conn, who=who, action="markers", sample_id=sample_id, pair_id=pair_id,
                 target="markers", old=f"{len(old)} marker(s)", new=f"{len(new)} marker(s)")
    return True


def source_labels(conn: Connection, source: str, *, pairs_looked_at: int = 5000) -> list[str]:
    """The labels of boxes and points on the source's Pairs, most used first; IR-TD's
    Grounding vocabulary when the source has none yet.

    Only the first ``pairs_looked_at`` Pairs of the source are counted: a vocabulary is a
    suggestion, and counting all of IR-TD's ~400,000 shapes took half a second at start-up.
    """
    return (pair_shapes.label_counts(conn, source, pairs_looked_at=pairs_looked_at)
            or list(DEFAULT_LABELS))


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


def locked_alignment(conn: Connection, pair: Any, *, per_pair: bool,
                     replacing: tuple[Alignment | None] | None = None) -> Alignment | None:
    """Lock the setting that holds the Pair's (or its source's) alignment, then read it: the
    first statement of the transaction (ADR 0019), so what is read is what is replaced.
    With ``replacing`` (an undo), a StaleSettingError when the stored value is no longer its
    one."""
    lock_setting(conn, pair_alignment_key(pair.id) if per_pair else ALIGNMENT_KEY)
    old = stored_alignment(conn, pair, per_pair=per_pair)
    if replacing is not None and old != replacing[0]:
        where = "this pair" if per_pair else pair.source
        raise StaleSettingError(f"the alignment of {where} was changed by someone else since: "
                                "the undo was not saved; it is shown as it is now")
    return old


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


def _alignment_text(alignment: Alignment | None) -> str:
    if alignment is None:
        return "none"
    return f"dx {alignment.dx:g}, dy {alignment.dy:g}, scale {alignment.scale:g}"
