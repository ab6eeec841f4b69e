"""Task-aware answer editors shown under the turns (the answer's text) in the sample panel.

Recognition and Scene pick one option (radio buttons from the prompt's options), Security
one or more (check boxes), Relationship yes or no, the countings a number (with the
click-to-count markers placed on the image), Re-ID a position 2-8 on the 2x4 grid. Caption
and Instruction stay free text. The editors only say what the reviewer chose; the controller
has the service write the answer, formatted exactly as IR-TD's released files. Below them:
the Sample's consistency warnings with their hints, and why typed markup was not saved.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.markup import prompt_options
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import SampleView
from irtd_annotator.domain.warnings import hint

ONE_OPTION = (Task.RECOGNITION, Task.SCENE)
COUNTING = (Task.AERIAL_COUNTING, Task.PEDESTRIAN_COUNTING)
MAX_COUNT = 100_000
COUNT_PAUSE_MS = 700  # stepping the count with arrows or the wheel: written after a pause
_ERROR_STYLE = "color: #c62828;"
# The keys an answer editor owns while it has the focus, over the window's shortcuts (the
# digits switch the palette elsewhere): (context, what they do, keys), for the F1 table.
ANSWER_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Re-ID answer grid (focused)", "Same person at position (instead of the palette)", "2-8"),
)
_DIGIT_MODS = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


class AnswerEditors(QWidget):
    """One editor page per kind of task; ``show_sample`` picks and fills it."""

    options_chosen = Signal(object)  # the chosen letters, list[str]
    count_chosen = Signal(int)
    yes_no_chosen = Signal(str)      # "yes" / "no"
    reid_chosen = Signal(str)        # "2".."8"
    tab_out = Signal(bool)           # Tab (True) / Shift+Tab left the answer page: the panel's
    count_from_markers = Signal()    # "use the number of markers as the count"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answerEditors")
        self._view: SampleView | None = None
        self.title = QLabel(self)
        self.stack = QStackedWidget(self)
        self.free_page = QLabel(self)
        self.free_page.setWordWrap(True)
        self.stack.addWidget(self.free_page)

        self.options_page = QWidget(self)
        self.options_layout = QVBoxLayout(self.options_page)
        self.options_layout.setContentsMargins(0, 0, 0, 0)
        self.option_group = QButtonGroup(self)
        self.option_buttons: dict[str, QAbstractButton] = {}
        self.option_group.buttonClicked.connect(self._on_option)
        self.stack.addWidget(self.options_page)

        self.yes_no_page = QWidget(self)
        row = QHBoxLayout(self.yes_no_page)
        row.setContentsMargins(0, 0, 0, 0)
        self.yes_button = QRadioButton("yes", self.yes_no_page)
        self.no_button = QRadioButton("no", self.yes_no_page)
        self.yes_no_group = QButtonGroup(self)
        for choice in (self.yes_button, self.no_button):
            self.yes_no_group.addButton(choice)
            row.addWidget(choice)
        row.addStretch(1)
        self.yes_no_group.buttonClicked.connect(
            lambda button: self.yes_no_chosen.emit(button.text()))
        self.stack.addWidget(self.yes_no_page)

        self.count_page = QWidget(self)
        grid = QGridLayout(self.count_page)
        grid.setContentsMargins(0, 0, 0, 0)
        self.count_spin = QSpinBox(self.count_page)
        self.count_spin.setObjectName("countSpin")
        self.count_spin.setRange(0, MAX_COUNT)
        self.count_spin.setAccelerated(True)
        self.markers_label = QLabel(self.count_page)
        self.markers_button = QPushButton("Use the marker count", self.count_page)
        self.markers_button.setToolTip("Write the number of markers placed on the image as the count")
        self.markers_button.clicked.connect(self.count_from_markers)
        grid.addWidget(QLabel("Count:"), 0, 0)
        grid.addWidget(self.count_spin, 0, 1)
        grid.addWidget(self.markers_label, 1, 0, 1, 2)
        grid.addWidget(self.markers_button, 2, 0, 1, 2)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_PAUSE_MS)
        self._count_timer.timeout.connect(self.commit_count)
        self._committing = False  # a count being saved: saving flushes pending edits first
        self.count_spin.valueChanged.connect(lambda _v: self._count_timer.start())
        self.count_spin.editingFinished.connect(self.commit_count)
        self.stack.addWidget(self.count_page)

        self.reid_page = QWidget(self)
        reid_grid = QGridLayout(self.reid_page)
        reid_grid.setContentsMargins(0, 0, 0, 0)
        self.reid_group = QButtonGroup(self)
        self.reid_buttons: dict[str, QPushButton] = {}
        for n in range(1, 9):
            person = QPushButton(str(n), self.reid_page)
            person.setCheckable(True)
            person.setObjectName(f"reid{n}")
            if n == 1:
                person.setEnabled(False)  # the person asked about
                person.setToolTip("The person in the upper left corner: the one asked about")
            else:
                self.reid_group.addButton(person)
            self.reid_buttons[str(n)] = person
            person.installEventFilter(self)  # its digits answer while it has the focus
            reid_grid.addWidget(person, (n - 1) // 4, (n - 1) % 4)
        self.reid_group.buttonClicked.connect(lambda button: self.reid_chosen.emit(button.text()))
        self.stack.addWidget(self.reid_page)

        self.warnings_label = QLabel(self)
        self.warnings_label.setObjectName("warningHints")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextFormat(Qt.TextFormat.RichText)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("answerError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(_ERROR_STYLE)
        self.error_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack)
        layout.addWidget(self.error_label)
        layout.addWidget(self.warnings_label)

    # ---- the panel's API ---------------------------------------------------------------------

    def show_sample(self, view: SampleView, *, markers: int = 0) -> None:
        """Show the editor of ``view``'s task with its current answer (emits nothing)."""
        same = self._view is not None and self._view.id == view.id
        self._view = view
        if not same:
            self.show_error(None)
        self._count_timer.stop()
        prompt = next((t.text for t in view.turns if t.role == "human"), "")
        task = view.task
        with QSignalBlocker(self.option_group), QSignalBlocker(self.count_spin), \
                QSignalBlocker(self.yes_no_group), QSignalBlocker(self.reid_group):
            if task in (*ONE_OPTION, Task.SECURITY):
                self._fill_options(prompt_options(prompt), set(view.options),
                                   many=task is Task.SECURITY)
                self._page(self.options_page, "Pick one option" if task in ONE_OPTION
                           else "Tick every object that does not appear")
            elif task is Task.RELATIONSHIP:
                answer = _answer(view).strip().lower()
                self.yes_no_group.setExclusive(False)
                self.yes_button.setChecked(answer == "yes")
                self.no_button.setChecked(answer == "no")
                self.yes_no_group.setExclusive(True)
                self._page(self.yes_no_page, "Is the relation true?")
            elif task in COUNTING:
                self.count_spin.setValue(view.count or 0)
                self.markers_label.setText(
                    f"Markers on the image: {markers} (press M and click each object)")
                self.markers_button.setEnabled(markers > 0 and markers != view.count)
                self._page(self.count_page, "How many?")
            elif task is Task.REID:
                chosen = _answer(view).strip()
                self.reid_group.setExclusive(False)
                for digit, button in self.reid_buttons.items():
                    button.setChecked(digit == chosen)
                self.reid_group.setExclusive(True)
                self._page(self.reid_page, "Which position shows the same person?")
            else:
                self.free_page.setText(_free_text(task))
                self._page(self.free_page, "")
        self._show_warnings(view.warnings)

    def clear(self) -> None:
        """No Sample shown: nothing to edit."""
        self._view = None
        self._count_timer.stop()
        self.show_error(None)
        self.title.setText("")
        self.free_page.setText("")
        self.stack.setCurrentWidget(self.free_page)
        self._show_warnings(())

    def show_error(self, text: str | None) -> None:
        """Why the typed answer was not saved (red), or nothing."""
        self.error_label.setText(f"Not saved: {text}" if text else "")
        self.error_label.setVisible(bool(text))

    def error_text(self) -> str:
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    def keyboard_target(self, *, first: bool = True) -> QWidget | None:
        """Where Tab into the answer page lands (the first of its widgets, or the last with
        ``first=False``): on Re-ID the grid, as one stop (its chosen button, else 2); None
        when the page takes no keys (free text: the answer is the turn above)."""
        chain = self._tab_chain()
        return (chain[0] if first else chain[-1]) if chain else None

    def owns_answer(self) -> bool:
        """The answer is the page's, not the turn's text: E goes here (Re-ID's grid)."""
        return self.stack.currentWidget() is self.reid_page

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802 (Qt's name)
        """Tab walks the answer page, then leaves it for the panel's turns (``tab_out``),
        never for the window's toolbar (issue 13)."""
        chain = self._tab_chain()
        focus = QApplication.focusWidget()
        if focus in chain:
            at = chain.index(focus) + (1 if next else -1)
            if 0 <= at < len(chain):
                reason = Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
                chain[at].setFocus(reason)
                return True
        self.tab_out.emit(next)
        return True

    def commit_count(self) -> None:
        """Report the spin box's count if it differs from the answer's (also before any
        decision, undo or move: SamplePanel.flush, so a count typed within the pause is
        never dropped, issue 13)."""
        self._count_timer.stop()
        view = self._view
        if self._committing or view is None or view.task not in COUNTING or \
                self.count_spin.value() == view.count:
            return
        # the save flushes the panel's pending edits first, which comes back here
        self._committing = True
        try:
            self.count_chosen.emit(self.count_spin.value())
        finally:
            self._committing = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """A digit pressed on the focused Re-ID grid picks that position; the window's digit
        shortcuts (the palettes) do not see it (issue 13)."""
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or \
                not isinstance(event, QKeyEvent) or event.modifiers() not in _DIGIT_MODS:
            return False
        button = self.reid_buttons.get(event.text())
        if button is None or obj not in self.reid_buttons.values():
            return False
        event.accept()
        if event.type() == QEvent.Type.KeyPress and button.isEnabled():
            button.setFocus(Qt.FocusReason.ShortcutFocusReason)
            button.click()
        return True

    # ---- internals ---------------------------------------------------------------------------

    def _tab_chain(self) -> list[QWidget]:
        page = self.stack.currentWidget()
        if page is self.reid_page:  # the grid is one stop; the digits pick in it
            checked = self.reid_group.checkedButton()
            return [checked if checked is not None else self.reid_buttons["2"]]
        if page is None or page is self.free_page:
            return []
        return [w for w in page.findChildren(QWidget)
                if w.isVisibleTo(self) and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus]

    def _page(self, page: QWidget, title: str) -> None:
        self.stack.setCurrentWidget(page)
        self.title.setText(f"<b>Answer</b> · {title}" if title else "<b>Answer</b>")

    def _fill_options(self, offered: dict[str, str], chosen: set[str], *, many: bool) -> None:
        if [(b.text(), isinstance(b, QCheckBox)) for b in self.option_buttons.values()] != \
                [(f"({k}) {v}", many) for k, v in offered.items()]:
            for old in self.option_buttons.values():
                self.option_group.removeButton(old)
                old.deleteLater()
            self.option_buttons.clear()
            for letter, text in offered.items():
                button: QAbstractButton = (QCheckBox if many else QRadioButton)(
                    f"({letter}) {text}", self.options_page)
                button.setObjectName(f"option{letter}")
                self.option_group.addButton(button)
                self.options_layout.addWidget(button)
                button.show()  # a child added to a shown widget stays hidden otherwise
                self.option_buttons[letter] = button
        self.option_group.setExclusive(False)
        for letter, button in self.option_buttons.items():
            button.setChecked(letter in chosen)
        self.option_group.setExclusive(not many)

    def _on_option(self, _button: QAbstractButton) -> None:
        chosen = [letter for letter, b in self.option_buttons.items() if b.isChecked()]
        self.options_chosen.emit(chosen)

    def _show_warnings(self, codes: tuple[str, ...]) -> None:
        if not codes:
            self.warnings_label.setText("")
            self.warnings_label.hide()
            return
        task = self._view.task if self._view is not None else None
        rows = "".join(f"<li><b>{code}</b>: {html.escape(hint(code, task))}</li>" for code in codes)
        self.warnings_label.setText(f"<span style='color:#e65100'>Warnings</span><ul>{rows}</ul>")
        self.warnings_label.show()


def _answer(view: SampleView) -> str:
    return next((t.text for t in reversed(view.turns) if t.role == "gpt"), "")


def _free_text(task: Task) -> str:
    if task is Task.GROUNDING:
        return "Drag the box or its handles on the image; B draws a new one."
    if task is Task.LOCATION:
        return "Drag the points on the image; D adds one, Del removes the selected one."
    # the turns are above these editors (SamplePanel.set_answer_tools): no "below" (issue 13)
    return "Free text: edit the answer's text above (E puts the cursor there)."
