"""The review keys that ask something before they act (issue 13).

- R asks for a reason (a digit) and an optional note, F for an optional note; Return records
  the decision and goes to the next pending Sample, as Shift+A does for an approval.
- A, Shift+A and Ctrl+Return on a Sample none of whose images can be shown ask, once per
  sitting (this window's life), whether to approve Samples without images (defect 5).
- Ctrl+Shift+R reverts the focused turn (or the answer) to its original text, one undo step.
- Ctrl+Shift+I lists the focused turn's underlined words with their hints and goes to one.

The controller makes the decisions; this asks the reviewer first, so the main window only
wires it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.ui import dialogs
from irtd_annotator.ui.review_controller import ReviewController
from irtd_annotator.ui.sample.hints_popup import pick_hint
from irtd_annotator.ui.sample.panel import SamplePanel

NO_IMAGES_TITLE = "Approve without images?"
NO_IMAGES_QUESTION = "Approve samples without images?"
EDITING = "Editing turn {turn}: Esc gives the keys back"


class ReviewKeys(QObject):
    """The handlers of approve, approve and next, reject, flag, revert and hints."""

    def __init__(self, window: QWidget, *, panel: SamplePanel,
                 controller: Callable[[], ReviewController | None]) -> None:
        super().__init__(window)
        self._window = window
        self._panel = panel
        self._controller = controller
        # the reviewer said yes to approving a Sample without images: not asked again while
        # this window is open (a new window, a new sitting, asks again)
        self.approve_without_images = False

    def handlers(self) -> dict[str, Callable[[], None]]:
        """The window's handlers by action name (see ui/actions.py)."""
        return {"approve": self.approve, "approve_next": lambda: self.approve(then_next=True),
                "reject": self.reject, "flag": self.flag, "revert": self._panel.revert_focused,
                "hints": self.hints}

    def approve(self, *, then_next: bool = False) -> None:
        """Approve the Sample shown (then go to the next pending one), asking first when none
        of its images can be shown."""
        c = self._controller()
        if c is None:
            return
        if c.view is not None and not self._may_approve(c.view.pair):
            return
        if then_next:
            c.approve_and_next()
        else:
            c.set_status(ReviewStatus.APPROVED.value)

    def _may_approve(self, pair: PairInfo) -> bool:
        has_visible = pair.visible_path is not None
        if self.approve_without_images or pair.ir_exists or (has_visible and pair.visible_exists):
            return True
        missing = ("Both images of this sample are missing." if has_visible else
                   "The infrared image of this sample is missing (it has no visible one).")
        if dialogs.ask_yes_no(self._window, NO_IMAGES_TITLE,
                              f"{missing} {NO_IMAGES_QUESTION}\n\nYes approves it and does not ask "
                              "again until the window is closed."):
            self.approve_without_images = True
            return True
        return False

    def reject(self) -> None:
        """Ask the reason (and a note), reject, and go to the next pending Sample."""
        c = self._controller()
        if c is None or c.view is None:
            return
        self._panel.flush()  # typing first: it is its own undo step
        choice = dialogs.ask_reject(self._window, reason=c.view.reject_reason, note=c.view.note)
        if choice is not None and c.view is not None:
            c.decide_and_next(ReviewStatus.REJECTED.value, reason=choice.reason, note=choice.note)

    def flag(self) -> None:
        """Ask an optional note, flag (the note kept where a reject's note is), and go to the
        next pending Sample."""
        c = self._controller()
        if c is None or c.view is None:
            return
        self._panel.flush()
        choice = dialogs.ask_flag(self._window, note=c.view.note)
        if choice is not None and c.view is not None:
            c.decide_and_next(ReviewStatus.FLAGGED.value, note=choice.note)

    def hints(self) -> None:
        """List the focused turn's (or the answer's) underlined words; Return goes to one."""
        c = self._controller()
        turn = self._panel.focused_turn()
        if c is None or turn is None:
            return
        name = f"{'the prompt' if turn.role == 'human' else 'the answer'} (turn {turn.idx + 1})"
        if not pick_hint(self._window, turn.editor, name):
            c.message.emit(f"No underlined words in {name}")
        elif self._window.focusWidget() is turn.editor:
            # the keys type into the text now (the word is selected): say so, and the way out
            c.message.emit(EDITING.format(turn=turn.idx + 1))
