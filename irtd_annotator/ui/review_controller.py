"""The review flow between the queue, the pair view and the sample panel.

Navigates (next/previous sample or image, next pending), makes review decisions and text
edits through the review session, each run as one operation by the change runner (saved at
once, one undo step), and redraws the panel and the pair view from the Changes the runner
reports. The main window lays out and wires; this object decides what happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from irtd_annotator.domain.errors import StaleSampleError, UserError
from irtd_annotator.domain.model import Box, Point, ReviewStatus, status_label
from irtd_annotator.domain.views import PairInfo, SampleView
from irtd_annotator.services.changes import Changes, Operation
from irtd_annotator.services.review.session import QueueFilter, QueueRow, ReviewSession
from irtd_annotator.ui.pipeline import ChangeRunner

PREFETCH = 3   # samples ahead whose images are decoded in the background
_SCAN = 64     # queue rows fetched at a time when looking for the next image
_SCAN_FIRST = 8  # ... at first: the next image is usually a sample or two away
NO_PENDING = "No pending sample left in the queue"


class QueueLike(Protocol):
    def set_current(self, sample_id: int) -> bool: ...
    def current_id(self) -> int | None: ...
    def id_view(self) -> Sequence[int]: ...
    def current_filter(self) -> QueueFilter: ...
    def refresh(self, changes: Changes) -> None: ...
    def next_id(self, step: int) -> int | None: ...
    def counting(self) -> bool: ...  # a text search's count on its way: no progress yet


class PanelLike(Protocol):
    def show_sample(self, view: SampleView, siblings: Sequence[QueueRow]) -> None: ...
    def flush(self) -> None: ...
    def clear(self) -> None: ...
    def turn_editor(self, idx: int) -> TurnEditorLike: ...
    def offer_unsaved(self, sample_id: int, idx: int, text: str, reason: str = ...) -> None: ...
    def discard_pending(self) -> list[int]: ...
    @property
    def sample_id(self) -> int | None: ...


class TurnEditorLike(Protocol):
    def mark_saved(self, text: str) -> None: ...
    def has_pending(self) -> bool: ...
    def text(self) -> str: ...


class PairViewLike(Protocol):
    def show_pair(self, pair: PairInfo | None) -> None: ...
    def show_shapes(self, boxes: Sequence[Box], points: Sequence[Point]) -> None: ...
    def prefetch(self, pairs: Sequence[PairInfo]) -> None: ...
    def shapes_held(self) -> AbstractContextManager[None]: ...
    def flush(self) -> None: ...


class ReviewController(QObject):
    """Drives one project's review; the window forwards its actions here."""

    error = Signal(str)             # a problem the user must read (shown in a message box)
    message = Signal(str)           # a passing remark for the status bar
    progress = Signal(int, int)     # (decided, total) in the queue's filter
    sample_shown = Signal(int)
    view_changed = Signal(object)   # the SampleView shown (after navigation or a change)

    def __init__(self, session: ReviewSession, *, queue: QueueLike, panel: PanelLike,
                 pair_view: PairViewLike, runner: ChangeRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.queue = queue
        self.panel = panel
        self.pair_view = pair_view
        self.runner = runner
        self.stack: QUndoStack = runner.stack
        self.view: SampleView | None = None
        self._switching = False
        self._reshowing = True
        runner.stale.connect(self.reload_stale)
        # what "next pending" asks: the session, or a team's leases (ui/team.py) on a shared store
        self.find_pending: Callable[[int | None, Sequence[int]], int | None] = session.next_pending
        # ... and why it found none (the team's: pending Samples held by others, say)
        self.why_none_pending: Callable[[Sequence[int]], str] = lambda _ids: NO_PENDING

    # ---- showing ---------------------------------------------------------------------------

    @property
    def current_id(self) -> int | None:
        return self.view.id if self.view is not None else None

    @property
    def leaving_sample(self) -> bool:
        """True while the typing of the Sample being left is saved, before the next shows."""
        return self._switching

    def go_to(self, sample_id: int) -> None:
        """Show ``sample_id`` and make it the queue's current row."""
        if self.queue.current_id() == sample_id:
            if self.current_id != sample_id:
                self.show_sample(sample_id)
            return
        if not self.queue.set_current(sample_id):  # the queue calls show_sample back
            self.message.emit(f"Sample {sample_id} is not in this project")

    def show_sample(self, sample_id: int) -> None:
        """Show a Sample in the panel and the pair view (the queue's sample_activated)."""
        if self.view is not None and self.view.id != sample_id:
            # the typing of the sample being left is saved while the panel still shows it
            self._switching = True
            try:
                self.panel.flush()
                self.pair_view.flush()  # arrow-key nudges not yet saved
            finally:
                self._switching = False
        try:
            view = self.session.sample(sample_id)
            siblings = self.session.pair_samples(view.pair.id)
        except LookupError:
            self.message.emit(f"Sample {sample_id} is no longer in the project")
            return
        except UserError as exc:
            self.error.emit(str(exc))
            return
        same_pair = self.view is not None and self.view.pair == view.pair
        self.view = view
        self.panel.show_sample(view, siblings)
        # the pair, the shapes and the edit tools' context (view_changed) each change what
        # the pair view draws: its items are made once, for all three
        with self.pair_view.shapes_held():
            if not same_pair:
                self.pair_view.show_pair(view.pair)
            self.pair_view.show_shapes(view.boxes, view.points)
            self.sample_shown.emit(sample_id)
            self.view_changed.emit(view)
        self._prefetch()

    def _prefetch(self) -> None:
        ahead: list[int] = []
        for step in range(1, PREFETCH + 1):
            sid = self.queue.next_id(step)
            if sid is None:
                break
            ahead.append(sid)
        try:
            pair_of = self.session.pairs_of(ahead) if ahead else {}
        except UserError:
            return
        pairs: list[PairInfo] = []
        for sid in ahead:  # one query for the pairs, not a whole SampleView each
            pair = pair_of.get(sid)
            if pair is not None and pair not in pairs and (self.view is None or pair != self.view.pair):
                pairs.append(pair)
        if pairs:
            self.pair_view.prefetch(pairs)

    def _reshow(self, changes: Changes) -> None:
        if self.view is None:
            return
        try:
            view = self.session.sample(self.view.id)
            siblings = self.session.pair_samples(view.pair.id)
        except (LookupError, UserError) as exc:
            self.message.emit(str(exc))
            return
        self.view = view
        self.panel.show_sample(view, siblings)
        with self.pair_view.shapes_held():
            if changes.geometry:
                self.pair_view.show_shapes(view.boxes, view.points)
            self.view_changed.emit(view)

    def follow_queue(self, *_args: object) -> None:
        """The queue was read again (a new filter): when it has no current row any more, the
        panel and the pair view show nothing, so no review key acts on a Sample the reviewer
        cannot see in the queue (issue 13)."""
        if self.view is None or self.queue.current_id() is not None:
            return
        self._switching = True  # typing refused goes to the unsaved bar, as on any move
        try:
            self.panel.clear()  # saves the typing of the Sample left first
        finally:
            self._switching = False
        self.view = None
        self.pair_view.show_pair(None)
        self.view_changed.emit(None)

    # ---- navigating ------------------------------------------------------------------------

    def step_sample(self, step: int) -> None:
        """The next (1) or previous (-1) sample in the queue."""
        target = self.queue.next_id(step)
        if target is None:
            self.message.emit("This is the last sample in the queue" if step > 0
                              else "This is the first sample in the queue")
            return
        self.go_to(target)

    def step_pair(self, step: int) -> None:
        """The first sample of the next (1) or previous (-1) image in the queue."""
        ids = self.queue.id_view()
        if self.view is None or not ids:
            self.step_sample(step)
            return
        here = self.view.id
        pos = ids.index(here) if here in ids else (-1 if step > 0 else len(ids))
        target = self._scan_pairs(ids, pos, step, current_image=self.view.pair.rel_path)
        if target is None:
            self.message.emit("No further image in the queue")
            return
        self.go_to(target)

    def _scan_pairs(self, ids: Sequence[int], pos: int, step: int, *, current_image: str) -> int | None:
        found: int | None = None
        found_image: str | None = None
        i = pos + step
        size = _SCAN_FIRST
        while 0 <= i < len(ids):
            chunk = ids[i:i + size] if step > 0 else ids[max(0, i - size + 1):i + 1][::-1]
            size = _SCAN
            pairs = self.session.pairs_of(chunk)
            for sid in chunk:
                pair = pairs.get(sid)
                image = pair.rel_path if pair is not None else None
                if found_image is None:
                    if image is not None and image != current_image:
                        found, found_image = sid, image
                        if step > 0:
                            return found
                elif image == found_image:
                    found = sid  # going back: keep walking to the image's first sample
                else:
                    return found
            i += step * len(chunk)
        return found

    def next_pending(self, ids: Sequence[int] | None = None) -> bool:
        """Go to the next pending sample in the queue; False when there is none."""
        order = ids if ids is not None else self.queue.id_view()
        try:
            target = self.find_pending(self.current_id, order)
        except UserError as exc:
            self.error.emit(str(exc))
            return False
        if target is None:
            self.message.emit(self.why_none_pending(order))
            return False
        self.go_to(target)
        return True

    # ---- changing --------------------------------------------------------------------------

    def set_status(self, status: str, *, reason: str | None = None,
                   note: str | None = None) -> bool:
        """Record a review decision on the sample shown (saved at once, undoable)."""
        if self.view is None:
            self.message.emit("No sample is shown")
            return False
        self.panel.flush()  # typing first: it is its own undo step
        self.pair_view.flush()  # ... and so is a burst of nudges
        sid = self.view.id
        if status == ReviewStatus.APPROVED.value and self._typing_refused():
            self.error.emit(f"Sample {sid} is not approved: the answer typed is not saved "
                            "(the panel says why); fix it or undo the typing first")
            return False
        label = f"{status_label(status, reason)} sample {sid}"
        return self.runner.run(Operation(label, sid, lambda: self.session.set_status(
            sid, status, reason=reason, note=note))) is not None

    def _typing_refused(self) -> bool:
        """Typing the panel could not save is still in an editor (an answer not in its
        task's form, say): approving would approve the stored text, not the one shown."""
        for turn in self.view.turns if self.view is not None else ():
            try:
                if self.panel.turn_editor(turn.idx).has_pending():
                    return True
            except KeyError:
                continue
        return False

    def approve_and_next(self) -> None:
        self.decide_and_next(ReviewStatus.APPROVED.value)

    def decide_and_next(self, status: str, *, reason: str | None = None,
                        note: str | None = None) -> None:
        """Record a decision on the sample shown, then go to the next pending one (approve,
        reject and flag move on alike, issue 13). The queue keeps the decided sample in its
        place even when it leaves the filter, so the next pending one is looked for from there."""
        if self.set_status(status, reason=reason, note=note):
            self.next_pending()

    def commit_text(self, sample_id: int, idx: int, old: str, new: str) -> None:
        """A typing burst ended in the panel: save it and keep it as one undo step."""
        label = f"edit turn {idx} of sample {sample_id}"
        self._reshowing = not self._switching  # the panel being left is not redrawn
        try:
            changes = self.runner.run(Operation(label, sample_id, lambda: self.session.edit_turn(
                sample_id, idx, new)))
        finally:
            self._reshowing = True
        if changes is None:
            self.text_not_saved(sample_id, idx, old, new)

    def revert_turn(self, sample_id: int, idx: int) -> None:
        """Put a turn back to its original text (undoable like an edit)."""
        if self.view is None or self.view.id != sample_id:
            return
        turn = next((t for t in self.view.turns if t.idx == idx), None)
        # typing the store refused (an answer not in its form) is dropped first (issue 13)
        if self.panel.discard_pending() and turn is not None and turn.text == turn.original:
            self.runner.reset()
            self.message.emit(f"Turn {idx + 1} shows its original text again (the typing "
                              "not saved was dropped)")
            return
        if turn is None or turn.text == turn.original:
            self.message.emit(f"Turn {idx + 1} is the original text already")
            return
        self.runner.run(Operation(f"revert turn {idx} of sample {sample_id}", sample_id,
                                  lambda: self.session.revert_turn(sample_id, idx)))

    def flush_typing(self) -> None:
        """Save the panel's typing not yet saved (before another kind of change)."""
        self.panel.flush()
        self.pair_view.flush()

    def text_not_saved(self, sample_id: int, idx: int, old: str, new: str,
                       reason: str | None = None) -> None:
        """Typing was not saved (``reason``: why, when the runner did not say). Refused as
        stale: the panel shows the Sample as it is now and keeps the typing to apply again.
        Else it stays pending in its editor when the editor still holds it; when it does not
        (it came from the unsaved bar, or the panel is moving on) the bar keeps it, with why:
        nothing typed is lost."""
        refusal = self.runner.refusal
        if isinstance(refusal, StaleSampleError):
            self.panel.offer_unsaved(sample_id, idx, new)
        elif not self.keep_pending(sample_id, idx, old, new):
            why = reason or (str(refusal) if refusal is not None else "it could not be saved")
            self.panel.offer_unsaved(sample_id, idx, new, why)
            if reason is not None:  # refused as typed (its form): never stored, kept aside
                self.runner.hold_back(f"the answer of sample {sample_id} was invalid; kept "
                                      "in the bar above the turns")

    def reload_stale(self, _sample_id: int) -> None:
        """A change was refused because someone changed a Sample meanwhile: show the Sample
        (its Pair's source boxes and markers too) as it is now, and expect that from now on."""
        if not self._switching:  # when leaving it, the next Sample is about to show anyway
            self._reshow(Changes(geometry=True))

    def keep_pending(self, sample_id: int, idx: int, old: str, new: str) -> bool:
        """Typing ``new`` of turn ``idx`` was not saved: when the editor shown still holds it,
        marking ``old`` as what is stored makes it commit again on the next pause (True).
        False when it does not hold it or is about to be replaced by the next Sample."""
        if self._switching or self.panel.sample_id != sample_id:
            return False
        try:
            editor = self.panel.turn_editor(idx)
        except KeyError:
            return False
        if editor.text() != new:
            return False
        editor.mark_saved(old)
        return True

    def apply_changes(self, changes: Changes) -> None:
        """The runner saved a change (a decision, an edit, its undo, an import): redraw the
        panel and the pair view when it touched the Sample shown."""
        current = self.queue.current_id()
        if changes.queue and current is None:  # a bulk decision emptied it: as a filter would
            self.follow_queue()
        if changes.queue and current is not None and current != self.current_id:
            self.show_sample(current)  # an import filled an empty queue, say
            return
        if (self._reshowing and self.view is not None
                and (changes.queue or self.view.id in changes.sample_ids)):
            self._reshow(changes)

    def undo(self) -> None:
        """Undo the last change; typing the store refused and the editor still holds is
        what the reviewer did last: Ctrl+Z drops it, never a saved change (issue 13)."""
        self.panel.flush()
        self.pair_view.flush()
        dropped = self.panel.discard_pending()
        if dropped:
            self.runner.reset()
            turns = ", ".join(str(idx + 1) for idx in dropped)
            self.message.emit(f"Undid the typing not saved in turn {turns}")
        elif self.stack.canUndo():
            self.runner.undo()
        else:
            self.message.emit("Nothing to undo")

    def redo(self) -> None:
        self.panel.flush()
        self.pair_view.flush()
        if self.stack.canRedo():
            self.runner.redo()
        else:
            self.message.emit("Nothing to redo")

    def update_progress(self, changes: Changes | None = None) -> None:
        """Read the progress again: always when asked, after a change when it may move it
        (a status, an import, a filter on text, edits or warnings); (-1, -1): "counting…"."""
        flt = self.queue.current_filter()
        if changes is not None and not (changes.status or changes.queue or flt.text.strip()
                                        or flt.edited is not None or flt.warnings is not None):
            return
        try:
            decided, total = (-1, -1) if self.queue.counting() else self.session.counts(flt)
        except UserError as exc:
            self.message.emit(str(exc))
            return
        self.progress.emit(decided, total)
