"""Bulk review decisions (issue 14): approve, reject, flag or set back to pending every Sample
a queue filter selects, in one transaction, with one revision per Sample and one undo.

The rules of the one-Sample path (``ReviewSession.set_status``) hold: a Sample whose answer
carries bad markup is not approved (refused, counted), a Sample another session holds by a
live lease is left alone (ADR 0020, counted), and one that already has the decision is not
written again. Who decided and when are set as a one-Sample decision sets them, and cleared
by "pending".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.model import RejectReason, ReviewStatus, status_label
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.domain.warnings import BAD_MARKUP, HINTS, REIMPORT_CONFLICT, drop_code
from irtd_annotator.services.project import Project
from irtd_annotator.store.bulk_decide import (
    Decided,
    Held,
    Target,
    apply_decision,
    clock,
    decisions_of,
    read_targets,
    restore_decisions,
)
from irtd_annotator.store.revisions import marked, now_iso

__all__ = ["BulkResult", "Decision", "bulk_decide"]

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Decision:
    """What a bulk decision sets: a status, with a reject reason and a note where allowed."""

    status: str
    reason: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.status not in {s.value for s in ReviewStatus}:
            hand = ", ".join(s.value for s in ReviewStatus if s is not ReviewStatus.ACCEPTED)
            raise UserError(f"unknown status {self.status!r}; one of {hand}")
        ReviewStatus.by_hand(self.status)  # accepted is refused: only an audit gives it
        reasons = [r.value for r in RejectReason]
        if self.status == ReviewStatus.REJECTED.value and self.reason not in reasons:
            raise UserError(f"unknown reject reason {self.reason!r}; one of {', '.join(reasons)}")
        if self.status != ReviewStatus.REJECTED.value and self.reason is not None:
            raise UserError(f"a reject reason needs the status rejected, not {self.status}")

    @property
    def label(self) -> str:
        """The decision in words, as the history shows it."""
        return status_label(self.status, self.reason, self.note)


@dataclass
class BulkResult:
    """What a bulk decision did (or, planned, would do)."""

    decision: str
    changed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (task, source) -> n
    unchanged: int = 0  # already had this decision
    refused: int = 0    # approval refused: the answer carries bad markup
    leased: int = 0     # held by another reviewer's live lease
    stale: int = 0      # undo only: changed by someone since, left as it is
    undo: Callable[[], BulkResult] | None = None
    who: str = ""
    # the Samples written (planned), for ``undo_on``: what each had is in its Target, what
    # it was left with follows from it and ``made`` (no second record a Sample: 1,000,000)
    chosen: list[Target] = field(default_factory=list, repr=False)
    made: Decided | None = field(default=None, repr=False)

    @property
    def ids(self) -> list[int]:
        """The ids of the Samples changed (or to change), in id order."""
        return [t.id for t in self.chosen]

    def undo_on(self, project: Project) -> BulkResult:
        """The undo, run on ``project``: the window's connection, when a worker thread with a
        project of its own (closed since) wrote the decision."""
        if self.made is None or not self.chosen:
            raise UserError("nothing was written, so there is nothing to undo")
        return _undo(project, self.chosen, self.made, self.decision, who=self.who)

    @property
    def total(self) -> int:
        """Samples changed (or to change)."""
        return sum(self.changed.values())

    def summary(self) -> str:
        """What was done in one line, with how many were left alone and why."""
        n = self.total
        line = f"Set {n:,} sample{'' if n == 1 else 's'} to {self.decision}"
        skipped = [f"{k:,} {why}" for k, why in (
            (self.unchanged, f"already {self.decision}"), (self.refused, "with bad markup"),
            (self.leased, "held by another reviewer"), (self.stale, "changed since")) if k]
        return line + (f"; left alone: {', '.join(skipped)}" if skipped else "")

    def lines(self) -> list[str]:
        """The counts per task and source, the total and every Sample left alone, in words."""
        out = [f"  {task:<22} {source:<28} {n:>8,}"
               for (task, source), n in sorted(self.changed.items())]
        out.append(f"  {'total':<51} {self.total:>8,}")
        decided = Counter(t.status for t in self.chosen if t.status != "pending")
        if decided:  # a person's (or an audit's) decision is overwritten: say so before
            out.append("of them decided already, their decision replaced: " + ", ".join(
                f"{n:,} {status}" for status, n in sorted(decided.items())))
        if self.unchanged:
            out.append(f"{self.unchanged:,} already {self.decision}: left as they are")
        return out + left_alone_lines(bad_markup=self.refused, leased=self.leased,
                                      stale=self.stale, verb="approved")


def left_alone_lines(*, bad_markup: int, leased: int, stale: int, verb: str) -> list[str]:
    """The Samples a bulk write (a decision, an audit's accept) or its undo left alone, and
    why, in words: one line per reason that has any."""
    return [line for n, line in (
        (bad_markup, f"{bad_markup:,} not {verb}: {HINTS[BAD_MARKUP]}"),
        (leased, f"{leased:,} skipped: another reviewer is working on them now"),
        (stale, f"{stale:,} not undone: changed by someone since")) if n]


def bulk_decide(project: Project, flt: QueueFilter, decision: Decision, *, who: str,
                session: str | None = None, dry_run: bool = False,
                progress: Progress | None = None,
                ids: Sequence[int] | None = None) -> BulkResult:
    """Give ``decision`` to every Sample ``flt`` selects (``dry_run``: only count them);
    ``ids`` (the queue's selected rows) narrows that to those of these Samples.

    ``session`` is the caller's lease session (its own leases do not stop it). Returns the
    counts per task and source and, unless nothing changed or ``dry_run``, an undo that puts
    back each Sample's earlier decision (one revision each) as one step.
    """
    approve = decision.status == ReviewStatus.APPROVED.value
    new_cmp = (decision.status, decision.reason, decision.note or None)
    result = BulkResult(decision.label, who=who)
    with project.engine.begin() as conn:
        targets = read_targets(conn, flt, session=session, now=clock(conn), ids=ids,
                               lock=not dry_run)
        chosen: list[Target] = []
        for t in targets:
            settles = t.warnings is not None and REIMPORT_CONFLICT in t.warnings.split("; ")
            if (t.status, t.reason, t.note) == new_cmp and not settles:
                result.unchanged += 1
            elif t.leased:
                result.leased += 1
            elif approve and t.warnings is not None and BAD_MARKUP in t.warnings.split("; "):
                result.refused += 1
            else:
                chosen.append(t)
                result.changed[(t.task, t.source)] += 1
        del targets
        result.chosen = chosen
        if dry_run or not chosen:
            return result
        at = now_iso()
        deciding = decision.status != ReviewStatus.PENDING.value
        new: Decided = (*new_cmp, who if deciding else None, at if deciding else None)
        settled = {t.id: drop_code(t.warnings, REIMPORT_CONFLICT) for t in chosen
                   if REIMPORT_CONFLICT in (t.warnings or "").split("; ")}
        # a decision that repeats the status settles a conflict (ADR 0014): its revision
        # says so; marked here, as the redo's thread runs outside the pipeline's ``replaying``
        apply_decision(conn, [t.id for t in chosen], new, target=marked("status"),
                       settled=marked(REIMPORT_CONFLICT), new_label=decision.label, who=who,
                       at=at, warnings=settled, moves=_moves(chosen, decision.status),
                       progress=None if progress is None
                       else (lambda done: progress(done, len(chosen))))
    result.made = new
    result.undo = lambda: result.undo_on(project)
    return result


def _moves(chosen: list[Target], status: str, *,
           back: bool = False) -> Counter[tuple[str, str, str]]:
    """How the tally's counts move when ``chosen`` go from their status as read to
    ``status`` (``back``: from ``status`` to their status as read, an undo). Both read under
    the write's own transaction and lock, so exactly what the rows hold."""
    read = Counter((t.source, t.task, t.status) for t in chosen)
    sign = -1 if back else 1
    moves: Counter[tuple[str, str, str]] = Counter()
    for (source, task, was), n in read.items():
        moves[(source, task, was)] -= sign * n
        moves[(source, task, status)] += sign * n
    return moves


def _made(t: Target, new: Decided) -> Held:
    """The decision the bulk decision ``new`` left ``t`` with: who decided changes only with
    the status (``apply_decision``), so a new note keeps it."""
    return (new[0], new[1], new[2], new[3] if t.status != new[0] else t.decided_by)


def _undo(project: Project, chosen: list[Target], made: Decided, label: str, *,
          who: str) -> BulkResult:
    """Put back the decision of each Sample of ``chosen`` that still has the decision the
    bulk decision gave it (``made``), whatever its version: a hand change undone since gave
    it back. One decided otherwise since is left alone and counted as stale."""
    result = BulkResult(f"undo {label}", who=who)
    at = now_iso()
    with project.engine.begin() as conn:
        now = decisions_of(conn, [t.id for t in chosen])
        back = [t for t in chosen if now.get(t.id) == _made(t, made)]
        del now
        result.stale = len(chosen) - len(back)
        result.chosen = back
        restore_decisions(conn, [(t.id, t.before) for t in back], who=who, at=at,
                          revision=("status (undo)", label), moves=_moves(back, made[0], back=True))
    result.changed.update((t.task, t.source) for t in back)
    return result
