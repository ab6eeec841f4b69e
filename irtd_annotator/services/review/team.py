"""Team work on one store: leases divide the pending Samples between reviewers, and a lead
gives each reviewer a batch (issue 12).

A ``TeamWork`` belongs to one window or process (its ``session``, a random id) of one
reviewer. "Next pending" hands out a Sample no other session holds and takes its lease in
the same short transaction, so two reviewers pressing it at once never land on the same
Sample. A session holds at most one lease: taking one drops the one it held (the reviewer
left that Sample). A lease lasts ``LEASE_SECONDS`` unless renewed; the window renews it while
the reviewer is active and releases it when they leave or close. Lease writes are their own
transactions, never part of a review decision's. Leases are timed by the server's clock on
PostgreSQL (``lease_clock.ServerClock``), so the reviewers' own clocks need not agree.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.changes import store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.lease_clock import ServerClock
from irtd_annotator.services.review.queue_scan import chunks_after
from irtd_annotator.store.assignments import assign_batch, move_batch, take_back_batch
from irtd_annotator.store.leases import (
    free_pending,
    holders,
    leases_of,
    release_leases,
    still_free,
    take_lease,
)
from irtd_annotator.store.revisions import now_iso
from irtd_annotator.store.samples import sources_with_samples, statuses_of

__all__ = ["LEASE_SECONDS", "MAX_COUNT", "BatchRequest", "Holder", "TeamWork", "batch_command",
           "batch_filter", "check_count", "reviewer_name"]

LEASE_SECONDS = 300.0  # five minutes: how long a Sample stays held without a renewal
MAX_COUNT = 2**31 - 1  # the most Samples one batch command names: every store's LIMIT takes it


@dataclass(frozen=True)
class Holder:
    """Who holds a Sample's lease, and whether that is this very session."""

    who: str
    mine: bool


