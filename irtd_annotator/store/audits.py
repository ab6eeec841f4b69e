"""The SQL of audits (issue 14, migration 0009): the pending Samples a draw picks from, the
audit's rows, the per-stratum review counts of its drawn Samples, and what an accept gave
``accepted`` (with the decision each had before, for its undo).

Set-based: counts are one grouped query per audit, inserts one executemany per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, select, update

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.store.bulk import insert_rows
from irtd_annotator.store.queue import filtered_select, search_kind
from irtd_annotator.store.schema import (
    Audit,
    AuditAccepted,
    AuditSample,
    AuditStratum,
    Pair,
    Sample,
)

__all__ = ["ACCEPTED_COLUMNS", "AuditRow", "accepted_counts", "accepted_rows", "accepted_samples",
           "audit_names", "audit_rows", "candidates", "forget_accepted", "insert_audit",
           "insert_drawn", "last_round", "mark_accepted", "review_counts",
           "set_planned", "still_accepted", "strata_of"]

AuditRow = Any  # a Row of the audits table (Audit's columns)
# (audit_id, sample_id, stratum, old_status, old_note, old_decided_by, old_decided_at, version)
ACCEPTED_COLUMNS = ("audit_id", "sample_id", "stratum", "old_status", "old_note",
                    "old_decided_by", "old_decided_at", "version")
_CHUNK = 5000  # ids per statement, far below either store's parameter limit
APPROVED, REJECTED = "approved", "rejected"


def candidates(conn: Connection, flt: QueueFilter, *, up_to: int | None = None,
               not_in_audit: int | None = None) -> list[tuple[int, str, str]]:
    """(id, task, source) of every Sample ``flt`` selects, in id order: ``up_to`` the highest
    id to take, ``not_in_audit`` leaves out the Samples that audit drew already."""
    ids = filtered_select(flt, select(Sample.id), search=search_kind(conn))
    query = (select(Sample.id, Sample.task, Pair.source).join(Pair, Pair.id == Sample.pair_id)
             .where(Sample.id.in_(ids.scalar_subquery())).order_by(Sample.id))
    if up_to is not None:
        query = query.where(Sample.id <= up_to)
    if not_in_audit is not None:
        query = query.where(Sample.id.not_in(
            select(AuditSample.sample_id).where(AuditSample.audit_id == not_in_audit)))
    return [(int(i), str(t), str(s)) for i, t, s in conn.execute(query)]


def audit_rows(conn: Connection, name: str | None = None) -> list[AuditRow]:
    """The audits (or the one named ``name``), in the order they were made."""
    query = select(Audit).order_by(Audit.id)
    if name is not None:
        query = query.where(Audit.name == name)
    return list(conn.execute(query.with_only_columns(*Audit.__table__.columns)).all())


def audit_names(conn: Connection) -> list[str]:
    """The audits' names, in the order they were made."""
    return [str(n) for n, in conn.execute(select(Audit.name).order_by(Audit.id))]


def insert_audit(conn: Connection, values: dict[str, Any],
                 strata: Sequence[tuple[str, int, int]]) -> int:
    """Insert an audit (``values``: Audit's columns) and its strata (key, population,
    planned); returns its id."""
    audit_id = int(conn.execute(insert(Audit).values(**values).returning(Audit.id)).scalar_one())
    insert_rows(conn, AuditStratum.__table__, ("audit_id", "key", "population", "planned"),
                [(audit_id, key, population, planned) for key, population, planned in strata])
    return audit_id


def insert_drawn(conn: Connection, audit_id: int, rows: Sequence[tuple[int, str]],
                 drawn_round: int) -> None:
    """Record drawn Samples: (sample id, stratum key) rows of one round."""
    for start in range(0, len(rows), _CHUNK):
        insert_rows(conn, AuditSample.__table__,
                    ("audit_id", "sample_id", "stratum", "drawn_round"),
                    [(audit_id, sid, key, drawn_round) for sid, key in rows[start:start + _CHUNK]])


def set_planned(conn: Connection, audit_id: int, planned: dict[str, int]) -> None:
    """Set the planned size of strata (``audit extend`` raises it to the plan for the
    errors found)."""
    for key, n in planned.items():
        conn.execute(update(AuditStratum).where(AuditStratum.audit_id == audit_id,
                                                AuditStratum.key == key).values(planned=n))


def strata_of(conn: Connection, audit_id: int) -> list[tuple[str, int, int]]:
    """(key, population, planned) of the audit's strata, by key."""
    return [(str(k), int(p), int(n)) for k, p, n in conn.execute(
        select(AuditStratum.key, AuditStratum.population, AuditStratum.planned)
        .where(AuditStratum.audit_id == audit_id).order_by(AuditStratum.key))]


def review_counts(conn: Connection, audit_id: int) -> dict[str, tuple[int, int, int]]:
    """Stratum key -> (drawn, reviewed, errors) of the audit's drawn Samples.

    Reviewed: approved or rejected now (flagged is a question, accepted no person's look).
    An error: rejected, or approved after its text or geometry was edited (it was wrong)."""
    reviewed = Sample.status.in_((APPROVED, REJECTED))
    error = (Sample.status == REJECTED) | and_(Sample.status == APPROVED, Sample.edited.is_(True))
    rows = conn.execute(
        select(AuditSample.stratum, func.count(),
               func.sum(case((reviewed, 1), else_=0)), func.sum(case((error, 1), else_=0)))
        .join(Sample, Sample.id == AuditSample.sample_id)
        .where(AuditSample.audit_id == audit_id).group_by(AuditSample.stratum))
    return {str(k): (int(n), int(r or 0), int(e or 0)) for k, n, r, e in rows}


