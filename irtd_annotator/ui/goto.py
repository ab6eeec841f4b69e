"""Go to (Ctrl+G): one line to type a sample id, a task and original id or an image file
name; Return shows that Sample. When nothing matches, the dialog stays open and says so in
one line; Esc closes it. The lookups are the service's (``services/review/goto.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.review.goto import HOW_TO, Found, SampleFinder

if TYPE_CHECKING:  # the controller is only called
    from irtd_annotator.ui.review_controller import ReviewController

__all__ = ["GoToDialog", "found_remark", "open_go_to"]


class GoToDialog(QDialog):
    """The Go to line; ``go(typed)`` shows the Sample typed and returns "", or returns why
    nothing was shown (one line, kept in the dialog)."""

    def __init__(self, parent: QWidget | None, go: Callable[[str], str]) -> None:
        super().__init__(parent)
        self.setObjectName("goToDialog")
        self.setWindowTitle("Go to sample")
        self._go = go
        self.edit = QLineEdit(self)
        self.edit.setObjectName("goToEdit")
        self.edit.setPlaceholderText("17, Location 1234, FLIR_03641.jpeg")
        self.edit.setToolTip(f"Type {HOW_TO}, then Return (Esc closes)")
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("M") * 28)
        self.message = QLabel(self)
        self.message.setObjectName("goToMessage")
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Type {HOW_TO}:", self))
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self.edit.returnPressed.connect(self._return)

    def start(self, go: Callable[[str], str]) -> None:
        """Open (not blocking) with an empty line, going by ``go``."""
        self._go = go
        self.edit.clear()
        self.message.clear()
        self.message.setVisible(False)
        self.open()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _return(self) -> None:
        problem = self._go(self.edit.text())
        if not problem:
            self.accept()
            return
        self.message.setText(problem)
        self.message.setVisible(True)
        self.edit.selectAll()  # typing again replaces what was not found


def found_remark(found: Found) -> str:
    """What the status bar says after a Go to that showed ``found``."""
    parts = [f"{found.matches} samples match; showing the first" if found.matches > 1
             else f"Sample {found.sample_id}"]
    if found.remark:
        parts.append(found.remark)
    if not found.in_filter:
        parts.append("the queue's filter hides it: pinned in the queue until the filter changes")
    return "; ".join(parts)


def open_go_to(controller: ReviewController) -> GoToDialog:
    """Open the Go to line over the review window of ``controller`` (not blocking)."""
    finder = SampleFinder(controller.session.project)

    def go(typed: str) -> str:
        try:
            found = finder.find(typed, controller.queue.current_filter())
        except UserError as exc:
            return str(exc)
        if found.sample_id is None:
            return found.problem
        controller.go_to(found.sample_id)
        if controller.current_id != found.sample_id:
            return f"Sample {found.sample_id} could not be shown"
        _keys_home(controller)
        controller.message.emit(found_remark(found))
        return ""

    parent = controller.parent()
    window = parent if isinstance(parent, QWidget) else None
    # one dialog per window, opened again empty (for the project open now)
    dialog = window.findChild(GoToDialog) if window is not None else None
    if dialog is None:
        dialog = GoToDialog(window, go)
    dialog.start(go)
    return dialog


def _keys_home(controller: ReviewController) -> None:
    """When the window comes back from the dialog, its focus must not land in an editor of
    the Sample now shown (a review key would type into it, issue 13): the pair view gets it."""
    panel, home = controller.panel, controller.pair_view
    if not isinstance(panel, QWidget) or not isinstance(home, QWidget):
        return
    focus = panel.window().focusWidget() or QApplication.focusWidget()
    if focus is not None and panel.isAncestorOf(focus):
        home.setFocus(Qt.FocusReason.OtherFocusReason)
