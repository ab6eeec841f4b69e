"""Assigning many Samples from the decision dialog (issue 14): counted first, then one undo
step of the change pipeline (ADR 0018), as a bulk decision is.

The count is exactly what the write takes: the Samples selected (the queue's rows, or all
its filter's) whose status a batch takes (pending unless the filter names statuses) and that
are in no batch yet; the rest are counted as left out, and why. The undo takes back the
assignments this action made and no others; the redo gives again those still free.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import Changes, Operation, store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.team import reviewer_name
from irtd_annotator.store.assignments import batch_counts, give_batch, take_back_given
from irtd_annotator.store.revisions import now_iso

__all__ = ["AssignPlan", "AssignSteps", "Assigned"]


@dataclass
class AssignPlan:
    """What assigning the selection to ``to`` would give, per task and source, and what of
    the selection it would leave out."""

    to: str
    statuses: tuple[str, ...]
    given: Counter[tuple[str, str]] = field(default_factory=Counter)  # (task, source) -> n
    other_status: int = 0  # selected, but not of ``statuses``
    in_batch: int = 0      # selected, of ``statuses``, but in a batch already

    @property
    def total(self) -> int:
        """Samples the assignment would give."""
        return sum(self.given.values())

    @property
    def selected(self) -> int:
        """Samples selected: those given and those left out."""
        return self.total + self.other_status + self.in_batch

    def lines(self) -> list[str]:
        """The counts per task and source, the total, and what is left out, in words."""
        out = [f"  {task:<22} {source:<28} {n:>8,}"
               for (task, source), n in sorted(self.given.items())]
        out.append(f"  {'total':<51} {self.total:>8,}")
        return out + self.left_out()

    def left_out(self) -> list[str]:
        """One line per reason a selected Sample is not given (none: nothing left out)."""
        out = []
        if self.other_status:
            out.append(f"{self.other_status:,} left out: not {' or '.join(self.statuses)}")
        if self.in_batch:
            out.append(f"{self.in_batch:,} left out: already in a batch")
        return out


def _batch(flt: QueueFilter) -> QueueFilter:
    """The Samples a batch takes of the filter: those of its statuses (pending when it names
    none), in id order; "My batch" and the like stay as the queue shows them."""
    return dataclasses.replace(flt, statuses=flt.statuses or (ReviewStatus.PENDING.value,),
                               sort="id", descending=False)


class AssignSteps:
    """Counts, gives and undoes assignments of the selection on ``project``, by ``by``."""

    def __init__(self, project: Project, *, by: str,
                 note: Callable[[str], None] | None = None) -> None:
        self.project = project
        self.by = by
        self.note = note  # told what an undo or redo did, in one line

    @store_errors
    def plan(self, flt: QueueFilter, *, to: str,
             ids: Sequence[int] | None = None) -> AssignPlan:
        """Count, writing nothing, what ``give`` would give ``to`` of the Samples the filter
        selects (``ids``: the queue's selected rows), and what it would leave out."""
        statuses = _batch(flt).statuses
        plan = AssignPlan(reviewer_name(to), statuses)
        with self.project.engine.connect() as conn:
            counts = batch_counts(conn, flt, statuses, ids)
        for (task, source, wanted, given), n in counts.items():
            if not wanted:
                plan.other_status += n
            elif given:
                plan.in_batch += n
            else:
                plan.given[(task, source)] += n
        return plan

    @store_errors
    def give(self, flt: QueueFilter, *, to: str, ids: Sequence[int] | None = None,
             before_commit: Callable[[], None] | None = None) -> Assigned:
        """Give ``to`` every Sample ``plan`` counts (those still free now), in one
        transaction; what was given. ``before_commit`` may raise to roll it all back (the
        window's Cancel)."""
        at = now_iso()
        with self.project.engine.begin() as conn:
            given = give_batch(conn, _batch(flt), to=reviewer_name(to), by=self.by, at=at,
                               ids=ids)
            if before_commit is not None:
                before_commit()
        return Assigned(reviewer_name(to), at, tuple(given), flt)

    @store_errors
    def take_back(self, done: Assigned) -> int:
        """Take back what ``done`` gave, and only that; how many."""
        with self.project.engine.begin() as conn:
            return take_back_given(conn, done.ids, who=done.to, at=done.at)

    def step(self, done: Assigned) -> tuple[Operation, Changes]:
        """(the operation that redoes ``done``, its Changes with the undo) for
        ``ChangeRunner.adopt``: ONE undo step, which takes back only what ``done`` gave."""
        label = f"assign {len(done.ids):,} samples to {done.to}"  # the Edit menu's Undo …

        def redo() -> Changes:  # those of them still free and of the statuses
            again = self.give(done.flt, to=done.to, ids=done.ids)
            gone = len(done.ids) - len(again.ids)
            self._say(f"Redid: {label}; {len(again.ids):,} given" + (
                f", {gone:,} not: in a batch or decided since" if gone else ""))
            return _changes(again, Operation(label, None, lambda: back(again)))

        def back(given: Assigned) -> Changes:
            taken = self.take_back(given)
            gone = len(given.ids) - taken
            self._say(f"Undid: {label}; {taken:,} taken back" + (
                f", {gone:,} not: taken back or moved since" if gone else ""))
            return _changes(given, Operation(label, None, redo))

        return Operation(label, None, redo), _changes(done, Operation(label, None,
                                                                      lambda: back(done)))

    def _say(self, line: str) -> None:
        if self.note is not None:
            self.note(line)


@dataclass(frozen=True)
class Assigned:
    """What one assignment gave: to whom, when, which Samples (id order), of what filter."""

    to: str
    at: str
    ids: tuple[int, ...]
    flt: QueueFilter = field(repr=False)


def _changes(done: Assigned, undo: Operation) -> Changes:
    """The rows given or taken back, and the queue read again ("My batch" grows or
    shrinks); nothing to undo when nothing was given."""
    if not done.ids:
        return Changes()
    return Changes(sample_ids=frozenset(done.ids), queue=True, undo=undo)

