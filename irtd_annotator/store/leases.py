"""Leases: which reviewer session is working on a Sample now, until when (migration 0006).

Every statement here is tiny: "next pending" takes a lease each time it is pressed, so a
lease write is one upsert by primary key and one delete by session, never part of a review
decision's transaction. Times are seconds since the epoch (``until``), read from the
caller's clock: on PostgreSQL the server's (``server_time``), so that machines whose clocks
disagree still agree on when a lease ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, case, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.store.schema import Assignment, Lease, Sample

__all__ = ["free_pending", "holders", "leases_of", "release_leases", "server_time",
           "still_free", "take_lease"]


def server_time(conn: Connection) -> float | None:
    """The database server's clock now, in seconds since the epoch; None for a store that
    has no server of its own (SQLite: one machine's file, read with that machine's clock)."""
    if conn.dialect.name != "postgresql":
        return None
    # clock_timestamp(), not now(): the time of this statement, not of its transaction's start
    return float(conn.execute(select(func.extract("epoch", func.clock_timestamp()))).scalar_one())


def _live_of_another(*, session: str, now: float) -> Any:
    """A live lease on the outer query's Sample held by a session other than ``session``."""
    return exists().where(Lease.sample_id == Sample.id, Lease.until >= now,
                          Lease.session != session)


def _assigned_to_another(who: str) -> Any:
    return exists().where(Assignment.sample_id == Sample.id, Assignment.who != who)


def free_pending(conn: Connection, ids: Sequence[int], *, session: str, who: str,
                 now: float) -> set[int]:
    """Those of ``ids`` that are pending, held by no other session's live lease and not in
    another reviewer's batch.

    Read by primary key, the status and the two flags checked here: SQLite would otherwise
    walk the (much larger) status index instead of looking the few ids up.
    """
    query = select(Sample.id, Sample.status, _live_of_another(session=session, now=now),
                   _assigned_to_another(who)).where(Sample.id.in_(list(ids)))
    pending = ReviewStatus.PENDING.value
    return {int(sid) for sid, status, held, assigned in conn.execute(query)
            if status == pending and not held and not assigned}


def still_free(conn: Connection, sample_id: int, *, who: str) -> bool:
    """Whether the Sample is still pending and in no other reviewer's batch (read after its
    lease was taken, in the same transaction: a decision made meanwhile shows here)."""
    row = conn.execute(select(Sample.status, _assigned_to_another(who))
                       .where(Sample.id == sample_id)).first()
    return row is not None and row[0] == ReviewStatus.PENDING.value and not row[1]


def take_lease(conn: Connection, sample_id: int, *, who: str, session: str, since: str,
               until: float, now: float) -> bool:
    """Take (or renew) the Sample's lease for ``session``: True when it is now held by it.

    One statement, atomic on both stores: the row is inserted, or overwritten only when the
    lease there has expired or is this session's own. A lease another session holds is left
    alone (no row changed: False). On PostgreSQL a concurrent taker of the same Sample waits
    for this transaction and then sees the lease it wrote.
    """
    values = {"sample_id": sample_id, "who": who, "session": session, "since": since,
              "until": until}
    dialect = conn.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Lease).values(**values)
    taken_over = (Lease.until < now) | (Lease.session == session)
    # Renewing one's own lease keeps its "since"; taking another's over starts a new one.
    stmt = stmt.on_conflict_do_update(
        index_elements=[Lease.sample_id],
        set_={"who": who, "session": session, "until": until,
              "since": _keep_since(stmt, session)},
        where=taken_over)
    # preserve_rowcount: SQLAlchemy keeps an INSERT's row count only when asked
    return conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount == 1


def _keep_since(stmt: Any, session: str) -> Any:
    return case((Lease.session == session, Lease.since), else_=stmt.excluded.since)


def release_leases(conn: Connection, session: str, *, keep: int | None = None,
                   skip_locked: bool = False) -> int:
    """Drop the session's leases (but the one of ``keep``); how many were dropped.

    ``skip_locked``: a lease another transaction has locked at this moment is skipped, not
    waited for (PostgreSQL's SKIP LOCKED; SQLite has one writer at a time anyway). A
    transaction that just took a lease drops the old ones so: holding a lease, it never
    waits for another transaction, so two reviewers swapping Samples cannot deadlock.
    """
    mine = select(Lease.sample_id).where(Lease.session == session)
    if keep is not None:
        mine = mine.where(Lease.sample_id != keep)
    if skip_locked:
        mine = mine.with_for_update(skip_locked=True)
    return int(conn.execute(delete(Lease).where(Lease.sample_id.in_(mine))).rowcount or 0)


def leases_of(conn: Connection, session: str, *, keep: int | None = None) -> int:
    """How many leases the session holds (but the one of ``keep``)."""
    query = select(func.count()).select_from(Lease).where(Lease.session == session)
    if keep is not None:
        query = query.where(Lease.sample_id != keep)
    return int(conn.execute(query).scalar() or 0)


def holders(conn: Connection, ids: Sequence[int], *, now: float) -> dict[int, tuple[str, str]]:
    """(who, session) of the live leases on ``ids`` (Samples no one holds are left out)."""
    if not ids:
        return {}
    query = select(Lease.sample_id, Lease.who, Lease.session).where(
        Lease.sample_id.in_(list(ids)), Lease.until >= now)
    return {int(sid): (str(who), str(session)) for sid, who, session in conn.execute(query)}
