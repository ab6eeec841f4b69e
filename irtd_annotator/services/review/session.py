"""The review session: what the review window reads of Samples, and their review decisions
and typed text.

Every change is one operation (services/changes.py): written at once, in its own
transaction, with a revision entry naming the annotator; it returns a ``Changes`` value the
widgets refresh from, whose ``undo`` is the same method with the old values read in that
transaction, so an undo is itself saved and logged. Each transaction first claims the Sample
against the version the window saw (``seen.py``, ADR 0019): a stale write is refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from irtd_annotator.domain.errors import UnapprovableError
from irtd_annotator.domain.model import (
    RejectReason,
    ReviewStatus,
    decided_words,
    source_order,
    status_label,
)
from irtd_annotator.domain.queue_filter import QueueFilter, windowed
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import PairInfo, SampleView
from irtd_annotator.domain.warnings import BAD_MARKUP, HINTS, REIMPORT_CONFLICT, drop_code
from irtd_annotator.services.changes import Changes, Operation, store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.found_counts import BackgroundCounts
from irtd_annotator.services.review.queue_scan import chunks_after
from irtd_annotator.services.review.reads import read_pairs, read_sample
from irtd_annotator.services.review.seen import SeenVersions, Versions
from irtd_annotator.services.review.turn_text import answer_problem, write_turn_text
from irtd_annotator.store.audits import audit_names
from irtd_annotator.store.fast_reads import Statements
from irtd_annotator.store.queue import (
    filtered_ids,
    rows_before,
    rows_of,
    selects,
    siblings_select,
    status_counts,
    window_ids,
)
from irtd_annotator.store.revisions import add_revision, now_iso
from irtd_annotator.store.sample_writes import get_sample, turn_original, update_sample
from irtd_annotator.store.samples import (
    revisions_of,
    sources_with_samples,
    statuses_of,
    tasks_present,
)
from irtd_annotator.store.samples import stamp as _stamp
from irtd_annotator.store.tally import has_tally, tally_by_status

if TYPE_CHECKING:  # Python 3.11 has it at run time; 3.10 does not
    pass

__all__ = ["Changes", "QueueFilter", "QueueRow", "ReviewSession", "RevisionView"]

# SQLite limits the number of bound parameters of one statement; batch below it.
_BATCH = 500
_COUNTED_FILTERS = 4  # filters whose counts are kept (see ReviewSession.counts)


@dataclass(frozen=True)
class QueueRow:
    """One row of the queue table."""

    id: int
    status: str
    task: str
    source: str
    image: str  # Pair.rel_path
    edited: bool
    warnings: str
    missing: bool  # IR or visible file missing
    decided_by: str | None = None  # who set the status last ("audit:NAME" for accepted)
    risk: int = 0  # the stored risk score (docs/risk.md)

    def __post_init__(self) -> None:
        if self.id < 1:
            raise ValueError(f"sample id must be positive, got {self.id}")


@dataclass(frozen=True)
class RevisionView:
    """One revision entry as the history shows it."""

    at: str
    who: str
    action: str
    target: str | None
    old: str | None
    new: str | None


class ReviewSession(BackgroundCounts):
    """Reads and changes the Samples of one project on behalf of one annotator."""

    def __init__(self, project: Project, *, annotator: str,
                 seen: SeenVersions | None = None) -> None:
        if not annotator.strip():
            raise ValueError("the annotator's name must not be empty")
        self.project = project
        self.annotator = annotator.strip()
        # the versions this window showed and wrote; the window's AnswerEditing shares it
        self.seen = seen if seen is not None else SeenVersions()
        # (approved, total) is asked after every decision: per filter, the counts by status
        # with the store's stamp they were read at, kept in step by set_status itself
        self._counts: dict[QueueFilter, tuple[tuple[int, int], dict[str, int]]] = {}
        self._has_tally: bool | None = None  # read once: a migration runs only on opening
        self._reads = Statements()  # what showing a Sample reads, compiled once

    # ---- reading -------------------------------------------------------------------------

    @store_errors
    def query_ids(self, flt: QueueFilter) -> list[int]:
        """The ids of the Samples the filter selects, in its order (one query).

        A text search also counts what it found by status, for ``counts``: the search is
        what costs, so it is not run twice.
        """
        with self.project.engine.connect() as conn:
            if not flt.text.strip() or self._tallied(conn, flt):
                return [row[0] for row in filtered_ids(conn, flt)]
            stamp = _stamp(conn)
            found = filtered_ids(conn, flt, with_status=True)
        by_status: dict[str, int] = {}
        for _sid, status in found:
            by_status[status] = by_status.get(status, 0) + 1
        self._keep_counts(flt, stamp, by_status)
        return [sid for sid, _status in found]

    @staticmethod
    def windowed(flt: QueueFilter) -> bool:
        """Whether the queue may read the filter's ids a window at a time (``window_ids``)."""
        return windowed(flt)

    @store_errors
    def window_ids(self, flt: QueueFilter, *, after: int | None, offset: int = 0,
                   limit: int) -> list[int]:
        """Up to ``limit`` ids of a windowed filter, after the id ``after`` (or from the
        start) and ``offset`` more, in the filter's order."""
        with self.project.engine.connect() as conn:
            return window_ids(conn, flt, after=after, offset=offset, limit=limit,
                              dense_sources=self._dense_sources(conn, flt))

    @store_errors
    def rows_before(self, flt: QueueFilter, sample_id: int) -> int:
        """How many Samples of a windowed filter come before ``sample_id`` in its order."""
        with self.project.engine.connect() as conn:
            return rows_before(conn, flt, sample_id)

    @store_errors
    def selects(self, flt: QueueFilter, sample_id: int) -> bool:
        """Whether the filter selects the Sample."""
        with self.project.engine.connect() as conn:
            return selects(conn, flt, sample_id)

    @store_errors
    def rows(self, ids: Sequence[int]) -> dict[int, QueueRow]:
        """The queue rows of ``ids`` (unknown ids are left out), fetched in batches."""
        out: dict[int, QueueRow] = {}
        wanted = list(dict.fromkeys(int(i) for i in ids))
        with self.project.engine.connect() as conn:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start:start + _BATCH]
                for row in rows_of(conn, chunk):
                    out[row.id] = _queue_row(row)
        return out

    @store_errors
    def counts(self, flt: QueueFilter) -> tuple[int, int]:
        """(decided, total) Samples in the filter; decided: approved, accepted or rejected.

        Counting 260,000 rows after every decision costs more than the decision itself, so
        the counts of the last few filters are kept and moved along by ``set_status``. They
        are read again whenever the store changed otherwise: every change a person makes
        appends a revision and an import adds Samples, so (last revision, last Sample) tells.
        """
        with self.project.engine.connect() as conn:
            if self._tallied(conn, flt):  # a few rows of sample_tally (migration 0004)
                by_status = tally_by_status(conn, statuses=flt.statuses, tasks=flt.tasks,
                                            sources=flt.sources)
                return ReviewStatus.decided(by_status), sum(by_status.values())
            stamp = _stamp(conn)
            cached = None if flt.audit else self._counts.get(flt)  # audit extend: no revision
            if cached is not None and cached[0] == stamp:
                by_status = cached[1]
            else:
                by_status = status_counts(conn, flt)
                self._keep_counts(flt, stamp, by_status)
        return ReviewStatus.decided(by_status), sum(by_status.values())

    def _keep_counts(self, flt: QueueFilter, stamp: tuple[int, int],
                     by_status: dict[str, int]) -> None:
        self._counts.pop(flt, None)
        self._counts[flt] = (stamp, by_status)
        while len(self._counts) > _COUNTED_FILTERS:
            del self._counts[next(iter(self._counts))]

    def _tallied(self, conn: Connection, flt: QueueFilter) -> bool:
        """Whether the store's tally counts this filter (statuses, tasks and sources only)."""
        if not flt.tallied():
            return False
        if self._has_tally is None:
            self._has_tally = has_tally(conn)
        return self._has_tally

    def _dense_sources(self, conn: Connection, flt: QueueFilter) -> bool:
        """Whether the filter's sources hold a tenth or more of the Samples it would select
        without them (see ``filtered_select``); unknown without the tally: no."""
        if not flt.sources or not self._tallied(conn, flt):
            return False
        kept = tally_by_status(conn, statuses=flt.statuses, tasks=flt.tasks, sources=flt.sources)
        every = tally_by_status(conn, statuses=flt.statuses, tasks=flt.tasks, sources=())
        return sum(kept.values()) * 10 >= sum(every.values())

    @store_errors
    def pairs_of(self, sample_ids: Sequence[int]) -> dict[int, PairInfo]:
        """The Pair of each Sample id (unknown ids left out), in one query: for read-ahead."""
        wanted = list(dict.fromkeys(int(i) for i in sample_ids))[:_BATCH]
        with self.project.engine.connect() as conn:
            return read_pairs(self._reads, conn, wanted)

    @store_errors
    def choices(self) -> dict[str, list[str]]:
        """The values the queue's filters offer: tasks and sources present, statuses, audits."""
        order = {task.value: n for n, task in enumerate(Task)}
        with self.project.engine.connect() as conn:
            tasks, sources = tasks_present(conn), sources_with_samples(conn)
            audits = audit_names(conn)
        return {
            "task": sorted(tasks, key=lambda t: (order.get(t, len(order)), t)),
            "source": sorted(sources, key=source_order),
            "status": [s.value for s in ReviewStatus],
            "audit": audits,
        }

    @store_errors
    def sample(self, sample_id: int) -> SampleView:
        """Everything the sample panel and the pair view show of one Sample.

        Read on every move in the window: three small statements compiled once
        (``sample_reads``), not built anew through SQLAlchemy each time.
        """
        with self.project.engine.connect() as conn:
            view = read_sample(self._reads, conn, sample_id)
        self.seen.saw(view.id, view.version)  # what the reviewer's next change is based on
        return view

    @store_errors
    def pair_samples(self, pair_id: int) -> list[QueueRow]:
        """Every Sample of the Pair (siblings across tasks), by id."""
        with self.project.engine.connect() as conn:
            rows = self._reads.rows(conn, siblings_select, pair_id=pair_id)
        return [_queue_row(row) for row in rows]

    @store_errors
    def next_pending(self, after_id: int | None, ids: Sequence[int]) -> int | None:
        """The first pending Sample in ``ids`` after ``after_id``, wrapping round; None if none.

        ``after_id`` itself is never returned. The ids are checked in growing batches, so
        the usual case (a pending Sample close by) costs one small query.
        """
        pending = ReviewStatus.PENDING.value
        with self.project.engine.connect() as conn:
            for chunk in chunks_after(ids, after_id):
                status = statuses_of(conn, chunk)
                for sid in chunk:
                    if sid != after_id and status.get(sid) == pending:
                        return sid
        return None

    @store_errors
    def history(self, sample_id: int) -> list[RevisionView]:
        """The Sample's revisions, newest first."""
        with self.project.engine.connect() as conn:
            return [RevisionView(*row) for row in revisions_of(conn, sample_id)]

    # ---- changing ------------------------------------------------------------------------

    @store_errors
    def set_status(self, sample_id: int, status: str, *, reason: str | None = None,
                   note: str | None = None, undoing: Versions | None = None,
                   decided: tuple[str | None, str | None] | None = None) -> Changes:
        """Set the review status (and the reject reason and note, exactly as given).

        A reason is only allowed with "rejected". Setting what is already there writes
        nothing and returns empty Changes, unless it settles a re-import conflict (ADR 0014).
        ``undoing``: the versions of the change this undoes (see ``seen.py``).
        ``decided`` (who, when) is for the undo alone: the decision it puts back keeps its
        author and time, so the per-reviewer progress moves back too.
        """
        new_status = ReviewStatus(status) if decided is not None else ReviewStatus.by_hand(status)
        if reason is not None:
            reason = RejectReason(reason).value
            if new_status is not ReviewStatus.REJECTED:
                raise ValueError(f"a reject reason ({reason}) needs the status rejected, not {status}")
        note = note.strip() or None if note is not None else None
        at = now_iso()
        with self.seen.writing(self.project.engine, [sample_id], undoing=undoing) as claim:
            conn, claim.rescore = claim.conn, False  # a decision does not move the risk
            sample = get_sample(conn, sample_id)
            if (new_status is ReviewStatus.APPROVED and decided is None
                    and BAD_MARKUP in (sample.warnings or "").split("; ")):
                why = answer_problem(conn, sample_id) or HINTS[BAD_MARKUP]
                raise UnapprovableError(f"sample {sample_id} cannot be approved: {why}")
            old = (sample.status, sample.reject_reason, sample.note)
            decider = (sample.decided_by, sample.decided_at)
            new = (new_status.value, reason, note)
            # A decision settles a re-import conflict, even one that repeats the status.
            settles = REIMPORT_CONFLICT in (sample.warnings or "").split("; ")
            if old == new and not settles:
                return claim.unchanged()
            stamp = _stamp(conn) if self._counts else None
            counted = {flt: self._in_filter(conn, flt, sample_id)
                       for flt, (seen, _n) in self._counts.items() if seen == stamp}
            values: dict[str, object] = {}
            if settles:
                values["warnings"] = drop_code(sample.warnings, REIMPORT_CONFLICT)
            if decided is not None:
                values.update(decided_by=decided[0], decided_at=decided[1])
            elif new_status.value != old[0]:  # who decided it and when: per-reviewer progress
                deciding = new_status is not ReviewStatus.PENDING
                values.update(decided_by=self.annotator if deciding else None,
                              decided_at=at if deciding else None)
            update_sample(conn, sample_id, status=new_status.value, reject_reason=reason,
                          note=note, updated_at=at, updated_by=self.annotator, **values)
            add_revision(conn, who=self.annotator, action="status", sample_id=sample_id,
                         pair_id=sample.pair_id,
                         target=REIMPORT_CONFLICT if old == new else "status",
                         old=status_label(decided_words(old[0], decider[0]), *old[1:]),
                         new=status_label(*new), at=at)
            moved = {flt: (was, self._in_filter(conn, flt, sample_id))
                     for flt, was in counted.items()}
            after = _stamp(conn) if moved else (0, 0)
        self._move_counts(moved, old=sample.status, new=new_status.value, stamp=after)
        made = claim.versions
        undo = Operation(f"{status_label(*new)} sample {sample_id}", sample_id,
                         lambda: self.set_status(sample_id, old[0], reason=old[1], note=old[2],
                                                 undoing=made, decided=decider))
        return Changes(sample_ids=frozenset({sample_id}), status=True, undo=undo)

    @store_errors
    def edit_turn(self, sample_id: int, idx: int, text: str, *,
                  undoing: Versions | None = None) -> Changes:
        """Set the text of one Turn; an edited answer's geometry and values follow it.

        Text that does not parse as the task's markup (half-typed, say), or has more than the
        released form, is saved all the same: the old geometry stays and the "bad-markup"
        warning says why; an approved Sample goes back to pending with a note. The undo puts
        the old text (and the approval) back.
        """
        return self._write_text(sample_id, idx, lambda _conn: text, undoing=undoing)

    @store_errors
    def revert_turn(self, sample_id: int, idx: int) -> Changes:
        """Put one Turn's text back to the original as imported."""
        def original(conn: Connection) -> str:
            found = turn_original(conn, sample_id, idx)
            if found is None:
                raise LookupError(f"sample {sample_id} has no turn {idx}")
            return found

        return self._write_text(sample_id, idx, original, undoing=None)

    def _write_text(self, sample_id: int, idx: int, text_of: Callable[[Connection], str], *,
                    undoing: Versions | None) -> Changes:
        with self.seen.writing(self.project.engine, [sample_id], undoing=undoing) as claim:
            old_text = write_turn_text(claim.conn, sample_id, idx, text_of(claim.conn),
                                       who=self.annotator)
            if old_text is None:
                return claim.unchanged()
        was = old_text.demoted  # an approval the invalid text took back (see turn_text)
        changes = Changes(sample_ids=frozenset({sample_id}), text=True,
                          geometry=old_text.geometry, status=was is not None)
        made = claim.versions

        def undo_edit() -> Changes:
            undone = self.edit_turn(sample_id, idx, old_text.text, undoing=made)
            if was is not None:
                self.set_status(sample_id, was.status, reason=was.reason, note=was.note,
                                decided=(was.decided_by, was.decided_at))
                return dataclasses.replace(undone, status=True)
            return undone

        undo = Operation(f"edit turn {idx} of sample {sample_id}", sample_id, undo_edit)
        return dataclasses.replace(changes, undo=undo)

    def _in_filter(self, conn: Connection, flt: QueueFilter, sample_id: int) -> bool:
        return selects(conn, flt, sample_id)

    def _move_counts(self, moved: dict[QueueFilter, tuple[bool, bool]], *, old: str, new: str,
                     stamp: tuple[int, int]) -> None:
        """Move one Sample from ``old`` to ``new`` status in the kept counts (after commit)."""
        kept: dict[QueueFilter, tuple[tuple[int, int], dict[str, int]]] = {}
        for flt, (was_in, is_in) in moved.items():
            by_status = dict(self._counts[flt][1])
            if was_in:
                by_status[old] = by_status.get(old, 0) - 1
            if is_in:
                by_status[new] = by_status.get(new, 0) + 1
            kept[flt] = (stamp, by_status)
        self._counts = kept  # the others are read again when next asked


def _queue_row(row: Sequence[Any]) -> QueueRow:
    """A queue row from ``row_select``'s columns, in their order."""
    sid, status, task, source, rel_path, edited, warnings, missing, by, risk = row
    return QueueRow(id=sid, status=status, task=task, source=source, image=rel_path,
                    edited=bool(edited), warnings=warnings or "", missing=bool(missing),
                    decided_by=by, risk=int(risk or 0))

