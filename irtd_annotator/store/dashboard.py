"""What the dashboard reads (issue 15) beside the kept tally (``store/tally.py``): the
decisions of the last days from the revisions, and the Samples' reasons, warning lists and
edit distances, each from an index (migration 0011) rather than the Samples' rows, never
their texts.

The numbers are put together by ``services/dashboard.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, String, case, func, literal, not_, or_, select

from irtd_annotator.domain.model import AUDIT_DECIDER
from irtd_annotator.store.schema import Revision, Sample

Row = tuple[Any, ...]

# An audit's accept reads "accepted (by audit NAME)" (``domain.model.decided_words``): the
# decision is the audit's, whoever ran the accept.
_BY_AUDIT = "accepted (by audit "


def decision_hours(conn: Connection, since: str, until: str) -> list[Row]:
    """(decider, UTC hour "YYYY-MM-DDTHH", decisions) of the decisions made in [since, until).

    A decision is a "status" revision that sets a status other than pending, and is not an
    undo or a redo (those take a decision back or give it again: no new work). One bulk
    decision is one revision per Sample, each counted. An audit's accept counts for
    "audit:NAME", not for the person who ran it.
    """
    prefix = len(_BY_AUDIT)
    new = func.coalesce(Revision.new, "")
    decider = case((new.like(_BY_AUDIT + "%"),
                    literal(AUDIT_DECIDER, String) + func.substr(new, prefix + 1,
                                                                func.length(new) - prefix - 1)),
                   else_=Revision.who)
    hour = func.substr(Revision.at, 1, 13)
    target = func.coalesce(Revision.target, "")
    query = (select(decider, hour, func.count())
             .where(Revision.action == "status", Revision.at >= since, Revision.at < until,
                    not_(or_(target.like("%(undo)"), target.like("%(redo)"))),
                    func.substr(new, 1, 7) != "pending")
             .group_by(decider, hour))
    return [(str(who), str(h), int(n)) for who, h, n in conn.execute(query)]


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
