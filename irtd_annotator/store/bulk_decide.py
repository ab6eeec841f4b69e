"""The SQL of a bulk review decision (issue 14): the Samples a queue filter selects, read once
with what a decision needs to know of each, then set a range of ids at a time, one revision
per Sample.

Set-based: the ids go into a temporary table; each range of them is one ``INSERT ... SELECT``
of its revisions (the old decision in words read from the rows before they change) and one
UPDATE. On SQLite the tally's per-row trigger is dropped for the transaction and its counts
moved once per (source, task, status) (``store/tally.py``); PostgreSQL's statement triggers
(migration 0007) keep the tally and ``sample_search``'s status per UPDATE, as for a
one-Sample decision.

Measured at 1,040,000 Samples of a 2.6M store (issue 16): 93 s before, when each revision
was a Python tuple, each row fired the tally's trigger and each row read became a
dataclass; 37 s after, at load 3 (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    TableClause,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    insert,
    literal,
    select,
    table,
    text,
    update,
)

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.store.imports import REVISION_COLUMNS
from irtd_annotator.store.leases import server_time
from irtd_annotator.store.queue import filtered_select, search_kind
from irtd_annotator.store.schema import Lease, Pair, Revision, Sample
from irtd_annotator.store.tally import Moves, tally_by_hand

# ids per IN list of a selection read: far below SQLite's 32,766 and
# PostgreSQL's 65,535 parameters
WRITE_CHUNK = 5000
# Samples per statement of a bulk write that names them by a range of the ids' table: few
# statements, and the progress moves on 20 times in 1,000,000 Samples
RANGE = 50_000
ID_TABLE = "bulk_decide_ids"  # temporary: the ids of the Samples a bulk write changes

__all__ = ["Decided", "Held", "Target", "apply_decision", "clock", "decisions_of", "read_targets",
           "restore_decisions"]

Decided = tuple[str, str | None, str | None, str | None, str | None]
"""(status, reason, note, decided_by, decided_at): what a decision sets and an undo restores."""


class Target(NamedTuple):
    """One Sample a filter selects, as a bulk decision reads it before writing: the row as
    the driver returns it (a tuple, not a dataclass: 1,000,000 of them are read at once)."""

    id: int
    pair_id: int
    task: str
    source: str
    warnings: str | None
    status: str
    reason: str | None
    note: str | None
    decided_by: str | None
    decided_at: str | None
    leased: bool  # held by a live lease of another session (ADR 0020); SQLite: 0 or 1
    version: int  # as read: the decision's write moves it on by one (ADR 0019)

    @property
    def before(self) -> Decided:
        """The decision the Sample had when read."""
        return (self.status, self.reason, self.note, self.decided_by, self.decided_at)


def read_targets(conn: Connection, flt: QueueFilter, *, session: str | None,
                 now: float, ids: Sequence[int] | None = None,
                 lock: bool = True) -> list[Target]:
    """Every Sample ``flt`` selects, in id order, with its decision and whether another
    session's lease holds it now (``session`` None: any live lease is another's).
    ``ids`` (the rows a reviewer selected) narrows the filter to those Samples: read a
    chunk at a time, so a selection of any size stays within the parameter limits.

    ``lock``: the rows are locked for the rest of the transaction (PostgreSQL: ``FOR
    UPDATE``; SQLite: the store's write lock, taken before the first read), so what is read
    is what the decision replaces, the revisions name and the tally's moves count: another
    reviewer's save waits for the decision. Without it (only counting) nothing is held."""
    if lock and conn.dialect.name == "sqlite":
        _write_lock_first(conn)
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
        return list(map(Target._make, _driver_rows(conn, query)))
    wanted = sorted(set(ids))
    return [Target._make(r) for start in range(0, len(wanted), WRITE_CHUNK)
            for r in _driver_rows(conn, query.where(
                Sample.id.in_(wanted[start:start + WRITE_CHUNK])))]


def _driver_rows(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the driver's own tuples: SQLAlchemy's Row for each of
    1,040,000 Samples cost 6.5 s of the 29 s of reading them (profiled). The columns read
    need no conversion: ints and strings both drivers return as they are."""
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _label() -> ColumnElement[Any]:
    """A Sample's decision in words, in SQL: ``domain.model.status_label`` of its row."""
    def part(before: str, value: Any, after: str = "") -> ColumnElement[Any]:
        return func.coalesce(literal(before, String) + func.nullif(value, "")
                             + literal(after, String), "", type_=String)
    return Sample.status + part(" (", Sample.reject_reason, ")") + part(": ", Sample.note)


@contextmanager
def _id_table(conn: Connection, ids: Sequence[int],
              groups: Sequence[int] | None = None) -> Iterator[TableClause]:
    """``ids`` (no repeats) in a temporary table of this connection for the block, with
    ``groups`` (one number an id, in the same order) in its column ``g``.

    The statements of a bulk write then name their Samples by a subquery of it, a range of
    ids at a time, rather than by lists of 5,000 bound parameters that SQLAlchemy renders and
    the driver binds anew for each statement (the UPDATE and the revisions of 1,040,000
    Samples took twice their plain SQL's time so). A temporary table is this connection's
    alone, and goes with its transaction's rollback or its process."""
    name = ID_TABLE
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{name}")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} (id INTEGER PRIMARY KEY, g INTEGER)")
        # two arrays, not a parameter set per id
        conn.execute(text(f"INSERT INTO {name} SELECT * FROM unnest(CAST(:ids AS integer[]),"
                          " CAST(:g AS integer[]))"),
                     {"ids": list(ids), "g": [0] * len(ids) if groups is None else list(groups)})
    else:
        _write_lock_first(conn)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} (id INTEGER PRIMARY KEY, g INTEGER)")
        conn.exec_driver_sql(f"INSERT INTO {name} (id, g) VALUES (?, ?)", list(zip(
            ids, [0] * len(ids) if groups is None else groups, strict=True)))
    yield table(name, column("id"), column("g"))
    conn.exec_driver_sql(f"DROP TABLE {name}")


