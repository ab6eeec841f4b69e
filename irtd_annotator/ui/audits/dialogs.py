"""The Audits panel's dialogs: New audit (what ``audit create`` takes) and the confirmation
that shows a plan or an accept's counts, per stratum, before anything is written."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QFontDatabase, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.queue_filter import QueueFilter

__all__ = ["BY_CHOICES", "AuditSpec", "ConfirmDialog", "NewAuditDialog"]

_WRAP_WIDTH = 640  # a confirmation whose lines wrap: room beside the window at 1366 px
SEED_BITS = 31  # a random seed a person can type back to draw the same audit again
BY_CHOICES = (("task and source", ("task", "source")), ("task", ("task",)),
              ("source", ("source",)), ("none: one stratum", ()))


@dataclass(frozen=True)
class AuditSpec:
    """What the New audit dialog asks ``create_audit`` for."""

    name: str
    flt: QueueFilter
    max_error: float
    confidence: float
    seed: int
    by: tuple[str, ...]


def _percent(name: str, low: float, high: float, value: float, tip: str,
             parent: QWidget) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setObjectName(name)
    box.setDecimals(1)
    box.setRange(low, high)
    box.setSingleStep(0.5)
    box.setSuffix(" %")
    box.setValue(value)
    box.setToolTip(tip)
    return box


class NewAuditDialog(QDialog):
    """Name, the samples to draw from (the queue's filter, or a task and a source), max
    error, confidence, seed and strata; OK shows the plan before the audit is made."""

    def __init__(self, parent: QWidget | None, *, queue_filter: QueueFilter, described: str,
                 choices: dict[str, list[str]]) -> None:
        super().__init__(parent)
        self.setObjectName("newAuditDialog")
        self.setWindowTitle("New audit")
        self._queue_filter = queue_filter
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("auditName")
        self.name_edit.setPlaceholderText("e.g. relationship-v1")
        self.from_queue = QRadioButton(f"The queue's filter: {described}", self)
        self.from_queue.setObjectName("auditFromQueue")
        self.from_choice = QRadioButton("Choose:", self)
        self.from_choice.setObjectName("auditFromChoice")
        group = QButtonGroup(self)
        group.addButton(self.from_queue)
        group.addButton(self.from_choice)
        self.from_queue.setChecked(True)
        self.task_combo = self._combo("auditTask", "All tasks", choices.get("task", []))
        self.source_combo = self._combo("auditSource", "All sources", choices.get("source", []))
        chosen = QHBoxLayout()
        for widget in (self.from_choice, self.task_combo, self.source_combo):
            chosen.addWidget(widget)
        self.max_error = _percent("auditMaxError", 0.1, 50.0, 5.0, "The error rate the audit "
                                  "must show a stratum is below", self)
        self.confidence = _percent("auditConfidence", 50.0, 99.9, 95.0, "How sure: the "
                                   "confidence of the bound", self)
        self.seed_edit = QLineEdit(str(random.SystemRandom().getrandbits(SEED_BITS)), self)
        self.seed_edit.setObjectName("auditSeed")
        self.seed_edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,18}"),
                                                                self.seed_edit))
        self.seed_edit.setToolTip("The draw's seed: the same seed draws the same samples")
        self.by_combo = QComboBox(self)
        self.by_combo.setObjectName("auditBy")
        for text, dims in BY_CHOICES:
            self.by_combo.addItem(text, dims)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("Samples:", self.from_queue)
        form.addRow("", chosen)
        form.addRow("Max &error:", self.max_error)
        form.addRow("&Confidence:", self.confidence)
        form.addRow("&Seed:", self.seed_edit)
        form.addRow("Strata &by:", self.by_combo)
        note = QLabel("Drawn from the pending samples only; the plan per stratum is shown "
                      "before the audit is made.", self)
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.plan_button = self.buttons.addButton("Show the &plan…",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.plan_button.setObjectName("auditPlan")
        self.plan_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        for combo in (self.task_combo, self.source_combo):
            combo.activated.connect(lambda _n: self.from_choice.setChecked(True))
        for edit in (self.name_edit, self.seed_edit):
            edit.textChanged.connect(lambda _t: self._enable())
        self._enable()

    def _combo(self, name: str, everything: str, values: list[str]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(everything, ())
        for value in values:
            combo.addItem(value, (value,))
        return combo

    def _enable(self) -> None:
        self.plan_button.setEnabled(bool(self.name_edit.text().strip())
                                    and bool(self.seed_edit.text()))

    def spec(self) -> AuditSpec:
        """What was chosen: the samples as a queue filter (pending is added by the audit)."""
        if self.from_queue.isChecked():
            flt = self._queue_filter
        else:
            flt = dataclasses.replace(QueueFilter(),
                                      tasks=tuple(self.task_combo.currentData() or ()),
                                      sources=tuple(self.source_combo.currentData() or ()))
        return AuditSpec(self.name_edit.text().strip(), flt, self.max_error.value() / 100,
                         self.confidence.value() / 100, int(self.seed_edit.text()),
                         tuple(self.by_combo.currentData() or ()))


class ConfirmDialog(QDialog):
    """A question with its table (a plan, an accept's counts) in a fixed-width font, and a
    button that does it (object name ``auditGo``) or Cancel, which writes nothing."""

    def __init__(self, parent: QWidget | None, *, title: str, question: str, table: str,
                 go: str | None, wrap: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("auditConfirm")
        self.setWindowTitle(title)
        self.question = QLabel(question, self)
        self.question.setObjectName("auditQuestion")
        self.question.setWordWrap(True)
        self.table = QPlainTextEdit(table, self)
        self.table.setObjectName("auditTable")
        self.table.setReadOnly(True)
        # a plan's columns must stay aligned; an accept's reasons are sentences: they wrap
        self.table.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap
                                   else QPlainTextEdit.LineWrapMode.NoWrap)
        self.table.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.buttons = QDialogButtonBox(self)
        self.go: QPushButton | None = None
        if go is not None:
            self.go = self.buttons.addButton(go, QDialogButtonBox.ButtonRole.AcceptRole)
            self.go.setObjectName("auditGo")
            self.go.setDefault(True)
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:  # nothing to do: only the reasons to read
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        metrics = self.table.fontMetrics()
        lines = table.splitlines() or [""]
        widest = max(metrics.horizontalAdvance(line) for line in lines)
        width = min(max(widest + 60, 460), _WRAP_WIDTH if wrap else 1100)
        rows = sum(1 + metrics.horizontalAdvance(line) // max(width - 60, 1) for line in lines)
        self.resize(width, min(metrics.lineSpacing() * rows + 170, 560))
