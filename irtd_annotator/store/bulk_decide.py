"""The SQL of a bulk review decision (issue 14): the Samples a queue filter selects, read once
with what a decision needs to know of each, then set in chunks of ids, one revision per Sample.

Set-based: each chunk of ids is one UPDATE and one multi-row revision insert, never a
statement per Sample. The tally (and PostgreSQL's copy of the status in ``sample_search``)
follows by the triggers of migrations 0004 and 0007, as for a one-Sample decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, bindparam, case, exists, literal, select, update

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.store.imports import insert_revisions
from irtd_annotator.store.leases import server_time
from irtd_annotator.store.queue import filtered_select, search_kind
from irtd_annotator.store.schema import Lease, Pair, Sample

# ids per UPDATE: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters, and few
# statements (each compiled anew for its list's length) for 100,000 Samples
WRITE_CHUNK = 5000

__all__ = ["Decided", "Held", "Target", "apply_decision", "clock", "decisions_of", "read_targets",
           "restore_decisions"]

Decided = tuple[str, str | None, str | None, str | None, str | None]
"""(status, reason, note, decided_by, decided_at): what a decision sets and an undo restores."""


@dataclass(frozen=True)
class Target:
    """One Sample a filter selects, as a bulk decision reads it before writing."""

    id: int
    pair_id: int
    task: str
    source: str
    warnings: str | None
    before: Decided
    leased: bool  # held by a live lease of another session (ADR 0020)
    version: int  # as read: the decision's write moves it on by one (ADR 0019)


def read_targets(conn: Connection, flt: QueueFilter, *, session: str | None,
                 now: float, ids: Sequence[int] | None = None) -> list[Target]:
    """Every Sample ``flt`` selects, in id order, with its decision and whether another
    session's lease holds it now (``session`` None: any live lease is another's).
    ``ids`` (the rows a reviewer selected) narrows the filter to those Samples: read a
    chunk at a time, so a selection of any size stays within the parameter limits.

    The rows are locked for the rest of the transaction (PostgreSQL: ``FOR UPDATE``; SQLite
    refuses the later write of a transaction whose reads another writer has overtaken), so
    what is read is what the decision replaces and the revisions name."""
    chosen = filtered_select(flt, select(Sample.id), search=search_kind(conn))
    held = exists().where(Lease.sample_id == Sample.id, Lease.until >= now)
    if session is not None:
        held = held.where(Lease.session != session)
    query = (select(Sample.id, Sample.pair_id, Sample.task, Pair.source, Sample.warnings,
                    Sample.status, Sample.reject_reason, Sample.note, Sample.decided_by,
                    Sample.decided_at, held, Sample.version)
             .join(Pair, Pair.id == Sample.pair_id)
             .where(Sample.id.in_(chosen.scalar_subquery())).order_by(Sample.id)
             .with_for_update(of=Sample))
    if ids is None:
        rows = list(conn.execute(query).all())
    else:
        wanted = sorted(set(ids))
        rows = [r for start in range(0, len(wanted), WRITE_CHUNK) for r in conn.execute(
            query.where(Sample.id.in_(wanted[start:start + WRITE_CHUNK]))).all()]
    return [Target(int(r[0]), int(r[1]), str(r[2]), str(r[3]), r[4], tuple(r[5:10]),  # type: ignore[arg-type]
                   bool(r[10]), int(r[11])) for r in rows]


def clock(conn: Connection) -> float:
    """Now, by the server's clock on PostgreSQL (as leases are written), else this machine's."""
    import time

    at = server_time(conn)
    return time.time() if at is None else at


def apply_decision(conn: Connection, ids: Sequence[int], new: Decided, *,
                   revision: Callable[[int], tuple[int, str, str]], new_label: str, who: str,
                   at: str, warnings: Mapping[int, str | None],
                   progress: Callable[[int], None] | None = None) -> None:
    """Give every Sample of ``ids`` the decision ``new`` (moving its version on, ADR 0019)
    and a revision: ``revision(id)`` is its (pair id, target, old status in words).

    Who decided and when change only with the status, as for one Sample: a new note on a
    flagged Sample keeps who flagged it. ``warnings``: the new warnings of Samples whose
    re-import conflict the decision settles (ADR 0014)."""
    status, reason, note, by, when = new
    same = Sample.status == status  # the row's value before this UPDATE
    for start in range(0, len(ids), WRITE_CHUNK):
        chunk = list(ids[start:start + WRITE_CHUNK])
        conn.execute(update(Sample).where(Sample.id.in_(chunk)).values(
            status=status, reject_reason=reason, note=note,
            decided_by=case((same, Sample.decided_by), else_=literal(by, String)),
            decided_at=case((same, Sample.decided_at), else_=literal(when, String)),
            updated_at=at, updated_by=who, version=Sample.version + 1))
        rows = []
        for sid in chunk:
            pair_id, target, old = revision(sid)
            rows.append((sid, pair_id, at, who, "status", target, old, new_label))
        insert_revisions(conn, rows)
        if progress is not None:
            progress(start + len(chunk))
    if warnings:
        conn.execute(update(Sample).where(Sample.id == bindparam("sid")).values(
            warnings=bindparam("w")), [{"sid": k, "w": v} for k, v in warnings.items()])


Held = tuple[str, str | None, str | None, str | None]
"""(status, reason, note, decided_by): a Sample's decision, as an undo compares it."""


def decisions_of(conn: Connection, ids: Sequence[int]) -> dict[int, Held]:
    """Sample id -> its decision now, for ``ids`` (missing: deleted since); the rows are
    locked for the rest of the transaction, as ``read_targets`` locks them."""
    found: dict[int, Held] = {}
    for start in range(0, len(ids), WRITE_CHUNK):
        chunk = list(ids[start:start + WRITE_CHUNK])
        found.update((int(r[0]), (str(r[1]), r[2], r[3], r[4])) for r in conn.execute(
            select(Sample.id, Sample.status, Sample.reject_reason, Sample.note,
                   Sample.decided_by).where(Sample.id.in_(chunk))
            .order_by(Sample.id).with_for_update()).all())
    return found


def restore_decisions(conn: Connection, rows: Sequence[tuple[int, Decided]], *, who: str,
                      at: str) -> None:
    """Put each Sample's own earlier decision back.

    The Samples that had the same decision (all pending, say: the usual undo) are set by
    one UPDATE per chunk of ids; only a decision no other Sample shares (one reviewer's
    approval at its own time) is a row of one executemany. One UPDATE a Sample took 24 s
    for 100,000 undone (tests/perf/bench_bulk.py)."""
    groups: dict[Decided, list[int]] = {}
    for sid, decided in rows:
        groups.setdefault(decided, []).append(sid)
    alone: list[dict[str, Any]] = []
    for (st, re, no, by, wh), ids in groups.items():
        if len(ids) == 1:
            alone.append({"sid": ids[0], "st": st, "re": re, "no": no, "by": by, "wh": wh})
            continue
        for start in range(0, len(ids), WRITE_CHUNK):
            conn.execute(update(Sample).where(Sample.id.in_(ids[start:start + WRITE_CHUNK]))
                         .values(status=st, reject_reason=re, note=no, decided_by=by,
                                 decided_at=wh, updated_at=at, updated_by=who,
                                 version=Sample.version + 1))
    if alone:
        conn.execute(update(Sample).where(Sample.id == bindparam("sid")).values(
            status=bindparam("st"), reject_reason=bindparam("re"), note=bindparam("no"),
            decided_by=bindparam("by"), decided_at=bindparam("wh"), updated_at=at,
            updated_by=who, version=Sample.version + 1), alone)
