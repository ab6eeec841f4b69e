"""The manifest's "audits" section (issue 14): for every audit by which exported Samples came
in (``accepted`` by its accept, not seen by a person), its plan, counts, interval and verdict
per stratum, who accepted when, and which of the exported Samples it accepted.

A release's reader can so tell, Sample by Sample, what a person approved and what an audit
vouched for, and with what evidence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import AuditStatus, audit_statuses
from irtd_annotator.store.audits import accepted_samples

__all__ = ["audit_records"]


def audit_records(project: Project, exported: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    """One record per audit that accepted any of the ``exported`` (sample id, digest) rows,
    in the order the audits were made; none when no exported Sample came in by audit."""
    with project.engine.connect() as conn:
        accepted = accepted_samples(conn)
    if not accepted:
        return []
    ids = {sid for sid, _digest in exported}
    came: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # name -> stratum, task, id
    for name, stratum, sid, task, original in accepted:
        if sid in ids:
            came[name].append((stratum, task, original))
    return [_record(status, came[status.name]) for status in audit_statuses(project)
            if status.name in came]


def _record(status: AuditStatus, came: list[tuple[str, str, str]]) -> dict[str, Any]:
    in_release = Counter(stratum for stratum, _task, _id in came)
    ids: dict[str, list[str]] = defaultdict(list)
    for _stratum, task, original in came:
        ids[task].append(original)
    return {
        "name": status.name, "filters": status.filters, "max_error": status.max_error,
        "confidence": status.confidence, "seed": status.seed, "by": list(status.by),
        "created_by": status.created_by, "created_at": status.created_at,
        "accepted_by": status.accepted_by, "accepted_at": status.accepted_at,
        "strata": [{
            "stratum": s.label, "key": list(s.key), "population": s.population,
            "planned": s.planned, "drawn": s.drawn, "reviewed": s.reviewed, "errors": s.errors,
            "estimate": s.estimate, "interval": [s.low, s.high], "verdict": s.verdict,
            "accepted": s.accepted, "accepted_in_release": in_release["|".join(s.key)],
        } for s in status.strata],
        "samples": len(came),
        "ids": {task: ids[task] for task in sorted(ids)},  # IR-TD's own ids, per task
    }
