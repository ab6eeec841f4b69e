"""Rules of geometry editing: known infrared image sizes, alignment of unaligned pairs, markers.

Plain values and arithmetic; the services store them, the UI draws with them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from irtd_annotator.domain.model import Box, CoordSpace, Point

# The size of the infrared images of source datasets whose frames all have one size, for
# pairs whose image file is missing (the released annotations come without images). Used to
# flag and clamp geometry outside the image, never to convert coordinates. Keys are
# lower-case substrings of the source name, as the pairing presets are matched.
KNOWN_IR_SIZES: tuple[tuple[str, tuple[int, int]], ...] = (
    ("flir", (640, 512)),      # FLIR ADAS v1 thermal previews (x reaches 641 in Detection.json)
    ("kaist", (640, 512)),
    ("llvip", (1280, 1024)),
)


def known_size(source: str, overrides: Mapping[str, Any] | None = None) -> tuple[int, int] | None:
    """The infrared image size every frame of ``source`` has, or None.

    ``overrides`` is the project setting ``image_sizes`` ({source: [width, height]}), which
    wins over the built-in table.
    """
    if overrides:
        value = overrides.get(source)
        if isinstance(value, (list, tuple)) and len(value) == 2 and all(
                isinstance(v, int) and v > 0 for v in value):
            return int(value[0]), int(value[1])
    lowered = source.lower()
    for key, size in KNOWN_IR_SIZES:
        if key in lowered:
            return size
    return None


@dataclass(frozen=True)
class Alignment:
    """Where the infrared image lies on the visible one: visible = infrared * scale + (dx, dy).

    Coordinates are pixels of each image. The identity means pixel-aligned cameras (LLVIP).
    """

    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("dx", "dy", "scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"alignment {name} must be a finite number, got {value!r}")
        if not 0.01 <= self.scale <= 100:
            raise ValueError(f"alignment scale must be between 0.01 and 100, got {self.scale!r}")

    def to_visible(self, x: float, y: float) -> tuple[float, float]:
        """An infrared pixel position on the visible image."""
        return x * self.scale + self.dx, y * self.scale + self.dy

    def to_infrared(self, x: float, y: float) -> tuple[float, float]:
        """A visible pixel position on the infrared image."""
        return (x - self.dx) / self.scale, (y - self.dy) / self.scale

    def to_json(self) -> dict[str, float]:
        return {"dx": round(self.dx, 3), "dy": round(self.dy, 3), "scale": round(self.scale, 6)}

    @classmethod
    def from_json(cls, data: object) -> Alignment | None:
        """The alignment stored by ``to_json``; None when ``data`` is not one."""
        if not isinstance(data, Mapping):
            return None
        try:
            return cls(float(data.get("dx", 0.0)), float(data.get("dy", 0.0)),
                       float(data.get("scale", 1.0)))
        except (TypeError, ValueError):
            return None


def clamp_point(point: Point, width: int, height: int) -> Point:
    """The point moved onto the image (0-1000 points onto 0-1000)."""
    if point.space is CoordSpace.NORM1000:
        width, height = 1000, 1000
    return Point(min(max(point.x, 0.0), width), min(max(point.y, 0.0), height), point.label,
                 point.space)


def clamp_all(boxes: Sequence[Box], points: Sequence[Point], *, width: int,
              height: int) -> tuple[tuple[Box, ...], tuple[Point, ...]]:
    """Boxes cut to and points moved onto a ``width`` x ``height`` image."""
    return (tuple(b.clamped(1000, 1000) if b.space is CoordSpace.NORM1000 else b.clamped(width, height)
                  for b in boxes),
            tuple(clamp_point(p, width, height) for p in points))


def shapes_json(boxes: Sequence[Box] = (), points: Sequence[Point] = ()) -> str:
    """A compact, readable text of geometry for the revision log."""
    parts = [f"{b.label or 'box'} [{b.x1:g}, {b.y1:g}, {b.x2:g}, {b.y2:g}]" for b in boxes]
    parts += [f"{p.label or 'point'} ({p.x:g}, {p.y:g})" for p in points]
    return "; ".join(parts) if parts else "none"
