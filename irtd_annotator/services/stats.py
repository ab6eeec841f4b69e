"""Counts of a project per task, source, status and missing-image state, and per reviewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.services.changes import store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.store.stats import ReviewerCounts, decisions_of, project_counts, reviewer_counts

__all__ = ["ProjectStats", "ReviewerCounts", "ReviewerProgress", "day_bounds", "project_stats"]

_STATUSES = ("approved", "rejected", "flagged", "accepted")  # the decisions; pending is none


def day_bounds(now: datetime | None = None) -> tuple[str, str]:
    """The local day of ``now`` (default: this moment) as UTC ISO times [start, end).

    The machine's local day is what a reviewer calls "today"; the store keeps UTC times
    written by ``now_iso`` (milliseconds, "+00:00"), which sort as text, so the bounds are
    written the same way. A day of a daylight-saving change has 23 or 25 hours.
    """
    day: date = (now or datetime.now()).astimezone().date()

    def utc(d: date) -> str:  # local midnight (naive = local time) in UTC
        return datetime.combine(d, time()).astimezone(timezone.utc).isoformat(
            timespec="milliseconds")

    return utc(day), utc(day + timedelta(days=1))


@dataclass
class ProjectStats:
    """What is in a project."""

    samples: int = 0
    pairs: int = 0
    by_task: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_image: dict[str, int] = field(default_factory=dict)
    edited: int = 0
    reviewers: list[ReviewerCounts] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples, "pairs": self.pairs, "edited": self.edited,
            "by_task": self.by_task, "by_source": self.by_source,
            "by_status": self.by_status, "by_image": self.by_image,
            "reviewers": [{"name": r.who, "today": r.today, "in_all": r.total,
                           "by_status": r.by_status} for r in self.reviewers],
        }

    def as_table(self) -> str:
        """A plain-text table, one section per grouping."""
        lines = [f"{'samples':<32}{self.samples:>10,}", f"{'pairs':<32}{self.pairs:>10,}",
                 f"{'edited samples':<32}{self.edited:>10,}"]
        # every status has its line, 0 included: "accepted 0" says no audit accepted any yet
        statuses = {**{s.value: 0 for s in ReviewStatus}, **self.by_status}
        for title, counts in (("task", self.by_task), ("source", self.by_source),
                              ("status", statuses), ("images", self.by_image)):
            lines.append("")
            lines.append(f"{title:<32}{'samples':>10}")
            lines.append("-" * 42)
            for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"{key:<32}{value:>10,}")
        lines += ["", "Reviewers (each Sample counts for whoever decided it last)",
                  f"{'name':<32}{'today':>10}{'in all':>10}"
                  + "".join(f"{s:>10}" for s in _STATUSES),
                  "-" * (52 + 10 * len(_STATUSES))]
        for r in self.reviewers:
            lines.append(f"{r.who:<32}{r.today:>10,}{r.total:>10,}"
                         + "".join(f"{r.by_status.get(s, 0):>10,}" for s in _STATUSES))
        if not self.reviewers:
            lines.append("(no decisions yet)")
        return "\n".join(lines)


def project_stats(project: Project, *, now: datetime | None = None) -> ProjectStats:
    """Count the project's Samples by task, source, status and image state, and each
    reviewer's decisions today (the local day of ``now``) and in all."""
    since, until = day_bounds(now)
    with project.engine.connect() as conn:
        counts = project_counts(conn)
        reviewers = reviewer_counts(conn, since=since, until=until)
    return ProjectStats(**counts._asdict(), reviewers=reviewers)


class ReviewerProgress:
    """Decisions per reviewer of one project, for the window (today and in all)."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @store_errors
    def of(self, who: str, *, now: datetime | None = None) -> tuple[int, int]:
        """(today, in all): the Samples ``who`` decided last, today and ever."""
        since, until = day_bounds(now)
        with self.project.engine.connect() as conn:
            return decisions_of(conn, who, since=since, until=until)

    @store_errors
    def everyone(self, *, now: datetime | None = None) -> list[ReviewerCounts]:
        """Every reviewer with at least one decision, by name."""
        since, until = day_bounds(now)
        with self.project.engine.connect() as conn:
            return reviewer_counts(conn, since=since, until=until)
