"""Review statuses, reasons, coordinate spaces and the geometry of a Sample."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from irtd_annotator.domain.errors import UserError

AUDIT_DECIDER = "audit:"  # ``decided_by`` of a Sample an audit accepted: this + the audit's name


class ReviewStatus(str, enum.Enum):
    """Where a Sample stands in review."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    FLAGGED = "flagged"
    ACCEPTED = "accepted"  # decided by an audit (``audit accept``), not seen by a person

    @classmethod
    def by_hand(cls, value: str) -> ReviewStatus:
        """The status ``value`` when a reviewer may set it: any but accepted, which only an
        audit gives (UserError, naming the statuses a reviewer can set)."""
        status = cls(value)
        if status is cls.ACCEPTED:
            hand = ", ".join(s.value for s in cls if s is not cls.ACCEPTED)
            raise UserError(f"a reviewer cannot set {value!r}: only 'audit accept' gives it; "
                            f"set one of {hand}")
        return status

    @staticmethod
    def decided(by_status: dict[str, int]) -> int:
        """The Samples of ``by_status`` (status -> count) that are decided, as the progress
        counts them: approved, accepted (by an audit) or rejected."""
        return sum(by_status.get(s, 0) for s in ("approved", "accepted", "rejected"))


def audit_of(decided_by: str | None) -> str | None:
    """The audit's name when ``decided_by`` names one ("audit:NAME"), else None."""
    if decided_by and decided_by.startswith(AUDIT_DECIDER):
        return decided_by[len(AUDIT_DECIDER):]
    return None


def decided_words(status: str, decided_by: str | None) -> str:
    """A status with the audit that decided it, if one did: "accepted (by audit NAME)"."""
    audit = audit_of(decided_by)
    return f"{status} (by audit {audit})" if audit is not None else status


def status_label(status: str, reason: str | None = None, note: str | None = None) -> str:
    """How a review decision reads in words (the history, the undo menu):
    ``rejected (wrong count): note``."""
    text = status
    if reason:
        text += f" ({reason})"
    if note:
        text += f": {note}"
    return text


class RejectReason(str, enum.Enum):
    """Why a reviewer rejected a Sample."""

    HALLUCINATION = "hallucination"
    WRONG_GEOMETRY = "wrong geometry"
    WRONG_COUNT = "wrong count"
    WRONG_OPTION = "wrong option"
    AMBIGUOUS = "ambiguous"
    IMAGE_PROBLEM = "image problem"
    OTHER = "other"


class CoordSpace(str, enum.Enum):
    """The space coordinates are written in: image pixels or 0-1000 normalised."""

    PIXEL = "pixel"
    NORM1000 = "norm1000"


class Role(str, enum.Enum):
    """Who speaks a Turn, as LLaVA names them."""

    HUMAN = "human"
    GPT = "gpt"


def _check_finite(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


@dataclass(frozen=True)
class Box:
    """An axis-aligned box ``x1, y1, x2, y2`` in the given space (pixels of the IR image by default)."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str = ""
    space: CoordSpace = CoordSpace.PIXEL

    def __post_init__(self) -> None:
        for name in ("x1", "y1", "x2", "y2"):
            _check_finite(name, getattr(self, name))
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise ValueError(
                f"box corners are reversed: [{self.x1}, {self.y1}, {self.x2}, {self.y2}]"
            )

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)

    @property
    def area(self) -> float:
        return (self.x2 - self.x1) * (self.y2 - self.y1)

    def outside(self, width: int | None, height: int | None) -> bool:
        """True when any part of the box lies outside a ``width`` x ``height`` image."""
        if self.space is CoordSpace.NORM1000:
            width, height = 1000, 1000
        if width is None or height is None:
            return False
        return self.x1 < 0 or self.y1 < 0 or self.x2 > width or self.y2 > height

    def clamped(self, width: int, height: int) -> Box:
        """The box cut to the image."""
        return Box(
            max(0.0, min(self.x1, width)), max(0.0, min(self.y1, height)),
            max(0.0, min(self.x2, width)), max(0.0, min(self.y2, height)),
            self.label, self.space,
        )


@dataclass(frozen=True)
class Point:
    """A point ``x, y`` in the given space, e.g. a Location centre."""

    x: float
    y: float
    label: str = ""
    space: CoordSpace = CoordSpace.PIXEL

    def __post_init__(self) -> None:
        # Two finite floats (every point an import parses, a million of them) pass with one
        # test; anything else is checked coordinate by coordinate, for the message.
        if type(self.x) is float is type(self.y) and math.isfinite(self.x + self.y):
            return
        _check_finite("x", self.x)
        _check_finite("y", self.y)

    def outside(self, width: int | None, height: int | None) -> bool:
        if self.space is CoordSpace.NORM1000:
            width, height = 1000, 1000
        if width is None or height is None:
            return False
        return self.x < 0 or self.y < 0 or self.x > width or self.y > height


def to_pixels(point: Point, *, width: int, height: int) -> Point:
    """A 0-1000 point in pixels of a ``width`` x ``height`` image (pixel points pass through)."""
    if point.space is CoordSpace.PIXEL:
        return point
    return Point(point.x * width / 1000.0, point.y * height / 1000.0, point.label, CoordSpace.PIXEL)


def to_norm1000(point: Point, *, width: int, height: int) -> Point:
    """A pixel point in IR-TD's 0-1000 space, rounded to integers as the real files are."""
    if point.space is CoordSpace.NORM1000:
        return point
    return Point(
        float(round(point.x / width * 1000)), float(round(point.y / height * 1000)),
        point.label, CoordSpace.NORM1000,
    )


def source_order(name: str) -> tuple[int, str, str]:
    """The sort key of a source: by its number (``4-…`` before ``23-…``, which a string
    sort puts the other way), then by name; a name without a number goes last."""
    head = name.split("-", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, name.casefold(), name)
