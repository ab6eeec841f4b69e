"""Undo commands: each wraps one saved change and undoes it by calling the review session
with the old value, so an undo is itself saved and logged like any change.

The change is made (and saved) before the command is pushed, so a change that fails to save
never enters the stack; the first ``redo()`` that QUndoStack.push calls therefore does
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from PySide6.QtGui import QUndoCommand

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.review.session import Changes


class StatusWriter(Protocol):
    def set_status(self, sample_id: int, status: str, *, reason: str | None = None,
                   note: str | None = None) -> Changes: ...


class TextWriter(Protocol):
    def edit_turn(self, sample_id: int, idx: int, text: str) -> Changes: ...


@dataclass(frozen=True)
class StatusValue:
    """A Sample's review decision: status, reject reason and note."""

    status: str
    reason: str | None = None
    note: str | None = None

    def describe(self) -> str:
        return self.status + (f" ({self.reason})" if self.reason else "")


# Called after every successful do/undo with what changed and the Sample concerned.
Done = Callable[[Changes, int], None]
# Called when an undo or redo could not be saved (the store is locked, say).
Failed = Callable[[UserError], None]


class ServiceCommand(QUndoCommand):
    """A saved change as an undo step: ``apply(new)`` to redo, ``apply(old)`` to undo."""

    def __init__(self, text: str, *, sample_id: int, redo_fn: Callable[[], Changes],
                 undo_fn: Callable[[], Changes], done: Done, failed: Failed) -> None:
        super().__init__(text)
        self.sample_id = sample_id
        self._redo_fn = redo_fn
        self._undo_fn = undo_fn
        self._done = done
        self._failed = failed
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True  # the change was saved before the push
            return
        self._run(self._redo_fn)

    def undo(self) -> None:
        self._run(self._undo_fn)

    def _run(self, fn: Callable[[], Changes]) -> None:
        try:
            changes = fn()
        except UserError as exc:
            # Nothing was written; this step cannot be replayed, so it leaves the stack.
            self.setObsolete(True)
            self._failed(exc)
            return
        self._done(changes, self.sample_id)


def status_command(session: StatusWriter, sample_id: int, *, old: StatusValue, new: StatusValue,
                   done: Done, failed: Failed) -> ServiceCommand:
    """The undo step of a status change from ``old`` to ``new`` (already saved)."""
    def apply(value: StatusValue) -> Callable[[], Changes]:
        return lambda: session.set_status(sample_id, value.status, reason=value.reason,
                                          note=value.note)

    return ServiceCommand(f"{new.describe()} sample {sample_id}", sample_id=sample_id,
                          redo_fn=apply(new), undo_fn=apply(old), done=done, failed=failed)


def text_command(session: TextWriter, sample_id: int, idx: int, *, old: str, new: str,
                 done: Done, failed: Failed) -> ServiceCommand:
    """The undo step of one typing burst in turn ``idx`` (already saved)."""
    return ServiceCommand(
        f"edit turn {idx} of sample {sample_id}", sample_id=sample_id,
        redo_fn=lambda: session.edit_turn(sample_id, idx, new),
        undo_fn=lambda: session.edit_turn(sample_id, idx, old), done=done, failed=failed)
