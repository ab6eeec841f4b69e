"""A realistic Dashboard value built by hand (issue 15): the numbers of a project part-way
through its review, for the dock's and the report page's tests before the services read one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import text

from irtd_annotator.domain.dashboard import (
    AuditBar,
    Dashboard,
    DraftQuality,
    GroupBar,
    ReviewerDay,
    Throughput,
)
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.project import Project

STATUSES = ("pending", "approved", "rejected", "flagged", "accepted")
SOURCES = ("4-VEDAI", "23-RGBTCrowdCounting", "63-FLIR_ADAS", "97-LLVIP")
UNTIL = "2026-12-05T10:00:00+00:00"


def _counts(n: int) -> dict[str, int]:
    approved, rejected, flagged, accepted = 31 * n % 1700, 7 * n % 230, 3 * n % 90, 11 * n % 400
    return {"pending": 3655 - approved - rejected - flagged - accepted + n, "approved": approved,
            "rejected": rejected, "flagged": flagged, "accepted": accepted}


def sample_dashboard() -> Dashboard:
    """Eleven tasks, four sources, two reviewers and an audit over the last days."""
    by_task = tuple(GroupBar(t.value, _counts(n + 5), QueueFilter(tasks=(t.value,)))
                    for n, t in enumerate(Task))
    by_source = tuple(GroupBar(s, _counts(13 * n + 40), QueueFilter(sources=(s,)))
                      for n, s in enumerate(SOURCES))
    totals = {s: sum(b.counts[s] for b in by_task) for s in STATUSES}
    end = date.fromisoformat(UNTIL[:10])
    per_day = tuple(ReviewerDay(who, (end - timedelta(days=k)).isoformat(), 40 + 17 * k % 90)
                    for k in range(0, 12, 1) for who in ("ana", "ben") if (k + len(who)) % 3)
    made = {who: sum(r.decisions for r in per_day if r.reviewer == who) for who in ("ana", "ben")}
    throughput = tuple(Throughput(who, made[who], 20.0 + len(who), made[who] / (20.0 + len(who)))
                       for who in ("ana", "ben"))
    reasons = {"hallucination": 412, "wrong geometry": 230, "wrong count": 118, "other": 31}
    kinds = {"outside-image": 260, "count-vs-markers": 97, "zero-area": 12}
    drafts = tuple(DraftQuality(t.value, 3660 + n, 300 + 91 * n % 900,
                                float(4 + 3 * n) if n != 6 else None,
                                QueueFilter(tasks=(t.value,), edited=True))
                   for n, t in enumerate(Task))
    audits = (
        AuditBar("spring", "Caption · 63-FLIR_ADAS", 0.012, 0.004, 0.031, 0.05, "accept",
                 QueueFilter(audit="spring", tasks=("Caption",), sources=("63-FLIR_ADAS",))),
        AuditBar("spring", "Caption · 97-LLVIP", 0.06, 0.031, 0.102, 0.05, "reject",
                 QueueFilter(audit="spring", tasks=("Caption",), sources=("97-LLVIP",))),
        AuditBar("spring", "Scene · 97-LLVIP", 0.03, 0.008, 0.071, 0.05, "continue",
                 QueueFilter(audit="spring", tasks=("Scene",), sources=("97-LLVIP",))),
    )
    return Dashboard(
        totals=totals, by_task=by_task, by_source=by_source, per_day=per_day,
        throughput=throughput, reject_reasons=reasons, warning_kinds=kinds, drafts=drafts,
        audits=audits, since=None, until=UNTIL,
        reason_filters={r: QueueFilter(statuses=("rejected",), text=r) for r in reasons},
        warning_filters={k: QueueFilter(warnings=True, text=k) for k in kinds})


def counted_dashboard(project: Project) -> Dashboard:
    """The progress of ``project`` counted straight from its samples (one GROUP BY): what the
    dock must show, read again at every refresh, until services/dashboard.py reads it."""
    with project.engine.connect() as conn:
        cells = conn.execute(text(
            "SELECT p.source, s.task, s.status, count(*) FROM samples s "
            "JOIN pairs p ON p.id = s.pair_id GROUP BY p.source, s.task, s.status")).all()

    def bars(column: int, make: Callable[[str], QueueFilter]) -> tuple[GroupBar, ...]:
        groups = sorted({str(c[column]) for c in cells})
        return tuple(GroupBar(g, {s: sum(c[3] for c in cells if c[column] == g and c[2] == s)
                                  for s in STATUSES}, make(g)) for g in groups)

    totals = {s: sum(c[3] for c in cells if c[2] == s) for s in STATUSES}
    return Dashboard(totals=totals, by_task=bars(1, lambda g: QueueFilter(tasks=(g,))),
                     by_source=bars(0, lambda g: QueueFilter(sources=(g,))), per_day=(),
                     throughput=(), reject_reasons={}, warning_kinds={}, drafts=(), audits=(),
                     since=None, until=UNTIL)
