"""The queue's filter: which Samples the queue shows, and in what order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.tasks import Task

SORT_KEYS = ("id", "status", "task", "source", "image", "edited", "warnings", "risk")


@dataclass(frozen=True)
class QueueFilter:
    """Which Samples the queue shows, and in what order. Empty tuples and None mean "all"."""

    statuses: tuple[str, ...] = ()      # ReviewStatus values
    tasks: tuple[str, ...] = ()         # Task values
    sources: tuple[str, ...] = ()       # Pair.source values
    missing_images: bool | None = None  # True: IR or visible missing; False: both present
    edited: bool | None = None
    warnings: bool | None = None        # True: Samples with warnings
    text: str = ""                      # in prompts and answers, case-insensitive
    assigned_to: str | None = None      # only the batch a lead gave this reviewer
    audit: str | None = None            # only the Samples the audit of this name drew
    reasons: tuple[str, ...] = ()       # reject reasons ("": rejected without one)
    warning_kinds: tuple[str, ...] = ()  # Samples with any of these warning codes
    # Samples with a decision by this reviewer (or "audit:NAME"), even if decided again since
    decided_by: str | None = None
    decided_day: str | None = None      # ... (anyone's) on this UTC day, YYYY-MM-DD
    sort: str = "id"  # "risk" puts the riskiest first (ties by id); descending reverses it
    descending: bool = False

    def __post_init__(self) -> None:
        for name in ("statuses", "tasks", "sources", "reasons", "warning_kinds"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, tuple):
                raise ValueError(f"{name} must be a tuple of strings, got {value!r}")
        for status in self.statuses:
            ReviewStatus(status)  # raises ValueError naming the bad value
        for task in self.tasks:
            Task(task)
        if self.decided_day is not None:
            try:
                date.fromisoformat(self.decided_day)
            except (TypeError, ValueError):
                raise ValueError(f"decided_day must be a day as YYYY-MM-DD, got "
                                 f"{self.decided_day!r}") from None
        if self.sort not in SORT_KEYS:
            raise ValueError(f"unknown sort key {self.sort!r}; one of {', '.join(SORT_KEYS)}")

    def tallied(self) -> bool:
        """Whether only statuses, tasks and sources narrow it: what the kept tally counts."""
        return not (self.text.strip() or self.missing_images is not None
                    or self.edited is not None or self.warnings is not None
                    or self.assigned_to is not None or self.audit is not None
                    or self.reasons or self.warning_kinds or self.decided_by is not None
                    or self.decided_day is not None)

    def decided_between(self) -> tuple[str, str] | None:
        """``decided_day`` as the UTC ISO times [start, end) a decision's time is compared with
        (it is written by ``now_iso``: "+00:00", sortable as text); None without one."""
        if self.decided_day is None:
            return None
        day = date.fromisoformat(self.decided_day)
        return day.isoformat(), (day + timedelta(days=1)).isoformat()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, e.g. to remember the filter in settings."""
        return {
            "statuses": list(self.statuses), "tasks": list(self.tasks),
            "sources": list(self.sources), "missing_images": self.missing_images,
            "edited": self.edited, "warnings": self.warnings, "text": self.text,
            "sort": self.sort, "descending": self.descending, "assigned_to": self.assigned_to,
            "audit": self.audit, "reasons": list(self.reasons),
            "warning_kinds": list(self.warning_kinds), "decided_by": self.decided_by,
            "decided_day": self.decided_day,
        }

    @classmethod
    def from_json(cls, data: object) -> QueueFilter:
        """The filter saved by ``to_json``; anything unreadable gives the default filter."""
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(
                statuses=tuple(data.get("statuses") or ()), tasks=tuple(data.get("tasks") or ()),
                sources=tuple(data.get("sources") or ()),
                missing_images=data.get("missing_images"), edited=data.get("edited"),
                warnings=data.get("warnings"), text=str(data.get("text") or ""),
                sort=str(data.get("sort") or "id"), descending=bool(data.get("descending")),
                assigned_to=str(data["assigned_to"]) if data.get("assigned_to") else None,
                audit=str(data["audit"]) if data.get("audit") else None,
                reasons=tuple(str(r) for r in data.get("reasons") or ()),
                warning_kinds=tuple(str(w) for w in data.get("warning_kinds") or ()),
                decided_by=str(data["decided_by"]) if data.get("decided_by") else None,
                decided_day=str(data["decided_day"]) if data.get("decided_day") else None,
            )
        except (TypeError, ValueError):
            return cls()


def windowed(flt: QueueFilter) -> bool:
    """Whether the queue reads this filter's ids a window at a time (else all at once).

    Windows follow the id order (the primary key), so a window after a known id is one
    index range; or the risk order, whose index (risk DESC, id) makes a window after a
    known Sample one range too (after its risk and id). A text search in id order is read
    in windows too: the search index hands its hits out in id order (issue 16); in any
    other order it reads all its ids at once.
    """
    return flt.sort == "id" or (flt.sort == "risk" and not flt.text.strip())
