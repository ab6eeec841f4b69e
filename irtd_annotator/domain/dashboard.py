"""What the dashboard and the report page show (issue 15): the numbers behind every chart.

Pure values, made by ``services/dashboard.py`` from the kept tallies and indexed queries
(never the samples' texts) and drawn by the window's dashboard and the report page alike, so
the two always show the same numbers. Each bar carries the queue filter that selects its
samples, for "click a bar, see those samples".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from irtd_annotator.domain.queue_filter import QueueFilter

__all__ = ["AuditBar", "Dashboard", "DraftQuality", "GroupBar", "ReviewerDay", "Throughput"]


@dataclass(frozen=True)
class GroupBar:
    """One stacked bar: the samples of one task or source per review status."""

    group: str                          # the task or source
    counts: Mapping[str, int]           # ReviewStatus value -> samples (every status present)
    filter: QueueFilter = field(default_factory=QueueFilter)  # the group's samples (add a status to narrow it)

    @property
    def total(self) -> int:
        """All samples of the group."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class ReviewerDay:
    """How many decisions one reviewer made on one (UTC) day."""

    reviewer: str
    day: str        # YYYY-MM-DD
    decisions: int
    # the Samples the reviewer decided that day, also those decided again since (by them or
    # anyone, or undone): as many as ``samples``
    filter: QueueFilter = field(default_factory=QueueFilter)
    # the Samples decided: fewer than ``decisions`` where the reviewer decided one twice
    # that day (None: not known, taken as ``decisions``)
    samples: int | None = None

    @property
    def decided_samples(self) -> int:
        """The Samples the day's decisions were made on (what the bar's filter shows)."""
        return self.decisions if self.samples is None else self.samples


@dataclass(frozen=True)
class Throughput:
    """A reviewer's pace over the dashboard's period: decisions per hour they were at work."""

    reviewer: str
    decisions: int
    hours: float            # the hours with at least one decision (see services/dashboard.py)
    per_hour: float


@dataclass(frozen=True)
class DraftQuality:
    """How much people changed the LLM's drafts of one task."""

    task: str
    samples: int
    edited: int
    median_edit_distance: float | None  # among the edited samples; None when none is
    filter: QueueFilter = field(default_factory=QueueFilter)  # the task's edited samples

    @property
    def share_edited(self) -> float:
        """Edited samples over all of the task's (0 when it has none)."""
        return self.edited / self.samples if self.samples else 0.0


@dataclass(frozen=True)
class AuditBar:
    """One audit stratum's error-rate estimate and interval against its max error."""

    audit: str
    stratum: str
    estimate: float
    low: float
    high: float
    max_error: float
    verdict: str                         # accept | reject | continue
    filter: QueueFilter = field(default_factory=QueueFilter)  # the audit's samples


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard draws, as of ``until`` (and decisions since ``since``)."""

    totals: Mapping[str, int]                # samples per ReviewStatus value, every one present
    by_task: tuple[GroupBar, ...]
    by_source: tuple[GroupBar, ...]
    per_day: tuple[ReviewerDay, ...]         # the last 30 days (or since ``since``)
    throughput: tuple[Throughput, ...]
    reject_reasons: Mapping[str, int]        # rejected samples per reason, now
    warning_kinds: Mapping[str, int]         # samples per warning code, now
    drafts: tuple[DraftQuality, ...]
    audits: tuple[AuditBar, ...]
    since: str | None                        # YYYY-MM-DD or None (the last 30 days)
    until: str                               # when it was read, UTC ISO-8601
    reason_filters: Mapping[str, QueueFilter] = field(default_factory=dict)
    warning_filters: Mapping[str, QueueFilter] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All samples of the project."""
        return sum(self.totals.values())
