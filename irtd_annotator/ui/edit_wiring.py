"""The main window's geometry editing: the task-aware answer editors in the sample panel, the
Geometry menu and toolbar, and per open project the EditController that saves the edits.

Kept out of main_window.py, which lays out and wires the review; the window calls
``open`` / ``close`` with its project and ``set_enabled`` with its other actions. It is handed
the window's parts, not the window, so the two modules do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMainWindow, QMenu

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.edit_controller import EditController
from irtd_annotator.ui.pair.edit_actions import EditActions
from irtd_annotator.ui.pair.view import PairView
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.review_controller import ReviewController
from irtd_annotator.ui.sample.answer_editors import AnswerEditors
from irtd_annotator.ui.sample.panel import SamplePanel

MENU = "&Geometry"


class EditingUi:
    """Built once per window; ``controller`` exists while a project is open."""

    def __init__(self, window: QMainWindow, *, panel: SamplePanel, pair_view: PairView,
                 menus: dict[str, QMenu], on_error: Callable[[str], None]) -> None:
        self.window = window
        self.panel = panel
        self.pair_view = pair_view
        self.on_error = on_error
        self.editors = AnswerEditors(panel)
        panel.set_answer_tools(self.editors)
        self.actions = EditActions(pair_view.editor, window, clamp=self._clamp,
                                   shortcut_widget=pair_view)
        self.menu = QMenu(MENU, window)
        self.menu.setObjectName("geometryMenu")
        for n, action in enumerate(self.actions.all()):
            if n == len(self.actions.modes):
                self.menu.addSeparator()
            self.menu.addAction(action)
        window.menuBar().insertMenu(menus["&View"].menuAction(), self.menu)
        menus[MENU] = self.menu  # Help > Keyboard shortcuts lists its keys too
        self.toolbar = self.actions.toolbar(window)
        window.addToolBar(self.toolbar)
        menus["&View"].addAction(self.toolbar.toggleViewAction())
        self.controller: EditController | None = None
        self.set_enabled(False)

    def open(self, project: Project, session: ReviewSession, review: ReviewController, *,
             runner: ChangeRunner, annotator: str) -> EditController:
        """The edit controller of a newly opened project (before its first Sample shows);
        its edits run through the window's ``runner``."""
        self.close()
        window = self.window
        controller = EditController(
            # one record of what the window saw, shared with the review session (ADR 0019)
            AnswerEditing(project, annotator=annotator, seen=session.seen), session,
            pair_view=self.pair_view,
            runner=runner, editors=self.editors, review=review, parent=window)
        controller.error.connect(self.on_error)
        controller.message.connect(lambda text: window.statusBar().showMessage(text, 4000))
        self.controller = controller
        self.set_enabled(True)
        return controller

    def flush(self) -> None:
        """Save what is typed or nudged and not saved yet (the project is about to close)."""
        self.panel.flush()
        self.pair_view.flush()
        # what the store refused as typed (an answer not in its form) is never stored, not
        # even on the way out: the project clears the panel next, which would save it
        self.panel.discard_pending()

    def close(self) -> None:
        """The project closes: nothing left to edit."""
        if self.controller is not None:
            self.controller.show_sample(None)
            self.controller.view = None
            self.controller.deleteLater()
            self.controller = None
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        for action in self.actions.all():
            action.setEnabled(enabled)
        self.actions.label_combo.setEnabled(enabled)
        self.editors.setEnabled(enabled)

    def _clamp(self) -> None:
        if self.controller is not None:
            self.controller.clamp()
