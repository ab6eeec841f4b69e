"""The dashboard's numbers counted directly: every row of the samples, turns and revisions
read into Python and counted by hand, to hold ``services/dashboard.read_dashboard`` (which
reads the tally and indexes) against. Shared by the dashboard data tests."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from irtd_annotator.domain.edit_distance import levenshtein
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Pair, Revision, Sample, Turn

STATUSES = ("pending", "approved", "rejected", "flagged", "accepted")


def direct_counts(project: Project, *, since: str, until: str) -> dict[str, Any]:
    """What each chart shows, counted from the rows: decisions in [since, until) (days)."""
    with project.engine.connect() as conn:
        samples = conn.execute(select(
            Sample.id, Sample.task, Pair.source, Sample.status, Sample.reject_reason,
            Sample.warnings, Sample.edited).join(Pair, Pair.id == Sample.pair_id)).all()
        revisions = conn.execute(select(
            Revision.who, Revision.at, Revision.target, Revision.new, Revision.sample_id
        ).where(Revision.action == "status")).all()
        edited_ids = {s.id for s in samples if s.edited}
        turns = conn.execute(select(Turn.sample_id, Turn.original, Turn.text).where(
            Turn.sample_id.in_(edited_ids))).all() if edited_ids else []
    totals = Counter(s.status for s in samples)
    by_task: dict[str, Counter[str]] = defaultdict(Counter)
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    for s in samples:
        by_task[s.task][s.status] += 1
        by_source[s.source][s.status] += 1
    per_day: Counter[tuple[str, str]] = Counter()
    decided: dict[tuple[str, str], set[int]] = defaultdict(set)  # the Samples decided
    hours: dict[str, set[str]] = defaultdict(set)
    for r in revisions:
        if not since <= r.at[:10] < until or (r.target or "").endswith(("(undo)", "(redo)")) \
                or (r.new or "").startswith("pending"):
            continue
        who = r.who
        if r.new.startswith("accepted (by audit "):
            who = "audit:" + r.new[len("accepted (by audit "):-1]
        per_day[(who, r.at[:10])] += 1
        decided[(who, r.at[:10])].add(r.sample_id)
        hours[who].add(r.at[:13])
    made: Counter[str] = Counter()
    for (who, _day), n in per_day.items():
        made[who] += n
    distance: Counter[int] = Counter()
    for sid, original, text in turns:
        distance[sid] += levenshtein(original, text)
    drafts = {}
    for task in by_task:
        mine = [s.id for s in samples if s.task == task and s.edited]
        drafts[task] = (sum(by_task[task].values()), len(mine),
                        float(statistics.median(distance[i] for i in mine)) if mine else None)
    kinds: Counter[str] = Counter()
    for s in samples:
        for code in set((s.warnings or "").split("; ")) - {""}:
            kinds[code] += 1
    return {
        "totals": {st: totals[st] for st in STATUSES},
        "by_task": {t: {st: c[st] for st in STATUSES} for t, c in by_task.items()},
        "by_source": {t: {st: c[st] for st in STATUSES} for t, c in by_source.items()},
        "per_day": dict(per_day),
        "per_day_samples": {k: len(ids) for k, ids in decided.items()},
        "per_day_ids": {k: sorted(ids) for k, ids in decided.items()},
        "throughput": {who: (n, len(hours[who]), n / len(hours[who])) for who, n in made.items()},
        "reject_reasons": Counter(s.reject_reason or "(no reason)" for s in samples
                                  if s.status == "rejected"),
        "warning_kinds": kinds,
        "drafts": drafts,
        "reason_ids": {r: sorted(s.id for s in samples if s.status == "rejected"
                                 and (s.reject_reason or "(no reason)") == r)
                       for r in {s.reject_reason or "(no reason)" for s in samples
                                 if s.status == "rejected"}},
        "warning_ids": {k: sorted(s.id for s in samples
                                  if k in (s.warnings or "").split("; ")) for k in kinds},
    }


def shown_counts(dashboard: Any) -> dict[str, Any]:
    """The same numbers as ``direct_counts``, read off a Dashboard."""
    return {
        "totals": dict(dashboard.totals),
        "by_task": {b.group: dict(b.counts) for b in dashboard.by_task},
        "by_source": {b.group: dict(b.counts) for b in dashboard.by_source},
        "per_day": {(d.reviewer, d.day): d.decisions for d in dashboard.per_day},
        "per_day_samples": {(d.reviewer, d.day): d.decided_samples for d in dashboard.per_day},
        "throughput": {t.reviewer: (t.decisions, t.hours, t.per_hour)
                       for t in dashboard.throughput},
        "reject_reasons": Counter(dict(dashboard.reject_reasons)),
        "warning_kinds": Counter(dict(dashboard.warning_kinds)),
        "drafts": {d.task: (d.samples, d.edited, d.median_edit_distance)
                   for d in dashboard.drafts},
    }
