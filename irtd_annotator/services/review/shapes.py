"""Geometry of a Sample for the review window: stored shape rows to Boxes and Points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from irtd_annotator.domain.model import Box, CoordSpace, Point, to_pixels


def view_shapes(shapes: Sequence[Any], *, width: int | None,
                height: int | None) -> tuple[tuple[Box, ...], tuple[Point, ...]]:
    """Stored shape rows as Boxes and Points, in pixels of the IR image when its size is known."""
    boxes: list[Box] = []
    points: list[Point] = []
    for s in shapes:
        space = CoordSpace(s.space)
        if s.kind == "box":
            try:
                box = Box(s.x1, s.y1, s.x2, s.y2, s.label or "", space)
            except ValueError:
                continue  # a reversed box in the store: not drawable, the warning says why
            if space is CoordSpace.NORM1000 and width and height:
                box = Box(box.x1 * width / 1000, box.y1 * height / 1000,
                          box.x2 * width / 1000, box.y2 * height / 1000, box.label)
            boxes.append(box)
        elif s.kind == "point":
            point = Point(s.x1, s.y1, s.label or "", space)
            if space is CoordSpace.NORM1000 and width and height:
                point = to_pixels(point, width=width, height=height)
            points.append(point)
    return tuple(boxes), tuple(points)