class TeamWork:
    """One reviewer session's leases and the lead's batches on one project."""

    def __init__(self, project: Project, *, annotator: str, session: str | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        """``clock`` times the leases; by default the store's server's (``ServerClock``)."""
        if not annotator.strip():
            raise ValueError("the annotator's name must not be empty")
        self.project = project
        self.annotator = annotator.strip()
        self.session = session or uuid.uuid4().hex
        self.clock: Callable[[], float] = clock or ServerClock(project)

    # ---- leases --------------------------------------------------------------------------

    @store_errors
    def next_pending(self, after_id: int | None, ids: Sequence[int]) -> int | None:
        """The first pending Sample in ``ids`` after ``after_id`` (wrapping round, as
        ``ReviewSession.next_pending``) that no other session holds and no other reviewer
        was given; its lease is taken before it is returned. None if there is none.

        A candidate lost to a faster reviewer between the read and the lease is passed
        over for the next one.
        """
        for chunk in chunks_after(ids, after_id):
            with self.project.engine.connect() as conn:
                free = free_pending(conn, chunk, session=self.session, who=self.annotator,
                                    now=self.clock())
            for sid in chunk:
                if sid != after_id and sid in free and self._claim(sid):
                    return sid
        return None

    @store_errors
    def pending_not_free(self, ids: Sequence[int]) -> int:
        """How many of ``ids`` are pending but held by another session or in another
        reviewer's batch: why next pending found none (read only then, a chunk at a time)."""
        pending = ReviewStatus.PENDING.value
        taken = 0
        for chunk in chunks_after(ids, None):
            with self.project.engine.connect() as conn:
                free = free_pending(conn, chunk, session=self.session, who=self.annotator,
                                    now=self.clock())
                status = statuses_of(conn, chunk)
            taken += sum(1 for sid in chunk if status.get(sid) == pending and sid not in free)
        return taken

    def _claim(self, sample_id: int) -> bool:
        """Take the lease of a pending Sample for next pending: one short transaction that
        gives up when another session got there first or the Sample was decided meanwhile."""
        now = self.clock()
        with self.project.engine.begin() as conn:
            if not take_lease(conn, sample_id, who=self.annotator, session=self.session,
                              since=now_iso(), until=now + LEASE_SECONDS, now=now):
                return False
            if not still_free(conn, sample_id, who=self.annotator):
                conn.rollback()
                return False
            left = self._drop_others(conn, sample_id)
        if left:
            self._drop_left_over(sample_id)
        return True

    def _drop_others(self, conn: Connection, keep: int) -> int:
        """Drop the session's other leases in the transaction that took ``keep``, skipping
        any another transaction has locked right now; how many are left over."""
        release_leases(conn, self.session, keep=keep, skip_locked=True)
        return leases_of(conn, self.session, keep=keep)

    def _drop_left_over(self, keep: int) -> None:
        """Drop what ``_drop_others`` skipped, in a transaction of its own (holding nothing
        else, it may wait)."""
        with self.project.engine.begin() as conn:
            release_leases(conn, self.session, keep=keep)

    @store_errors
    def take(self, sample_id: int) -> Holder | None:
        """Hold (or keep holding) the Sample the reviewer opened, dropping the one they left.

        Returns who holds it: this session, or another that still does (then it stays
        theirs; the reviewer may look and edit all the same). None when the Sample is gone.
        """
        now = self.clock()
        with self.project.engine.begin() as conn:
            # the lease first: this transaction waits, if at all, before it holds anything
            taken = take_lease(conn, sample_id, who=self.annotator, session=self.session,
                               since=now_iso(), until=now + LEASE_SECONDS, now=now)
            left = self._drop_others(conn, sample_id)
            held = None if taken else holders(conn, [sample_id], now=now).get(sample_id)
        if left:
            self._drop_left_over(sample_id)
        if taken:
            return Holder(self.annotator, mine=True)
        return Holder(held[0], mine=False) if held is not None else None

    @store_errors
    def release(self) -> None:
        """Drop every lease of this session (the reviewer closed the project or left)."""
        with self.project.engine.begin() as conn:
            release_leases(conn, self.session)

    @store_errors
    def holders(self, ids: Sequence[int]) -> dict[int, Holder]:
        """Who holds each of ``ids`` now (Samples no one holds are left out): for the queue,
        which asks for the rows on screen only."""
        with self.project.engine.connect() as conn:
            held = holders(conn, ids, now=self.clock())
        return {sid: Holder(who, mine=session == self.session)
                for sid, (who, session) in held.items()}

    # ---- batches -------------------------------------------------------------------------

    @store_errors
    def assign(self, flt: QueueFilter, *, to: str, count: int,
               ids: Sequence[int] | None = None) -> int:
        """Give reviewer ``to`` up to ``count`` Samples of the filter that are in no batch
        yet, in id order: pending ones unless the filter names statuses; how many were given.
        ``ids`` (the queue's selected rows) narrows the filter to those Samples."""
        to = reviewer_name(to)
        check_count(count)
        with self.project.engine.begin() as conn:
            return assign_batch(conn, _batch_of(flt), to=to, by=self.annotator,
                                at=now_iso(), count=count, ids=ids)

    @store_errors
    def take_back(self, flt: QueueFilter, *, who: str | None, count: int | None = None,
                  to: str | None = None) -> int:
        """Take up to ``count`` (or all) of the Samples the filter selects (pending ones
        unless it names statuses) out of ``who``'s batch (or out of every batch), in id
        order, or give them to ``to`` instead; how many were taken back or moved."""
        if count is not None:
            check_count(count)
        with self.project.engine.begin() as conn:
            if to is not None:
                if who is None:
                    raise UserError("say whose batch moves to another reviewer (--from NAME)")
                giver, taker = reviewer_name(who), reviewer_name(to)
                if giver == taker:
                    raise UserError(f"the batch of {giver} would move to {taker} "
                                    "again: give --to another reviewer")
                return move_batch(conn, _batch_of(flt), who=giver, to=taker,
                                  by=self.annotator, at=now_iso(), count=count)
            return take_back_batch(conn, _batch_of(flt), count=count,
                                   who=reviewer_name(who) if who is not None else None)


def check_count(count: int) -> int:
    """``count`` if a batch command may take that many Samples, else UserError (one line)."""
    if count < 1:
        raise UserError(f"the count must be at least 1, not {count}")
    if count > MAX_COUNT:
        raise UserError(f"the count must be at most {MAX_COUNT:,}, not {count:,}")
    return count


def reviewer_name(who: str) -> str:
    """``who`` stripped; UserError (one line) when it is empty."""
    if not who.strip():
        raise UserError("the reviewer's name must not be empty")
    return who.strip()


def _batch_of(flt: QueueFilter) -> QueueFilter:
    """What a batch is made of: the filter's Samples, pending ones unless it names statuses
    (a lead may hand out the flagged ones for a second look), in id order. Work already
    done stays in the batch it was done in when a batch is taken back."""
    return dataclasses.replace(flt, statuses=flt.statuses or (ReviewStatus.PENDING.value,),
                               assigned_to=None, sort="id", descending=False)


def batch_filter(project: Project, *, statuses: Sequence[str] = (), tasks: Sequence[str] = (),
                 sources: Sequence[str] = ()) -> QueueFilter:
    """The filter of a batch named on the command line; UserError, one line, for a status,
    task or source the project does not know."""
    for status in statuses:
        if status not in {s.value for s in ReviewStatus}:
            raise UserError(f"unknown status {status!r}; one of "
                            f"{', '.join(s.value for s in ReviewStatus)}")
    for task in tasks:
        if task not in {t.value for t in Task}:
            raise UserError(f"unknown task {task!r}; one of {', '.join(t.value for t in Task)}")
    if sources:
        with project.engine.connect() as conn:
            known = set(sources_with_samples(conn))
        for source in sources:
            if source not in known:
                raise UserError(f"unknown source {source!r}; the project's samples come from "
                                f"{', '.join(sorted(known)) or 'no source yet'}")
    return QueueFilter(statuses=tuple(statuses), tasks=tuple(tasks), sources=tuple(sources))


def _described(flt: QueueFilter) -> str:
    """The Samples a batch command's filter selects, in words ("pending samples of task X")."""
    what = f"{' or '.join(_batch_of(flt).statuses)} samples"
    parts = [f"task {' or '.join(flt.tasks)}"] if flt.tasks else []
    parts += [f"source {' or '.join(flt.sources)}"] if flt.sources else []
    return what + (f" of {', '.join(parts)}" if parts else "")


@dataclass(frozen=True)
class BatchRequest:
    """What ``irtd-annotator assign`` was asked: give ``to`` a batch of ``count``, or take
    one back (``unassign``, or ``from_who`` alone), or move one (``from_who`` and ``to``)."""

    to: str | None = None
    count: int | None = None
    unassign: bool = False
    from_who: str | None = None
    statuses: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def batch_command(project: Project, request: BatchRequest, *, lead: str) -> str:
    """Carry out an ``assign`` command; the one line saying what was done (UserError, one
    line, for a request that does not add up or a task, status or source not known)."""
    r = request
    back = r.unassign or (r.from_who is not None and r.to is None)
    if r.unassign and r.to is not None:
        raise UserError("--unassign takes a batch back and --to gives one; use one of them")
    if not back and r.from_who is None and (r.to is None or r.count is None):
        raise UserError("say who gets the batch and how many samples: --to NAME --count N")
    flt = batch_filter(project, statuses=r.statuses, tasks=r.tasks, sources=r.sources)
    team = TeamWork(project, annotator=lead)
    if r.from_who is None and not back:
        assert r.to is not None and r.count is not None
        given = team.assign(flt, to=r.to, count=r.count)
        if given == 0:
            return f"assigned no sample to {r.to.strip()}: none matches that is in no batch yet"
        short = f" (only {given:,} matched)" if given < r.count else ""
        return f"assigned {given:,} samples to {r.to.strip()}{short}"
    moved = team.take_back(flt, who=r.from_who, count=r.count, to=None if back else r.to)
    whose = r.from_who.strip() if r.from_who else "every reviewer"
    if moved == 0:  # a misspelt name, or a batch of other samples: say so, not "took 0"
        holder = f"{whose} has no batch" if r.from_who else "no reviewer has a batch"
        return f"{holder} of {_described(flt)}; nothing was {'taken back' if back else 'moved'}"
    if back:
        return f"took {moved:,} samples back from {whose}"
    return f"moved {moved:,} samples from {whose} to {(r.to or '').strip()}"
