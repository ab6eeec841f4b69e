"""A bulk decision as one step of the change pipeline (issue 14, ADR 0018).

The window writes a bulk decision on a worker thread (it takes seconds for 260,000
Samples); the finished ``BulkResult`` becomes a ``Changes`` here, whose undo puts every
Sample back in one step and whose redo decides the same Samples again, both on the
window's own project.
"""

from __future__ import annotations

from collections.abc import Callable

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import Changes, Operation, replaying, store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.bulk import BulkResult, Decision, bulk_decide

__all__ = ["BulkSteps", "Elsewhere"]

Elsewhere = Callable[[str, Callable[[Project], BulkResult]], BulkResult]
"""Runs ``work(project)`` where the caller wants (the window: on a thread of its own, with a
busy dialog, as 260,000 Samples take seconds) and hands back its result; ``str`` says what
runs ("Undoing …")."""


class BulkSteps:
    """Turns finished bulk decisions of ``project`` into undoable pipeline steps."""

    def __init__(self, project: Project, *, session: str | None = None,
                 note: Callable[[str], None] | None = None,
                 elsewhere: Elsewhere | None = None) -> None:
        self.project = project
        self.session = session  # the window's lease session: its own leases do not stop a redo
        self.note = note  # told what an undo or redo did, in one line (it may skip Samples)
        # where an undo or redo is written: by default here, on ``project``
        self.run: Elsewhere = elsewhere or (lambda _what, work: work(self.project))

    def step(self, result: BulkResult, decision: Decision) -> tuple[Operation, Changes]:
        """(the operation that redoes ``result``, its Changes with the undo) for
        ``ChangeRunner.adopt``; the Changes are empty when nothing was written."""
        label = f"set {result.total:,} samples to {decision.label}"  # the Edit menu's Undo …
        ids = result.ids

        @store_errors
        def redo(self: BulkSteps) -> Changes:
            again = self.run(f"Redoing: {label}…", lambda project: _redo(
                project, decision, who=result.who, session=self.session, ids=ids))
            self._say(f"Redid: {again.summary()}")
            return _changes(again, Operation(label, None, lambda: back(self, again)))

        @store_errors
        def back(self: BulkSteps, done: BulkResult) -> Changes:
            undone = self.run(f"Undoing: {label}…", done.undo_on)
            stale = (f"; {undone.stale:,} left as they are: changed by someone since"
                     if undone.stale else "")
            self._say(f"Undid: {label}; {undone.total:,} put back{stale}")
            return _changes(undone, Operation(label, None, lambda: redo(self)))

        return (Operation(label, None, lambda: redo(self)),
                _changes(result, Operation(label, None, lambda: back(self, result))))

    def _say(self, line: str) -> None:
        if self.note is not None:
            self.note(line)


def _redo(project: Project, decision: Decision, *, who: str, session: str | None,
          ids: list[int]) -> BulkResult:
    """The bulk decision again, its revisions marked as a redo's (the dashboard counts the
    decision once): marked here, where it runs, as the window runs it on a thread of its own,
    outside the pipeline's ``replaying``."""
    with replaying("redo"):
        return bulk_decide(project, QueueFilter(), decision, who=who, session=session, ids=ids)


def _changes(result: BulkResult, undo: Operation) -> Changes:
    """What the queue, the panel and the tally refresh from: every Sample written, and the
    queue read again (a status filter or sort may move thousands of rows at once)."""
    if not result.ids:
        return Changes()
    return Changes(sample_ids=frozenset(result.ids), status=True, queue=True, undo=undo)
