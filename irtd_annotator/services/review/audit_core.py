"""Audits (issue 14), their draw and status: evidence, per stratum, that a part of the
dataset is good enough. Use them through ``services/review/audits.py``.

An audit draws a seeded random sample of the pending Samples a queue filter selects, one
stratum per task x source by default, each sized by the zero-failure plan with the
finite-population correction (``domain/audit_stats.py``, docs/audits.md). Its Samples are
reviewed like any other (the queue's ``audit`` filter); the status counts, per stratum, the
reviewed and the errors among them (rejected, or approved after an edit) and gives the
verdict. ``extend_audit`` draws more where errors call for it; ``accept_audit``
(``audit_accept.py``) gives the unreviewed rest of each accepted stratum ``accepted``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from irtd_annotator.domain import audit_stats
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.store import audits as store
from irtd_annotator.store.revisions import now_iso

__all__ = ["DIMENSIONS", "AuditStatus", "StratumStatus", "audit_filter", "audit_statuses",
           "check_audit_name",
           "check_by", "create_audit", "extend_audit", "find_audit", "plan_audit",
           "stratum_filter"]

DIMENSIONS = ("task", "source")  # what an audit may stratify by
NAME_LIMIT = 190  # decided_by holds "audit:" + the name in 200 characters
SEED_LIMIT = 2**63  # a BIGINT on either store
_SEPARATOR = "|"  # between a stratum key's parts in the store ("Relationship|97-LLVIP")


@dataclass(frozen=True)
class StratumStatus:
    """One stratum of an audit: its plan, its review counts and its verdict now."""

    key: tuple[str, ...]   # the values of the audit's ``by`` dimensions, e.g. (task, source)
    label: str             # the key in words: "Relationship / 97-LLVIP", "all"
    population: int        # pending Samples in the stratum when the audit was drawn
    planned: int           # the sample size the plan asks for (raised by extend)
    drawn: int
    reviewed: int          # drawn and now approved or rejected
    errors: int            # rejected, or approved after an edit
    estimate: float        # errors / reviewed (0 while nothing is reviewed)
    low: float             # the two-sided Clopper-Pearson interval at the audit's confidence
    high: float
    verdict: str           # "accept" | "reject" | "continue"
    accepted: int          # Samples the audit's accept gave ``accepted`` that still have it


@dataclass(frozen=True)
class AuditStatus:
    """An audit: what it drew from, what it must show, and each stratum's standing."""

    name: str
    filters: dict[str, Any]  # QueueFilter.to_json of the Samples it drew from
    max_error: float
    confidence: float
    seed: int
    by: tuple[str, ...]
    created_by: str
    created_at: str
    accepted_by: str | None
    accepted_at: str | None
    strata: tuple[StratumStatus, ...]


def check_by(by: Sequence[str]) -> tuple[str, ...]:
    """The stratification dimensions, checked: each of DIMENSIONS at most once (none: the
    whole selection is one stratum)."""
    dims = tuple(d.strip() for d in by if d.strip())
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown or len(set(dims)) != len(dims):
        raise UserError(f"cannot stratify by {','.join(dims)!r}; give each of "
                        f"{', '.join(DIMENSIONS)} at most once, comma-separated")
    return dims


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_LIMIT:
        raise UserError(f"an audit's name must be 1 to {NAME_LIMIT} characters, got {name!r}")
    return name


def _plan(max_error: float, confidence: float, population: int | None = None) -> int:
    """The zero-failure plan, its ValueError (bad max_error or confidence) as a UserError."""
    try:
        return audit_stats.zero_failure_plan(max_error, confidence, population)
    except (ValueError, TypeError) as exc:
        raise UserError(str(exc)) from exc


def _label(key: tuple[str, ...]) -> str:
    return " / ".join(key) if key else "all"


