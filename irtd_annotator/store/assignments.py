"""Assignments: the batch of Samples a lead gave each reviewer (migration 0006).

A batch is chosen by a queue filter and a count, in id order; a Sample is in at most one
reviewer's batch (the primary key), so two leads assigning at once never give one Sample to
two reviewers: the second insert skips what the first took.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, delete, exists, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.store.queue import filtered_select, search_kind
from irtd_annotator.store.schema import Assignment, Pair, Sample

# ids per statement: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters
_ID_CHUNK = 5000

__all__ = ["assign_batch", "assigned_ids", "batch_counts", "give_batch", "move_batch",
           "take_back_batch", "take_back_given"]


def _unassigned_ids(conn: Connection, flt: QueueFilter, count: int | None,
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
    return len(give_batch(conn, flt, to=to, by=by, at=at, count=count, ids=ids))


def give_batch(conn: Connection, flt: QueueFilter, *, to: str, by: str, at: str,
               count: int | None = None, ids: Sequence[int] | None = None) -> list[int]:
    """``assign_batch`` (``count`` None: every one), returning the ids given, in id order:
    what an undo takes back, and only that."""
    if ids is None:
        return _insert_batch(conn, flt, to=to, by=by, at=at, count=count)
    given: list[int] = []
    for chunk in _chunks(sorted(set(ids))):
        left = None if count is None else count - len(given)
        given += _insert_batch(conn, flt, to=to, by=by, at=at, count=left, ids=chunk)
    return sorted(given)


def _insert_batch(conn: Connection, flt: QueueFilter, *, to: str, by: str, at: str,
                  count: int | None, ids: Sequence[int] | None = None) -> list[int]:
    if count is not None and count <= 0:
        return []
    chosen = _unassigned_ids(conn, flt, count, ids).subquery()
    # "WHERE true": SQLite's parser needs a WHERE before ON CONFLICT in INSERT ... SELECT
    rows = select(chosen.c.id, literal(to), literal(by), literal(at)).where(true())
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Assignment).from_select(["sample_id", "who", "by", "at"], rows)
    # RETURNING gives the rows inserted only: not those another lead took meanwhile
    given = stmt.on_conflict_do_nothing().returning(Assignment.sample_id)
    return sorted(int(sid) for sid in conn.execute(given).scalars())


def take_back_given(conn: Connection, ids: Sequence[int], *, who: str, at: str) -> int:
    """Remove from ``who``'s batch the Samples of ``ids`` given at ``at``: one assignment's
    own, not what was given to them before or since; how many were taken back."""
    taken = 0
    for chunk in _chunks(sorted(set(ids))):
        stmt = delete(Assignment).where(Assignment.sample_id.in_(chunk),
                                        Assignment.who == who, Assignment.at == at)
        taken += int(conn.execute(stmt).rowcount or 0)
    return taken


def batch_counts(conn: Connection, flt: QueueFilter, statuses: Sequence[str],
                 ids: Sequence[int] | None = None) -> dict[tuple[str, str, bool, bool], int]:
    """How many Samples the filter selects (``ids``: of those) per (task, source, whether
    their status is one of ``statuses``, whether they are in a batch already): what a
    batch of them would take and what it would leave out, and why."""
    chosen = filtered_select(flt, select(Sample.id), search=search_kind(conn))
    each = (select(Sample.task.label("task"), Pair.source.label("source"),
                   Sample.status.in_(statuses).label("wanted"),
                   exists().where(Assignment.sample_id == Sample.id).label("given"))
            .join(Pair, Pair.id == Sample.pair_id)
            .where(Sample.id.in_(chosen.scalar_subquery())))
    parts = [each] if ids is None else [
        each.where(Sample.id.in_(chunk)) for chunk in _chunks(sorted(set(ids)))]
    counts: dict[tuple[str, str, bool, bool], int] = {}
    for part in parts:
        sub = part.subquery()
        query = (select(sub.c.task, sub.c.source, sub.c.wanted, sub.c.given, func.count())
                 .group_by(sub.c.task, sub.c.source, sub.c.wanted, sub.c.given))
        for task, source, wanted, given, n in conn.execute(query):
            key = (str(task), str(source), bool(wanted), bool(given))
            counts[key] = counts.get(key, 0) + int(n)
    return counts


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start:start + _ID_CHUNK] for start in range(0, len(ids), _ID_CHUNK)]


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
