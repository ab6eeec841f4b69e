"""The dashboard's numbers (issue 15): one ``Dashboard`` for the window's charts and the
report page, read from the kept tally and indexed queries (``store/dashboard.py``), never
the Samples' texts.

What counts as what:

- **Progress** (totals, per task, per source): the kept tally, every status present (0 when
  none has it).
- **Decisions per reviewer per day**: the "status" revisions that set a status other than
  pending, per UTC day, over the last ``days`` days (today included) or since ``since``. A
  bulk decision writes one revision per Sample and is one person's decision on each: each
  counts for that person. An audit's accept counts for "audit:NAME" (the audit decided, not
  the lead who ran it). An undo or a redo is no new work and is not counted (the decision
  it takes back stays counted: it was made). Each decision counts, also a second one on the
  same Sample: this is work done, not the Samples' state (``stats`` counts that). Each day's
  bar also knows the Samples decided (a Sample decided twice by one reviewer that day counted
  once): what a click on the bar shows in the queue, said in its tooltip where they differ.
- **Throughput**: a reviewer's decisions over the period divided by the hours they were at
  work, an hour being a UTC clock hour with at least one of their decisions. A burst of 40
  decisions in ten minutes is 40 per hour; 40 spread over four clock hours is 10.
- **Reject reasons, warning kinds**: the Samples as they are now; a Sample with two warning
  codes counts under both.
- **Drafts**: per task, its Samples, the edited ones, and the median of their kept edit
  distances (``samples.edit_distance``, migration 0011).
- **Audits**: each stratum's estimate, interval, max error and verdict
  (``services/review/audits.audit_statuses``).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from irtd_annotator.domain.dashboard import (
    AuditBar,
    Dashboard,
    DraftQuality,
    GroupBar,
    ReviewerDay,
    Throughput,
)
from irtd_annotator.domain.model import ReviewStatus, source_order
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.changes import store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import audit_statuses
from irtd_annotator.store import dashboard as store
from irtd_annotator.store.tally import tally_cells

__all__ = ["NO_REASON", "DashboardReader", "read_dashboard"]

NO_REASON = "(no reason)"  # the reject_reasons key of Samples rejected without a reason
_STATUSES = tuple(s.value for s in ReviewStatus)
_TASK_ORDER = {t.value: n for n, t in enumerate(Task)}


class DashboardReader:
    """Reads a project's Dashboard; a store failure is one StoreError naming the project."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @store_errors
    def read(self, *, since: date | None = None, days: int = 30,
             now: datetime | None = None) -> Dashboard:
        """The Dashboard as of ``now`` (default: this moment): decisions since the UTC day
        ``since``, else over the last ``days`` days (today included)."""
        if days < 1:
            raise ValueError(f"days must be 1 or more, got {days}")
        moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        first = since if since is not None else moment.date() - timedelta(days=days - 1)
        end = (moment.date() + timedelta(days=1)).isoformat()  # all of today
        with self.project.engine.connect() as conn:
            cells = tally_cells(conn)
            days_made = store.decision_days(conn, first.isoformat(), end)
            reasons = store.reject_reasons(conn)
            warnings = store.warning_lists(conn)
            distances = store.edited_distances(conn)
        per_day, throughput = _decisions(days_made)
        reason_counts, reason_filters = _reasons(reasons)
        kinds: Counter[str] = Counter()
        for joined, n in warnings:
            for code in dict.fromkeys(c for c in joined.split("; ") if c):
                kinds[code] += n
        return Dashboard(
            totals=_by_status(cells, None), by_task=_bars(cells, 1), by_source=_bars(cells, 0),
            per_day=per_day, throughput=throughput, reject_reasons=reason_counts,
            warning_kinds=dict(_by_count(kinds)), drafts=_drafts(cells, distances),
            audits=self._audits(), since=since.isoformat() if since is not None else None,
            until=moment.isoformat(timespec="seconds"), reason_filters=reason_filters,
            warning_filters={code: QueueFilter(warning_kinds=(code,)) for code in kinds})

    def _audits(self) -> tuple[AuditBar, ...]:
        bars: list[AuditBar] = []
        for status in audit_statuses(self.project):
            for s in status.strata:
                values = dict(zip(status.by, s.key))
                flt = QueueFilter(audit=status.name, tasks=_one(values.get("task")),
                                  sources=_one(values.get("source")))
                bars.append(AuditBar(status.name, s.label, s.estimate, s.low, s.high,
                                     status.max_error, s.verdict, flt))
        return tuple(bars)