def _write_lock_first(conn: Connection) -> None:
    """SQLite: hold the store's write lock from here to the transaction's end, waiting for
    it as any write does (busy_timeout). The driver would begin the transaction only at the
    id table's insert, a write to the temporary database alone, so the store's first write
    (the tally's trigger, the UPDATE) came after reads: a save another program committed in
    between then made it fail at once with "database is locked" instead of waiting."""
    driver = conn.connection.driver_connection
    if not driver.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ranges(ids: Sequence[int]) -> Iterator[tuple[int, int, int]]:
    """(first id, last id, Samples up to it) of each run of RANGE of ``ids`` (sorted)."""
    for start in range(0, len(ids), RANGE):
        end = min(start + RANGE, len(ids))
        yield ids[start], ids[end - 1], end


def _add_revisions(conn: Connection, chosen: Any, *, at: str, who: str,
                   target: ColumnElement[Any], old: ColumnElement[Any],
                   new: ColumnElement[Any]) -> None:
    """One status revision for each Sample ``chosen`` (a select of ids) selects, in one
    ``INSERT ... SELECT`` from the rows as they are now (``_label()`` reads their decision)."""
    conn.execute(insert(Revision).from_select(REVISION_COLUMNS, select(
        Sample.id, Sample.pair_id, literal(at, String), literal(who, String),
        literal("status", String), target, old, new)
        .where(Sample.id.in_(chosen)).order_by(Sample.id)))


def clock(conn: Connection) -> float:
    """Now, by the server's clock on PostgreSQL (as leases are written), else this machine's."""
    import time

    at = server_time(conn)
    return time.time() if at is None else at


