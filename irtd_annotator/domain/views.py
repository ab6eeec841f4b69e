"""What the review window shows: read-only snapshots handed from the services to the UI."""

from __future__ import annotations

from dataclasses import dataclass, field

from irtd_annotator.domain.model import Box, Point, ReviewStatus
from irtd_annotator.domain.risk import NO_RISK, Risk
from irtd_annotator.domain.tasks import Task


@dataclass(frozen=True)
class PairInfo:
    """A Pair as the pair view needs it: where its images are and whether they exist."""

    id: int
    rel_path: str
    source: str
    ir_path: str | None
    visible_path: str | None
    ir_exists: bool
    visible_exists: bool
    width: int | None = None
    height: int | None = None
    aligned: bool = True


@dataclass(frozen=True)
class TurnView:
    """One Turn: the current text and the LLM's original, kept unchanged."""

    idx: int
    role: str
    text: str
    original: str

    @property
    def edited(self) -> bool:
        return self.text != self.original


@dataclass(frozen=True)
class SampleView:
    """One Sample with everything the sample panel and the pair view draw."""

    id: int
    task: Task
    original_id: str
    source_file: str
    status: ReviewStatus
    reject_reason: str | None
    note: str | None
    edited: bool
    pair: PairInfo
    turns: tuple[TurnView, ...]
    boxes: tuple[Box, ...] = ()   # in pixels of the IR image when the size is known
    points: tuple[Point, ...] = ()
    warnings: tuple[str, ...] = ()
    count: int | None = None
    options: tuple[str, ...] = field(default=())
    version: int = 0  # the store's version of the Sample when read (ADR 0019)
    decided_by: str | None = None  # who set the status last ("audit:NAME": an audit accepted it)
    risk: Risk = NO_RISK  # its risk score and the parts, in words (docs/risk.md)
