"""Geometry and task-aware answer edits: from the pair view's gestures and the answer editors
to the editing service, each run as one operation through the change runner (ui/pipeline.py)
and so kept as ONE undo step.

An edit's undo restores what its transaction read before it wrote (answer text, source boxes,
markers): the answer, the stored geometry and the values come back exactly, and the undo is
itself saved and logged like any change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.model import Box, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import SampleView
from irtd_annotator.services.changes import Changes, Operation
from irtd_annotator.services.review.editing import AnswerEditing, InvalidAnswerError
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.pair.view import PairView
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.review_controller import ReviewController
from irtd_annotator.ui.sample.answer_editors import AnswerEditors

FREE_TEXT = (Task.CAPTION, Task.INSTRUCTION)


class EditController(QObject):
    """Turns edit requests into operations for the Sample shown."""

    error = Signal(str)        # an edit refused or not saved: a message for the user
    message = Signal(str)      # a passing remark for the status bar

    def __init__(self, editing: AnswerEditing, session: ReviewSession, *, pair_view: PairView,
                 runner: ChangeRunner | None = None, stack: QUndoStack | None = None,
                 editors: AnswerEditors | None = None, review: ReviewController | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editing = editing
        self.session = session
        self.pair_view = pair_view
        self.editors = editors
        # In the window the runner is the window's and its subscribers (the review
        # controller among them) redraw what changed; alone (tests, tools) this controller
        # has a runner of its own and redraws itself from it.
        if runner is None:
            runner = ChangeRunner(stack if stack is not None else QUndoStack(self), self)
            runner.changed.connect(lambda _changes: self._refresh())
            runner.failed.connect(self.error)
        self.runner = runner
        self.review = review
        self.view: SampleView | None = None
        if review is not None:
            review.view_changed.connect(self.show_sample)
        editor = pair_view.editor
        editor.geometry_edited.connect(self.edit_geometry)
        editor.source_boxes_edited.connect(self.edit_source_boxes)
        editor.markers_edited.connect(self.edit_markers)
        editor.alignment_edited.connect(self.edit_alignment)
        editor.message.connect(self.message)
        if editors is not None:
            editors.options_chosen.connect(self.set_options)
            editors.count_chosen.connect(self.set_count)
            editors.yes_no_chosen.connect(self.set_yes_no)
            editors.reid_chosen.connect(self.set_reid)
            editors.count_from_markers.connect(self.count_from_markers)

    # ---- showing -----------------------------------------------------------------------------

    def show_sample(self, view: SampleView | None) -> None:
        """Show what the edit tools need of ``view`` (its source boxes, markers, alignment)."""
        self.view = view
        editor = self.pair_view.editor
        if view is None:
            editor.set_context(task=None)
            if self.editors is not None:
                self.editors.clear()
            return
        try:
            tools = self.editing.tool_context(view.id, pair_id=view.pair.id,
                                              source=view.pair.source)
        except (UserError, LookupError) as exc:
            self.error.emit(str(exc))
            return
        editor.set_context(task=view.task, source_boxes=tools.source_boxes,
                           markers=tools.markers, alignment=tools.alignment, labels=tools.labels)
        if self.editors is not None:
            self.editors.show_sample(view, markers=len(tools.markers))

    # ---- edits (slots) ---------------------------------------------------------------------

    def edit_geometry(self, boxes: Sequence[Box], points: Sequence[Point]) -> None:
        """A finished gesture on the Sample's box or points."""
        view = self.view
        if view is None:
            return
        if view.task is Task.GROUNDING:
            self._edit("move box", lambda sid: self.editing.set_boxes(sid, boxes))
        elif view.task is Task.LOCATION:
            self._edit("move points", lambda sid: self.editing.set_points(sid, points))
        else:
            self._refresh()

    def edit_source_boxes(self, boxes: Sequence[Box]) -> None:
        if self.view is not None:
            pair_id = self.view.pair.id
            self._edit("edit source boxes", lambda _sid: self.editing.set_pair_boxes(pair_id, boxes))

    def edit_markers(self, markers: Sequence[Point]) -> None:
        self._edit("place markers", lambda sid: self.editing.set_markers(sid, markers))

    def clamp(self) -> None:
        """Cut what lies outside the image onto it (the Sample's and the Pair's boxes)."""
        if self.view is not None and not self._edit(
                "clamp to image", lambda sid: self.editing.clamp_to_image(sid)):
            self.message.emit("Nothing lies outside the image")

    def set_count(self, n: int) -> None:
        self._edit("set count", lambda sid: self.editing.set_count(sid, n))

    def count_from_markers(self) -> None:
        if self.view is not None:
            n = len(self.pair_view.editor.markers)
            self._edit("count the markers", lambda sid: self.editing.set_count(sid, n))

    def set_options(self, letters: Sequence[str]) -> None:
        self._edit("choose options", lambda sid: self.editing.set_options(sid, letters))

    def set_yes_no(self, value: str) -> None:
        self._edit("answer yes/no", lambda sid: self.editing.set_yes_no(sid, value))

    def set_reid(self, digit: str) -> None:
        self._edit("pick the same person", lambda sid: self.editing.set_reid(sid, digit))

    def commit_text(self, sample_id: int, idx: int, old: str, new: str) -> None:
        """A typing burst ended in the panel (its ``text_committed``).

        The answer of a single-turn Sample whose task has markup is saved only when it parses
        (the reason shown in red otherwise, the typing kept pending in its editor); other
        turns, free-text answers and multi-turn Samples go to the review session as typed.
        Unparsable typing is never stored: leaving the Sample with it puts it in the unsaved
        bar (Apply again / Discard) with why, and the status bar says so (issue 13).
        """
        view, review = self.view, self.review
        markup = (view is not None and view.id == sample_id and view.task not in FREE_TEXT
                  and [(t.idx, t.role) for t in view.turns] == [(0, "human"), (1, "gpt")]
                  and idx == 1)
        if review is None:
            return
        if not markup:
            review.commit_text(sample_id, idx, old, new)
        else:
            saved, why = self._answer_text(new)
            if not saved:  # pending, or kept in the unsaved bar with why
                review.text_not_saved(sample_id, idx, old, new, why)

    def set_answer_text(self, text: str) -> bool:
        """Typed answer text: saved when it parses; else the reason is shown, nothing saved."""
        return self._answer_text(text)[0]

    def _answer_text(self, text: str) -> tuple[bool, str | None]:
        """(saved, why not when the markup does not parse)."""
        if self.view is None:
            return False, None
        try:
            return self._edit("edit answer", lambda sid: self.editing.set_answer_text(sid, text),
                              quiet=(InvalidAnswerError,), typing_first=False), None
        except InvalidAnswerError as exc:
            if self.editors is not None:
                self.editors.show_error(str(exc))
            return False, str(exc)

    def edit_alignment(self, alignment: Alignment, per_pair: bool) -> None:
        """A finished Alt+drag / Alt+wheel of the visible overlay."""
        if self.view is not None:
            pair_id = self.view.pair.id
            self._edit(f"align pair {pair_id}", lambda _sid: self.editing.set_alignment(
                pair_id, alignment, per_pair=per_pair))

    # ---- internals -------------------------------------------------------------------------

    def _edit(self, what: str, fn: Callable[[int], Changes], *,
              quiet: tuple[type[UserError], ...] = (), typing_first: bool = True) -> bool:
        """Run one edit of the Sample shown through the runner; True when something changed.

        Typing not yet saved is saved first (its own undo step), as before a status change:
        else "All changes saved" would show while the editor still holds unsaved text.
        """
        view = self.view
        if view is None:
            return False
        if typing_first and self.review is not None:
            self.review.flush_typing()
        sid = view.id
        changes = self.runner.run(Operation(f"{what} of sample {sid}", sid, lambda: fn(sid)),
                                  quiet=quiet)
        if not changes:
            self._refresh()  # refused, failed or nothing changed: the items show what is stored
            return False
        if self.editors is not None:
            self.editors.show_error(None)
        return True

    def _refresh(self) -> None:
        if self.view is None:
            return
        try:
            view = self.session.sample(self.view.id)
        except (UserError, LookupError) as exc:
            self.message.emit(str(exc))
            return
        self.pair_view.show_shapes(view.boxes, view.points)
        self.show_sample(view)