def _key_of(text: str, by: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(text.split(_SEPARATOR, len(by) - 1)) if by else ()


def _stratum(row: tuple[int, str, str], by: tuple[str, ...]) -> str:
    values = {"task": row[1], "source": row[2]}
    return _SEPARATOR.join(values[d] for d in by)


def audit_filter(flt: QueueFilter) -> QueueFilter:
    """The Samples an audit draws from: what ``flt`` selects among the pending ones."""
    return dataclasses.replace(flt, statuses=("pending",), sort="id", descending=False)


def stratum_filter(status: AuditStatus, stratum: StratumStatus) -> QueueFilter:
    """The audit's filter narrowed to one stratum (its task and source), pending only."""
    flt = audit_filter(QueueFilter.from_json(status.filters))
    values = dict(zip(status.by, stratum.key))
    return dataclasses.replace(
        flt, tasks=(values["task"],) if "task" in values else flt.tasks,
        sources=(values["source"],) if "source" in values else flt.sources)


def _by_stratum(rows: Sequence[tuple[int, str, str]],
                by: tuple[str, ...]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        found[_stratum(row, by)].append(row[0])
    return found


def create_audit(project: Project, name: str, flt: QueueFilter, *, max_error: float,
                 confidence: float, seed: int, by: Sequence[str] = DIMENSIONS,
                 who: str) -> AuditStatus:
    """Draw a new audit named ``name`` from the pending Samples ``flt`` selects.

    One stratum per combination of the ``by`` dimensions; each draws its zero-failure plan
    for its population (the whole stratum when that is smaller), seeded by ``seed``. A
    UserError (one line, nothing written) for a name taken or empty, a bad max_error,
    confidence, seed or ``by``, or a filter that selects no pending Sample."""
    name, dims = _check_name(name), check_by(by)
    _plan(max_error, confidence)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise UserError(f"the seed must be a whole number from 0 to {SEED_LIMIT - 1}, got {seed!r}")
    source = audit_filter(flt)
    try:
        with project.engine.begin() as conn:
            if store.audit_rows(conn, name):
                raise UserError(f"an audit named {name!r} exists already; choose another name")
            rows = store.candidates(conn, source)
            if not rows:
                raise UserError("the filter selects no pending sample; nothing to audit")
            ids = _by_stratum(rows, dims)
            plan = {key: _plan(max_error, confidence, len(members))
                    for key, members in ids.items()}
            drawn = audit_stats.stratified_draw(ids, plan, seed)
            audit_id = store.insert_audit(conn, {
                "name": name, "filters": json.dumps(source.to_json(), sort_keys=True),
                "max_error": max_error, "confidence": confidence, "seed": seed,
                "strata_by": ",".join(dims), "max_sample_id": max(r[0] for r in rows),
                "created_by": who, "created_at": now_iso()},
                [(key, len(ids[key]), plan[key]) for key in sorted(ids)])
            store.insert_drawn(conn, audit_id, [(sid, key) for key in sorted(drawn)
                                                for sid in drawn[key]], 0)
    except IntegrityError as exc:  # another process made one of that name a moment before
        raise UserError(f"an audit named {name!r} exists already; choose another name") from exc
    return find_audit(project, name)


def plan_audit(project: Project, flt: QueueFilter, *, max_error: float, confidence: float,
               by: Sequence[str] = DIMENSIONS, name: str | None = None
               ) -> list[tuple[str, int, int]]:
    """What ``create_audit`` would draw now, nothing written: per stratum (label, pending
    Samples, sample size). The same UserErrors for a bad max_error, confidence or ``by``, a
    ``name`` taken or empty, or a filter that selects no pending Sample (the window shows the
    plan before creating)."""
    dims = check_by(by)
    _plan(max_error, confidence)
    with project.engine.connect() as conn:
        if name is not None and store.audit_rows(conn, _check_name(name)):  # as create says
            raise UserError(f"an audit named {name.strip()!r} exists already; choose another name")
        rows = store.candidates(conn, audit_filter(flt))
    if not rows:
        raise UserError("the filter selects no pending sample; nothing to audit")
    ids = _by_stratum(rows, dims)
    return [(_label(_key_of(key, dims)), len(ids[key]),
             min(_plan(max_error, confidence, len(ids[key])), len(ids[key])))
            for key in sorted(ids)]


def _status(conn: Connection, row: Any) -> AuditStatus:
    by = tuple(d for d in str(row.strata_by).split(",") if d)
    counts = store.review_counts(conn, row.id)
    accepted = store.accepted_counts(conn, row.id, row.name)
    strata = []
    for key, population, planned in store.strata_of(conn, row.id):
        drawn, reviewed, errors = counts.get(key, (0, 0, 0))
        low, high = audit_stats.clopper_pearson(errors, reviewed, row.confidence)
        # Samples set back to pending after the draw may join a later one: never more than N
        seen = min(reviewed, population)
        said = audit_stats.verdict(min(errors, seen), seen, row.max_error, row.confidence,
                                   population)
        strata.append(StratumStatus(
            _key_of(key, by), _label(_key_of(key, by)), population, planned, drawn, reviewed,
            errors, errors / reviewed if reviewed else 0.0, low, high, said,
            accepted.get(key, 0)))
    return AuditStatus(row.name, json.loads(row.filters), row.max_error, row.confidence,
                       int(row.seed), by, row.created_by, row.created_at, row.accepted_by,
                       row.accepted_at, tuple(strata))


def audit_statuses(project: Project, name: str | None = None) -> list[AuditStatus]:
    """Every audit (or the one named ``name``: a UserError if there is none) as it stands."""
    with project.engine.connect() as conn:
        rows = store.audit_rows(conn, name)
        if name is not None and not rows:
            raise UserError(_unknown(conn, name))
        return [_status(conn, row) for row in rows]


def _unknown(conn: Connection, name: str) -> str:
    names = [str(r.name) for r in store.audit_rows(conn)]
    return (f"no audit named {name!r}; the project's audits: {', '.join(names)}" if names
            else f"no audit named {name!r}; the project has no audit yet (audit create)")


def find_audit(project: Project, name: str) -> AuditStatus:
    """The audit named ``name``; a UserError naming the project's audits if there is none."""
    return audit_statuses(project, name)[0]


def check_audit_name(project: Project, name: str) -> None:
    """A UserError naming the project's audits unless ``name`` is one (for a queue filter
    or a ``review --audit`` that names it)."""
    with project.engine.connect() as conn:
        if not store.audit_rows(conn, name):
            raise UserError(_unknown(conn, name))


def extend_audit(project: Project, name: str, *, who: str) -> tuple[AuditStatus, int]:
    """Draw more Samples into each "continue" stratum whose errors call for it: up to the plan
    for the errors found so far (``plan_for_errors``), from its pending Samples not drawn yet.

    Returns the audit as it now stands and how many Samples were added (0: review what was
    drawn first, or no plan can reach the max error any more). ``who`` is taken for the
    callers' symmetry; an extension writes no Sample, so no revision names it."""
    status = find_audit(project, name)
    want: dict[str, int] = {}
    planned: dict[str, int] = {}
    for s in status.strata:
        if s.verdict != "continue" or not s.errors:
            continue  # no error yet: the zero-failure plan stands, review what was drawn
        target = audit_stats.plan_for_errors(s.errors, status.max_error, status.confidence,
                                             s.population)
        if target is None:
            continue  # even the whole stratum could not show it: the review will reject
        key = _SEPARATOR.join(s.key)
        planned[key] = max(target, s.planned)
        if min(target, s.population) > s.drawn:
            want[key] = min(target, s.population) - s.drawn
    added = 0
    with project.engine.begin() as conn:
        row = store.audit_rows(conn, status.name)[0]
        store.set_planned(conn, row.id, planned)
        if want:
            pool = store.candidates(conn, audit_filter(QueueFilter.from_json(status.filters)),
                                    up_to=row.max_sample_id, not_in_audit=row.id)
            ids = {key: members for key, members in _by_stratum(pool, status.by).items()
                   if key in want}
            round_ = store.last_round(conn, row.id) + 1
            # a seed of its own per round: the same audit extended the same way draws the same
            drawn = audit_stats.stratified_draw(ids, {k: want[k] for k in ids},
                                                status.seed * 1009 + round_)
            rows = [(sid, key) for key in sorted(drawn) for sid in drawn[key]]
            store.insert_drawn(conn, row.id, rows, round_)
            added = len(rows)
    return find_audit(project, name), added
