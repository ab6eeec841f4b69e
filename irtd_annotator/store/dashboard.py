"""What the dashboard reads (issue 15) beside the kept tally (``store/tally.py``): the
decisions of the last days from the revisions, and the Samples' reasons, warning lists and
edit distances, each from an index (migration 0011) rather than the Samples' rows, never
their texts.

The numbers are put together by ``services/dashboard.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    case,
    func,
    literal,
    not_,
    or_,
    select,
)

from irtd_annotator.domain.model import AUDIT_DECIDER
from irtd_annotator.store.schema import Revision, Sample

Row = tuple[Any, ...]

# An audit's accept reads "accepted (by audit NAME)" (``domain.model.decided_words``): the
# decision is the audit's, whoever ran the accept.
_BY_AUDIT = "accepted (by audit "


def _decider() -> ColumnElement[str]:
    """Who made a decision revision: its ``who``, or "audit:NAME" for an audit's accept."""
    prefix = len(_BY_AUDIT)
    new = func.coalesce(Revision.new, "")
    return case((new.like(_BY_AUDIT + "%"),
                 literal(AUDIT_DECIDER, String) + func.substr(new, prefix + 1,
                                                             func.length(new) - prefix - 1)),
                else_=Revision.who)


def _decisions(since: str | None, until: str | None) -> list[ColumnElement[bool]]:
    """The decision revisions made in [since, until) (all of them without bounds): one
    range of the index on (action, at, who), migration 0011."""
    target = func.coalesce(Revision.target, "")
    where = [Revision.action == "status",
             not_(or_(target.like("%(undo)"), target.like("%(redo)"))),
             func.substr(func.coalesce(Revision.new, ""), 1, 7) != "pending"]
    if since is not None:
        where.append(Revision.at >= since)
    if until is not None:
        where.append(Revision.at < until)
    return where


def decision_days(conn: Connection, since: str, until: str) -> list[Row]:
    """(decider, UTC day "YYYY-MM-DD", decisions, Samples, hours) of the decisions made in
    [since, until), in one pass over the range: the Samples decided (one decided twice by
    the decider that day counts once: what the queue's ``decided_by``/``decided_day`` filter
    selects) and the UTC clock hours with at least one of those decisions.

    A decision is a "status" revision that sets a status other than pending, and is not an
    undo or a redo (those take a decision back or give it again: no new work). One bulk
    decision is one revision per Sample, each counted. An audit's accept counts for
    "audit:NAME", not for the person who ran it.
    """
    decider = _decider()
    day = func.substr(Revision.at, 1, 10)
    query = (select(decider, day, func.count(), func.count(func.distinct(Revision.sample_id)),
                    func.count(func.distinct(func.substr(Revision.at, 1, 13))))
             .where(*_decisions(since, until)).group_by(decider, day))
    return [(str(who), str(d), int(n), int(samples), int(hours))
            for who, d, n, samples, hours in conn.execute(query)]


def decided_ids(who: str | None, between: tuple[str, str] | None) -> Select[int | None]:
    """The ids of the Samples ``who`` (anyone: None) decided in [between) (ever: None), even
    those someone decided again since: the queue's filter of a reviewer-day bar."""
    where = _decisions(*between) if between is not None else _decisions(None, None)
    if who is not None:
        where.append(_decider() == who)
    return select(Revision.sample_id).where(*where, Revision.sample_id.is_not(None))


def reject_reasons(conn: Connection) -> dict[str, int]:
    """Rejected Samples per reason now ("" for those rejected without one)."""
    reason = func.coalesce(Sample.reject_reason, "")
    query = select(reason, func.count()).where(Sample.status == "rejected").group_by(reason)
    return {str(r): int(n) for r, n in conn.execute(query)}


def warning_lists(conn: Connection) -> list[Row]:
    """(the "; "-joined warnings, Samples) per distinct list: a few rows of the partial index
    on warnings (the codes are split by the caller)."""
    query = (select(Sample.warnings, func.count()).where(Sample.warnings.is_not(None))
             .group_by(Sample.warnings))
    return [(str(w), int(n)) for w, n in conn.execute(query) if w]


def edited_distances(conn: Connection) -> list[tuple[str, int | None]]:
    """(task, edit distance or None) of every edited Sample, from the index on (edited, task,
    edit_distance)."""
    query = select(Sample.task, Sample.edit_distance).where(Sample.edited.is_(True))
    return [(str(t), None if d is None else int(d)) for t, d in conn.execute(query)]
