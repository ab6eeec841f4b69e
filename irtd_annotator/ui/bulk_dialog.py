"""The dialogs of a bulk decision (issue 14): what to do with many Samples, and the
confirmation that counts them per task and source before anything is written.

Both open window-modal (``open()``, never ``exec()``): the caller goes on from their
``finished`` signal, so no nested event loop runs while a worker thread reports.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.model import RejectReason, ReviewStatus
from irtd_annotator.services.review.assign_steps import AssignPlan
from irtd_annotator.services.review.bulk import BulkResult, Decision

__all__ = ["ASSIGN", "BulkChoice", "DecideDialog", "assign_box", "confirm_box"]

ASSIGN = "assign"
# (what the choice sets, its button's label, its object name)
_CHOICES = ((ReviewStatus.APPROVED.value, "&Approve", "bulkApprove"),
            (ReviewStatus.REJECTED.value, "&Reject, because:", "bulkReject"),
            (ReviewStatus.FLAGGED.value, "&Flag for a second look", "bulkFlag"),
            (ReviewStatus.PENDING.value, "Back to &pending", "bulkPending"),
            (ASSIGN, "A&ssign to a reviewer:", "bulkAssign"))

BulkChoice = Decision | tuple[str, str]
"""A decision, or (ASSIGN, the reviewer's name)."""


class DecideDialog(QDialog):
    """Approve / reject with a reason (and a note) / flag (and a note) / back to pending /
    assign to a reviewer, for the Samples ``what`` names."""

    def __init__(self, parent: QWidget | None, what: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Decide many samples")
        self.setObjectName("bulkDialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        about = QLabel(what, self)
        about.setObjectName("bulkWhat")
        about.setWordWrap(True)
        self.group = QButtonGroup(self)
        self.buttons_by_value: dict[str, QRadioButton] = {}
        self.reason = QComboBox(self)
        self.reason.setObjectName("bulkReason")
        for reason in RejectReason:
            self.reason.addItem(reason.value, reason.value)
        self.note = QLineEdit(self)
        self.note.setObjectName("bulkNote")
        self.note.setPlaceholderText("a note for every sample (reject, flag; optional)")
        self.reviewer = QLineEdit(self)
        self.reviewer.setObjectName("bulkReviewer")
        self.reviewer.setPlaceholderText("the reviewer's name, as they open the project")
        form = QFormLayout()
        beside = {ReviewStatus.REJECTED.value: self.reason, ASSIGN: self.reviewer}
        for value, label, name in _CHOICES:
            button = QRadioButton(label, self)
            button.setObjectName(name)
            self.group.addButton(button)
            self.buttons_by_value[value] = button
            field = beside.get(value)
            if field is None:
                form.addRow(button)
            else:
                form.addRow(button, field)
        form.addRow("&Note:", self.note)
        # Alt+R / Alt+S choose and go on to the field of that choice (the reason, the name)
        self._field_of: dict[QRadioButton, QWidget] = {
            self.buttons_by_value[value]: field for value, field in beside.items()}
        for button in self._field_of:
            button.installEventFilter(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Count them…")
        self.ok.setToolTip("Counts the samples per task and source; nothing is written "
                           "before you confirm")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 70)  # room for a note
        self.group.buttonToggled.connect(lambda *_args: self._enable())
        self.reviewer.textChanged.connect(lambda _text: self._enable())
        self.buttons_by_value[ReviewStatus.APPROVED.value].setChecked(True)
        # Tab goes from a choice to its field: the fields were made before the buttons, so
        # Qt's order (that of creation) went from the choices straight to the buttons below
        chain = [b for value, _label, _name in _CHOICES
                 for b in (self.buttons_by_value[value], beside.get(value)) if b is not None]
        for before, after in zip([*chain, self.note], [*chain[1:], self.note, self.ok]):
            QWidget.setTabOrder(before, after)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """A choice's mnemonic (Alt+R, Alt+S) checks it and focuses its field at once."""
        if (isinstance(watched, QRadioButton) and watched in self._field_of
                and event.type() == QEvent.Type.Shortcut):
            watched.setChecked(True)
            self._field_of[watched].setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().eventFilter(watched, event)

    def chosen(self) -> str:
        """The status (or ASSIGN) whose button is checked."""
        return next(v for v, b in self.buttons_by_value.items() if b.isChecked())

    def choice(self) -> BulkChoice:
        """What was chosen, as the service takes it."""
        value = self.chosen()
        if value == ASSIGN:
            return ASSIGN, self.reviewer.text().strip()
        keeps_note = value in (ReviewStatus.REJECTED.value, ReviewStatus.FLAGGED.value)
        return Decision(value, self.reason.currentData() if value == "rejected" else None,
                        (self.note.text().strip() or None) if keeps_note else None)

    def _enable(self) -> None:
        value = self.chosen()
        self.reason.setEnabled(value == ReviewStatus.REJECTED.value)
        self.note.setEnabled(value in (ReviewStatus.REJECTED.value, ReviewStatus.FLAGGED.value))
        self.reviewer.setEnabled(value == ASSIGN)
        self.ok.setEnabled(value != ASSIGN or bool(self.reviewer.text().strip()))


def confirm_box(parent: QWidget, plan: BulkResult) -> QMessageBox:
    """The confirmation of a counted plan: how many per task and source, the total and what
    is left alone; "Decide N samples" or Cancel (the caller opens it)."""
    n = plan.total
    return _confirm(parent, "Confirm the decision", (
        f"Set {n:,} sample{_s(n)} to <b>{html.escape(plan.decision)}</b>? Each gets a "
        "revision; Ctrl+Z undoes them all."), plan.lines(), f"Decide {n:,} sample{_s(n)}")


def assign_box(parent: QWidget, plan: AssignPlan, *, selected: bool) -> QMessageBox:
    """The confirmation of a counted assignment (``selected``: of the queue's selected rows,
    else of all the filter's): how many per task and source, and how many of the selection
    are left out and why; "Assign N samples" or Cancel (the caller opens it)."""
    n, of = plan.total, plan.selected
    which = "selected" if selected else "matching the filter"
    share = f", all the {of:,} {which}" if n == of else f" of the {of:,} {which}"
    return _confirm(parent, "Confirm the batch", (
        f"Give <b>{html.escape(plan.to)}</b> {n:,} sample{_s(n)}{share}? Each is "
        f"{' or '.join(plan.statuses)} and in no batch yet; Ctrl+Z takes them back."),
        plan.lines(), f"Assign {n:,} sample{_s(n)}")


def _confirm(parent: QWidget, title: str, question: str, lines: list[str],
             go_text: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, "", parent=parent)
    box.setObjectName("bulkConfirm")
    box.setTextFormat(Qt.TextFormat.RichText)
    head = f"  {'task':<22} {'source':<28} {'samples':>8}"  # as BulkResult.lines() aligns
    table = html.escape("\n".join([head, *lines]))
    box.setText(f"<p>{question}</p><pre>{table}</pre>")
    go = box.addButton(go_text, QMessageBox.ButtonRole.AcceptRole)
    go.setObjectName("bulkGo")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    return box


def _s(n: int) -> str:
    return "" if n == 1 else "s"
