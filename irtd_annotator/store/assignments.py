"""Assignments: the batch of Samples a lead gave each reviewer (migration 0006).

A batch is chosen by a queue filter and a count, in id order; a Sample is in at most one
reviewer's batch (the primary key), so two leads assigning at once never give one Sample to
two reviewers: the second insert skips what the first took.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, delete, exists, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.store.queue import filtered_select, search_kind
from irtd_annotator.store.schema import Assignment, Sample

# ids per statement: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters
_ID_CHUNK = 5000

__all__ = ["assign_batch", "assigned_ids", "move_batch", "take_back_batch"]


def _unassigned_ids(conn: Connection, flt: QueueFilter, count: int,
                    ids: Sequence[int] | None = None) -> Select[Any]:
    query = filtered_select(flt, select(Sample.id), search=search_kind(conn))
    if ids is not None:
        query = query.where(Sample.id.in_(ids))
    return (query.where(~exists().where(Assignment.sample_id == Sample.id))
            .order_by(Sample.id).limit(count))


def assign_batch(conn: Connection, flt: QueueFilter, *, to: str, by: str, at: str,
                 count: int, ids: Sequence[int] | None = None) -> int:
    """Give ``to`` the first ``count`` Samples of the filter that are in no batch yet (in id
    order, whatever the filter's sort); how many were given. ``ids`` (the queue's selected
    rows) narrows the filter to those Samples, a chunk of ids per statement.

    One INSERT ... SELECT: the rows are chosen and written in the same statement, and a
    Sample another lead assigned meanwhile is skipped, not an error.
    """
    if ids is None:
        return _insert_batch(conn, flt, to=to, by=by, at=at, count=count)
    wanted, given = sorted(set(ids)), 0
    for start in range(0, len(wanted), _ID_CHUNK):
        given += _insert_batch(conn, flt, to=to, by=by, at=at, count=count - given,
                               ids=wanted[start:start + _ID_CHUNK])
    return given


def _insert_batch(conn: Connection, flt: QueueFilter, *, to: str, by: str, at: str,
                  count: int, ids: Sequence[int] | None = None) -> int:
    if count <= 0:
        return 0
    chosen = _unassigned_ids(conn, flt, count, ids).subquery()
    # "WHERE true": SQLite's parser needs a WHERE before ON CONFLICT in INSERT ... SELECT
    rows = select(chosen.c.id, literal(to), literal(by), literal(at)).where(true())
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Assignment).from_select(["sample_id", "who", "by", "at"], rows)
    stmt = stmt.on_conflict_do_nothing().execution_options(preserve_rowcount=True)
    return int(conn.execute(stmt).rowcount or 0)


def _batch_ids(conn: Connection, flt: QueueFilter, who: str | None,
               count: int | None) -> Select[Any]:
    """The ids of ``who``'s batch (or of every batch) the filter selects, in id order."""
    query = filtered_select(flt, select(Assignment.sample_id).join(
        Sample, Sample.id == Assignment.sample_id), search=search_kind(conn))
    if who is not None:
        query = query.where(Assignment.who == who)
    query = query.order_by(Assignment.sample_id)
    return query.limit(count) if count is not None else query


def take_back_batch(conn: Connection, flt: QueueFilter, *, who: str | None,
                    count: int | None) -> int:
    """Remove from ``who``'s batch (or from any) up to ``count`` (or all) of the Samples the
    filter selects, in id order; how many were taken back."""
    chosen = _batch_ids(conn, flt, who, count)
    stmt = delete(Assignment).where(Assignment.sample_id.in_(chosen))
    return int(conn.execute(stmt).rowcount or 0)


def move_batch(conn: Connection, flt: QueueFilter, *, who: str, to: str, by: str, at: str,
               count: int | None) -> int:
    """Give ``to`` up to ``count`` (or all) of the Samples of ``who``'s batch that the filter
    selects, in id order; how many moved."""
    chosen = _batch_ids(conn, flt, who, count)
    stmt = (update(Assignment).where(Assignment.sample_id.in_(chosen))
            .values(who=to, by=by, at=at))
    return int(conn.execute(stmt).rowcount or 0)


def assigned_ids(conn: Connection, who: str) -> list[int]:
    """Every Sample id in ``who``'s batch, in id order."""
    return [int(sid) for sid in conn.execute(
        select(Assignment.sample_id).where(Assignment.who == who)
        .order_by(Assignment.sample_id)).scalars()]
