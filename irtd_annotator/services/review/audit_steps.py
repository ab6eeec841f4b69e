"""An audit's accept as one step of the change pipeline (issue 14, ADR 0018).

The window writes an accept on a worker thread (tens of thousands of Samples at 260,000);
the finished ``AcceptResult`` becomes a ``Changes`` here, whose undo puts back exactly the
Samples that accept wrote, in one step, and whose redo accepts the audit again, both on the
window's own project.
"""

from __future__ import annotations

from collections.abc import Callable

from irtd_annotator.services.changes import Changes, Operation, store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audits import AcceptResult, accept_audit, undo_accept

__all__ = ["AcceptSteps"]


class AcceptSteps:
    """Turns a finished accept of ``project``'s audit into an undoable pipeline step."""

    def __init__(self, project: Project, *, who: str, session: str | None = None,
                 note: Callable[[str], None] | None = None,
                 elsewhere: Callable[[str, Callable[[Project], AcceptResult]], AcceptResult]
                 | None = None) -> None:
        self.project = project
        self.who = who
        self.session = session  # the window's lease session: its own lease does not stop a redo
        self.note = note  # told what an undo or redo did, in one line
        # where an undo or redo is written (the window: a thread of its own, as an accept of
        # 260,000 Samples takes seconds; see bulk_steps.Elsewhere); by default on ``project``
        self.run = elsewhere or (lambda _what, work: work(self.project))

    def step(self, result: AcceptResult) -> tuple[Operation, Changes]:
        """(the operation that redoes the accept, its Changes with the undo) for
        ``ChangeRunner.adopt``; the Changes are empty when nothing was written."""
        name = result.name
        label = f"accept of audit {name} ({result.total:,} samples)"

        @store_errors
        def redo(self: AcceptSteps) -> Changes:
            again = self.run(f"Redoing: {label}…", lambda project: accept_audit(
                project, name, who=self.who, session=self.session))
            self._say(f"Redid the accept of audit {name}: {again.total:,} samples accepted")
            return _changes(again, Operation(label, None, lambda: back(self, again.ids)))

        @store_errors
        def back(self: AcceptSteps, ids: tuple[int, ...]) -> Changes:
            undone = self.run(f"Undoing: {label}…", lambda project: undo_accept(
                project, name, who=self.who, ids=ids))
            stale = (f"; {undone.stale:,} left as they are: changed by someone since"
                     if undone.stale else "")
            self._say(f"Undid the accept of audit {name}: {undone.total:,} samples put "
                      f"back{stale}")
            return _changes(undone, Operation(label, None, lambda: redo(self)))

        return (Operation(label, None, lambda: redo(self)),
                _changes(result, Operation(label, None, lambda: back(self, result.ids))))

    def _say(self, line: str) -> None:
        if self.note is not None:
            self.note(line)


def _changes(result: AcceptResult, undo: Operation) -> Changes:
    """What the queue, the panel, the tally and the Audits panel refresh from: every Sample
    written, and the queue read again (thousands of rows may change status at once)."""
    if not result.ids:
        return Changes()
    return Changes(sample_ids=frozenset(result.ids), status=True, queue=True, undo=undo)
