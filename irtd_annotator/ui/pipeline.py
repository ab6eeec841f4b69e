"""The one change pipeline's window half: every change the window makes runs here.

``ChangeRunner.run(op)`` writes the operation (services/changes.py), pushes its undo step,
sets the save state and emits ``changed(Changes)`` or ``failed(message)``; undo and redo run
the same way, through the same runner; an undo or redo refused as stale is dropped from the
stack so it never blocks the steps before it (ADR 0019). The queue, the sample panel and pair
view, and the progress bar subscribe to ``changed`` once, in the main window's wiring, and the
status bar's save state listens to ``save_state``, set here alone, so it can never contradict
what happened (ADR 0018).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from irtd_annotator.domain.errors import (
    StaleSampleError,
    StaleSettingError,
    UserError,
    short_local_time,
)
from irtd_annotator.services.changes import Changes, Operation, replaying

__all__ = ["SAVED", "ChangeRunner", "dropped_step", "not_saved"]

SAVED = "All changes saved"
# refusals that come back every time: the step is dropped rather than tried again (ADR 0019)
_STALE = (StaleSampleError, StaleSettingError)
_Write = Callable[[], Changes]


def not_saved(reason: str) -> str:
    """The save state after a write that failed or was refused."""
    return f"Not saved: {reason}"


class ChangeRunner(QObject):
    """Runs operations: write, undo step, save state, one signal for what happened."""

    changed = Signal(object)        # Changes: written (a change, its undo or redo, an import)
    failed = Signal(str)            # why a change was not saved: for the user to read
    save_state = Signal(str, bool)  # the status bar's save state; True when it is an error
    revisit = Signal(int)           # after an undo/redo: the Sample it concerned, to show
    stale = Signal(int)             # a write refused: someone changed this Sample meanwhile

    def __init__(self, stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = stack
        # why the last write was not saved (None when it was): a stale refusal asks the
        # caller to keep what the reviewer typed
        self.refusal: UserError | LookupError | None = None

    def run(self, op: Operation, *,
            quiet: tuple[type[UserError], ...] = ()) -> Changes | None:
        """Write ``op``; its Changes (empty when nothing changed), None when not saved.

        An error of a ``quiet`` type (typing that does not parse yet, say) is raised to the
        caller, which shows it where the user is looking; nothing was written.
        """
        changes = self._write(op.write, quiet=quiet)
        if changes is not None and changes.undo is not None:
            self.stack.push(_Step(self, op, changes.undo))
        if changes:
            self.changed.emit(changes)
        return changes

    def undo(self) -> None:
        """Undo the step before the stack's index. It is written first and the stack moves
        only once it is saved: an undo that fails (a locked store) leaves the step where it
        is, so the next Ctrl+Z tries the same change again rather than an earlier one.

        An undo refused as stale (someone else changed the Sample since) would be refused
        every time and block every earlier step: that step is dropped and the stack moves
        past it, so the next Ctrl+Z undoes the change before it (ADR 0019)."""
        step = self.stack.command(self.stack.index() - 1) if self.stack.canUndo() else None
        if isinstance(step, _Step):
            if step.run_back():
                self.stack.undo()  # the step's undo() sees it has run already
            elif isinstance(self.refusal, _STALE):
                step.setObsolete(True)  # the stack deletes it instead of undoing it
                self.stack.undo()
        elif self.stack.canUndo():
            self.stack.undo()

    def redo(self) -> None:
        """Redo the step at the stack's index, the same way: written first, then moved (a
        redo refused as stale is dropped like such an undo)."""
        step = self.stack.command(self.stack.index()) if self.stack.canRedo() else None
        if isinstance(step, _Step):
            if step.run_forward():
                self.stack.redo()
            elif isinstance(self.refusal, _STALE):
                step.setObsolete(True)
                self.stack.redo()
        elif self.stack.canRedo():
            self.stack.redo()

    def reset(self) -> None:
        """Another project is open: nothing of it is unsaved (a failure of the last one's
        writes must not stay on the status bar)."""
        self._set_state(SAVED, False)

    def hold_back(self, reason: str) -> None:
        """Something typed was not saved and is kept aside (the unsaved bar): say so."""
        self._set_state(not_saved(reason), True)

    def announce(self, changes: Changes) -> None:
        """A change saved by a job off the GUI thread (an import): shown like any other."""
        self._set_state(SAVED, False)
        if changes:
            self.changed.emit(changes)

    def adopt(self, op: Operation, changes: Changes) -> None:
        """A change a job saved off the GUI thread (a bulk decision): shown like any other,
        and its undo pushed as ONE step (``op`` redoes it), so Ctrl+Z puts it all back."""
        self._set_state(SAVED, False)
        if changes.undo is not None:
            self.stack.push(_Step(self, op, changes.undo))
        if changes:
            self.changed.emit(changes)

    def replay(self, op: Operation, *, sample_id: int | None,
               step: tuple[str, str] | None = None) -> Changes | None:
        """Run one side of an undo step (called by the stack); None when it was not saved.
        ``step``: ("undo" or "redo", the step's label), for the message when refused."""
        with replaying(step[0] if step is not None else None):  # the history says so
            changes = self._write(op.write, quiet=(), step=step)
        if changes is None:
            return None
        if changes:
            self.changed.emit(changes)
        if sample_id is not None:
            self.revisit.emit(sample_id)
        return changes

    def _write(self, write: _Write, *, quiet: tuple[type[UserError], ...],
               step: tuple[str, str] | None = None) -> Changes | None:
        self.refusal = None
        try:
            changes = write()
        except quiet as exc:  # the caller shows why; the status bar says so too
            self._set_state(not_saved(str(exc)), True)
            raise
        except (UserError, LookupError) as exc:
            self.refusal = exc
            text = str(exc)
            if isinstance(exc, _STALE) and step is not None:
                text = dropped_step(exc, *step)
            self._set_state(not_saved(text), True)
            self.failed.emit(text)
            if isinstance(exc, StaleSampleError):  # the window shows it as it is now
                self.stale.emit(exc.sample_id)
            return None
        self._set_state(SAVED, False)
        return changes

    def _set_state(self, text: str, is_error: bool) -> None:
        self.save_state.emit(text, is_error)


def dropped_step(exc: StaleSampleError | StaleSettingError, side: str, label: str) -> str:
    """Why the undo (or redo) of ``label`` was refused, and that the stack goes on past it."""
    key, before = ("Ctrl+Z", "before") if side == "undo" else ("Ctrl+Y", "after")
    if isinstance(exc, StaleSampleError):
        who = exc.who or "someone else"
        when = f" at {short_local_time(exc.at)}" if exc.at else ""
        why = f"{who} changed sample {exc.sample_id}{when} since. It is shown as it is now"
    else:
        why = str(exc).split(":", 1)[0]  # "the alignment of X was changed by someone else since"
    return (f"The {side} of {label} was not saved: {why}, and {key} goes on with the change "
            f"{before} it.")


class _Step(QUndoCommand):
    """One saved change on the undo stack: undo runs its reverse operation, redo the change
    again; each run hands back the operation that reverses it, read from the store then."""

    def __init__(self, runner: ChangeRunner, op: Operation, undo: Operation) -> None:
        super().__init__(op.label)
        self._runner = runner
        self._sample_id = op.sample_id
        self._forward = op
        self._back = undo
        self._ran = True  # the change was saved before the push: the push's redo() is done

    def run_forward(self) -> bool:
        """Write the change again; False (nothing written, the step kept) when not saved."""
        return self._run(forward=True)

    def run_back(self) -> bool:
        """Write the reverse; False (nothing written, the step kept) when not saved."""
        return self._run(forward=False)

    def _run(self, *, forward: bool) -> bool:
        changes = self._runner.replay(self._forward if forward else self._back,
                                      sample_id=self._sample_id,
                                      step=("redo" if forward else "undo", self.text()))
        if changes is None:
            return False
        if changes.undo is not None:  # what reverses this run, read from the store then
            if forward:
                self._back = changes.undo
            else:
                self._forward = changes.undo
        self._ran = True
        return True

    def redo(self) -> None:
        # QUndoStack calls this on push and from ChangeRunner.redo after run_forward saved;
        # a redo from elsewhere (the stack moved directly) writes here, as best it can.
        if self._ran:
            self._ran = False
            return
        self.run_forward()
        self._ran = False

    def undo(self) -> None:
        if self._ran:
            self._ran = False
            return
        self.run_back()
        self._ran = False