def last_round(conn: Connection, audit_id: int) -> int:
    """The round of the audit's latest draw (0: only the draw at creation)."""
    return int(conn.execute(select(func.coalesce(func.max(AuditSample.drawn_round), 0))
                            .where(AuditSample.audit_id == audit_id)).scalar_one())


def still_accepted(audit_id: int, name: str) -> Any:
    """The clause: the audit_accepted row's Sample is still ``accepted`` by this audit."""
    return and_(AuditAccepted.audit_id == audit_id, Sample.id == AuditAccepted.sample_id,
                Sample.status == "accepted", Sample.decided_by == "audit:" + name)


def accepted_counts(conn: Connection, audit_id: int, name: str) -> dict[str, int]:
    """Stratum key -> Samples the audit's accept gave ``accepted`` that still have it."""
    return {str(k): int(n) for k, n in conn.execute(
        select(AuditAccepted.stratum, func.count()).join(Sample, Sample.id ==
                                                          AuditAccepted.sample_id)
        .where(still_accepted(audit_id, name)).group_by(AuditAccepted.stratum))}


def mark_accepted(conn: Connection, audit_id: int, rows: Sequence[tuple[Any, ...]], *,
                  by: str, at: str) -> None:
    """Record what an accept gave ``accepted`` (ACCEPTED_COLUMNS rows; a Sample accepted
    before and undone since is replaced) and who accepted when."""
    # the records of Samples a reviewer decided after an earlier accept and set back to
    # pending since: few, so found once rather than deleted chunk by chunk
    kept = {int(i) for i, in conn.execute(
        select(AuditAccepted.sample_id).where(AuditAccepted.audit_id == audit_id))}
    again = [r[1] for r in rows if r[1] in kept]
    for start in range(0, len(again), _CHUNK):
        conn.execute(delete(AuditAccepted).where(
            AuditAccepted.audit_id == audit_id,
            AuditAccepted.sample_id.in_(again[start:start + _CHUNK])))
    for start in range(0, len(rows), _CHUNK):
        insert_rows(conn, AuditAccepted.__table__, ACCEPTED_COLUMNS, list(rows[start:start + _CHUNK]))
    conn.execute(update(Audit).where(Audit.id == audit_id).values(accepted_by=by,
                                                                   accepted_at=at))


def accepted_rows(conn: Connection, audit_id: int,
                  ids: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
    """What an undo of the audit's accept needs of each Sample it accepted (only ``ids`` if
    given), in id order: (sample id, pair id, stratum, old status, old note, old decided_by,
    old decided_at, and its status, reject reason, note and decided_by now). The Sample rows
    are locked for the rest of the transaction, as ``bulk_decide.decisions_of`` locks them."""
    query = (select(AuditAccepted.sample_id, Sample.pair_id, AuditAccepted.stratum,
                    AuditAccepted.old_status, AuditAccepted.old_note,
                    AuditAccepted.old_decided_by, AuditAccepted.old_decided_at,
                    Sample.status, Sample.reject_reason, Sample.note, Sample.decided_by)
             .join(Sample, Sample.id == AuditAccepted.sample_id)
             .where(AuditAccepted.audit_id == audit_id).order_by(AuditAccepted.sample_id)
             .with_for_update(of=Sample))
    if ids is None:
        return [tuple(r) for r in conn.execute(query)]
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), _CHUNK):
        found += [tuple(r) for r in conn.execute(
            query.where(AuditAccepted.sample_id.in_(list(ids[start:start + _CHUNK]))))]
    return found


def forget_accepted(conn: Connection, audit_id: int, name: str, ids: Sequence[int]) -> None:
    """Drop the accept records of ``ids`` (undone); with no Sample left that the audit
    accepted and that still has it, the audit is no longer accepted by anyone (the records
    of Samples reviewers decided since stay, for a later accept to replace)."""
    for start in range(0, len(ids), _CHUNK):
        conn.execute(delete(AuditAccepted).where(
            AuditAccepted.audit_id == audit_id,
            AuditAccepted.sample_id.in_(list(ids[start:start + _CHUNK]))))
    left = conn.execute(select(func.count()).select_from(AuditAccepted)
                        .join(Sample, Sample.id == AuditAccepted.sample_id)
                        .where(still_accepted(audit_id, name))).scalar_one()
    if not left:
        conn.execute(update(Audit).where(Audit.id == audit_id).values(accepted_by=None,
                                                                       accepted_at=None))


def accepted_samples(conn: Connection) -> list[tuple[str, str, int, str, str]]:
    """(audit name, stratum key, Sample id, task, original id) of every Sample an audit's
    accept gave ``accepted`` that still has it, by audit and id."""
    return [(str(n), str(k), int(i), str(t), str(o)) for n, k, i, t, o in conn.execute(
        select(Audit.name, AuditAccepted.stratum, Sample.id, Sample.task, Sample.original_id)
        .join(AuditAccepted, AuditAccepted.audit_id == Audit.id)
        .join(Sample, Sample.id == AuditAccepted.sample_id)
        .where(Sample.status == "accepted", Sample.decided_by == "audit:" + Audit.name)
        .order_by(Audit.id, Sample.id))]