def apply_decision(conn: Connection, ids: Sequence[int], new: Decided, *, target: str,
                   settled: str | None = None, new_label: str, who: str, at: str,
                   warnings: Mapping[int, str | None], moves: Moves | None = None,
                   progress: Callable[[int], None] | None = None) -> None:
    """Give every Sample of ``ids`` the decision ``new`` (moving its version on, ADR 0019)
    and a revision naming ``target`` (``settled`` instead for a Sample that had ``new``
    already: the decision settles its re-import conflict, ADR 0014), its old decision in
    words and ``new_label``.

    Who decided and when change only with the status, as for one Sample: a new note on a
    flagged Sample keeps who flagged it. ``warnings``: the new warnings of Samples whose
    re-import conflict the decision settles (ADR 0014). ``moves``: how the tally's counts
    move, if the caller read the Samples in this transaction (else counted here)."""
    status, reason, note, by, when = new
    same = Sample.status == status  # the row's value before this UPDATE
    named: ColumnElement[Any] = literal(target, String)
    if settled is not None:
        had = and_(same, Sample.reject_reason.is_not_distinct_from(reason),
                   Sample.note.is_not_distinct_from(note))
        named = case((had, literal(settled, String)), else_=named)
    ordered = sorted(ids)
    with _id_table(conn, ordered) as chosen, \
            tally_by_hand(conn, chosen.name, moves):
        for lo, hi, done in _ranges(ordered):
            these = select(chosen.c.id).where(chosen.c.id.between(lo, hi))
            # before the UPDATE: the revisions read the old decision
            _add_revisions(conn, these, at=at, who=who, target=named, old=_label(),
                           new=literal(new_label, String))
            conn.execute(update(Sample).where(Sample.id.in_(these)).values(
                status=status, reject_reason=reason, note=note,
                decided_by=case((same, Sample.decided_by), else_=literal(by, String)),
                decided_at=case((same, Sample.decided_at), else_=literal(when, String)),
                updated_at=at, updated_by=who, version=Sample.version + 1))
            if progress is not None:
                progress(done)
    if warnings:
        conn.execute(update(Sample).where(Sample.id == bindparam("sid")).values(
            warnings=bindparam("w")), [{"sid": k, "w": v} for k, v in warnings.items()])


Held = tuple[str, str | None, str | None, str | None]
"""(status, reason, note, decided_by): a Sample's decision, as an undo compares it."""


def decisions_of(conn: Connection, ids: Sequence[int]) -> dict[int, Held]:
    """Sample id -> its decision now, for ``ids`` (missing: deleted since); the rows are
    locked for the rest of the transaction, as ``read_targets`` locks them."""
    with _id_table(conn, sorted(set(ids))) as chosen:
        return {r[0]: r[1:] for r in _driver_rows(conn, select(
            Sample.id, Sample.status, Sample.reject_reason, Sample.note, Sample.decided_by)
            .where(Sample.id.in_(select(chosen.c.id))).with_for_update(of=Sample))}


def restore_decisions(conn: Connection, rows: Sequence[tuple[int, Decided]], *, who: str,
                      at: str, revision: tuple[str, str] | None = None,
                      moves: Moves | None = None) -> None:
    """Put each Sample's own earlier decision back; ``revision`` (target, old decision in
    words): with one revision each, whose new decision is read from the row put back;
    ``moves`` as for ``apply_decision``.

    The Samples that had the same decision (all pending, say: the usual undo) are set by
    one UPDATE per chunk of ids; only a decision no other Sample shares (one reviewer's
    approval at its own time) is a row of one executemany. One UPDATE a Sample took 24 s
    for 100,000 undone (tests/perf/bench_bulk.py)."""
    groups: dict[Decided, list[int]] = {}
    for sid, decided in rows:
        groups.setdefault(decided, []).append(sid)
    alone: list[dict[str, Any]] = []
    number = {decided: n for n, decided in enumerate(groups)}
    ordered = sorted(rows)
    with _id_table(conn, [sid for sid, _d in ordered],
                   [number[d] for _sid, d in ordered]) as chosen, \
            tally_by_hand(conn, chosen.name, moves):
        for (st, re, no, by, wh), ids in groups.items():
            if len(ids) == 1:
                alone.append({"sid": ids[0], "st": st, "re": re, "no": no, "by": by, "wh": wh})
                continue
            group = chosen.c.g == number[(st, re, no, by, wh)]
            for lo, hi, _done in _ranges(sorted(ids)):
                these = select(chosen.c.id).where(group, chosen.c.id.between(lo, hi))
                conn.execute(update(Sample).where(Sample.id.in_(these)).values(
                    status=st, reject_reason=re, note=no, decided_by=by, decided_at=wh,
                    updated_at=at, updated_by=who, version=Sample.version + 1))
        if alone:
            conn.execute(update(Sample).where(Sample.id == bindparam("sid")).values(
                status=bindparam("st"), reject_reason=bindparam("re"), note=bindparam("no"),
                decided_by=bindparam("by"), decided_at=bindparam("wh"), updated_at=at,
                updated_by=who, version=Sample.version + 1), alone)
        if revision is not None:  # after the UPDATEs: the new decision is the row's
            target, old = revision
            for lo, hi, _done in _ranges([sid for sid, _d in ordered]):
                _add_revisions(conn, select(chosen.c.id).where(chosen.c.id.between(lo, hi)),
                               at=at, who=who, target=literal(target, String),
                               old=literal(old, String), new=_label())