def read_dashboard(project: Project, *, since: date | None = None, days: int = 30,
                   now: datetime | None = None) -> Dashboard:
    """The project's Dashboard (see the module's docstring for what each number counts)."""
    return DashboardReader(project).read(since=since, days=days, now=now)


def _one(value: str | None) -> tuple[str, ...]:
    return (value,) if value is not None else ()


def _by_status(cells: list[tuple[str, str, str, int]], key: tuple[int, str] | None
               ) -> dict[str, int]:
    """Samples per status (every status present) of the cells whose column key[0] is key[1]."""
    counts = dict.fromkeys(_STATUSES, 0)
    for cell in cells:
        if key is None or cell[key[0]] == key[1]:
            counts[cell[2]] = counts.get(cell[2], 0) + cell[3]
    return counts


def _bars(cells: list[tuple[str, str, str, int]], column: int) -> tuple[GroupBar, ...]:
    """One GroupBar per task (``column`` 1, in the tasks' order) or source (0, by number:
    4- before 23-)."""
    groups = sorted({str(cell[column]) for cell in cells},
                    key=(lambda g: (_TASK_ORDER.get(g, len(_TASK_ORDER)), g)) if column == 1
                    else source_order)
    return tuple(GroupBar(g, _by_status(cells, (column, g)),
                          QueueFilter(tasks=(g,)) if column == 1 else QueueFilter(sources=(g,)))
                 for g in groups)


def _decisions(days: list[tuple[str, str, int, int, int]]
               ) -> tuple[tuple[ReviewerDay, ...], tuple[Throughput, ...]]:
    """Decisions per reviewer and day, and each reviewer's throughput, from (who, day,
    decisions, Samples, hours at work): a day's hours are its own, so they add up."""
    worked: Counter[str] = Counter()   # hours with a decision
    made: Counter[str] = Counter()
    for who, _day, n, _samples, hours in days:
        worked[who] += hours
        made[who] += n
    per_day = tuple(ReviewerDay(who, day, n, QueueFilter(decided_by=who, decided_day=day),
                                samples)
                    for who, day, n, samples, _hours in sorted(days, key=lambda r: (r[1], r[0])))
    pace = tuple(Throughput(who, made[who], float(worked[who]), made[who] / worked[who])
                 for who in sorted(made, key=lambda w: (w.casefold(), w)))
    return per_day, pace


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Most first, ties by name: the order the bars are drawn in."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _reasons(reasons: dict[str, int]) -> tuple[dict[str, int], dict[str, QueueFilter]]:
    counts: dict[str, int] = {}
    filters: dict[str, QueueFilter] = {}
    for reason, n in _by_count(reasons):
        key = reason or NO_REASON
        counts[key] = n
        filters[key] = QueueFilter(statuses=("rejected",), reasons=(reason,))
    return counts, filters


def _drafts(cells: list[tuple[str, str, str, int]],
            distances: list[tuple[str, int | None]]) -> tuple[DraftQuality, ...]:
    """Per task: its Samples, the edited ones, and their median edit distance."""
    samples: Counter[str] = Counter()
    for _source, task, _status, n in cells:
        samples[task] += n
    edited: Counter[str] = Counter()
    known: dict[str, list[int]] = defaultdict(list)
    for task, distance in distances:
        edited[task] += 1
        if distance is not None:
            known[task].append(distance)
    return tuple(
        DraftQuality(task, samples[task], edited[task],
                     float(statistics.median(known[task])) if known[task] else None,
                     QueueFilter(tasks=(task,), edited=True))
        for task in sorted(samples, key=lambda t: (_TASK_ORDER.get(t, len(_TASK_ORDER)), t)))

