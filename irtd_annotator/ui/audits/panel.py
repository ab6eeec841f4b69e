"""The Audits dock (issue 14): every audit of the project with its strata, the numbers
``audit status`` prints, and the buttons for what ``audit`` does on the command line.

It shows what it is given (``show_audits``) and says what the reviewer asks for by signals;
ui/audits_ui.py reads the audits, runs the actions and refreshes it after every saved change.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.audit_stats import rate_decimals, setting_percent
from irtd_annotator.domain.audit_stats import sides_note as audit_sides
from irtd_annotator.services.review.audits import AuditStatus, StratumStatus

__all__ = ["COLUMNS", "VERDICT_COLOURS", "AuditsDock", "AuditsPanel", "audit_heading", "sides_note"]

# (header, tooltip); the numbers of ``irtd-annotator audit status``, in its order
COLUMNS = (
    ("Stratum", "Each audit, then its strata (task / source)"),
    ("Population", "Pending samples in the stratum when the audit was drawn"),
    ("Planned", "The sample size the plan asks for (raised by Extend)"),
    ("Drawn", "Samples drawn into the audit"),
    ("Reviewed", "Drawn samples now approved or rejected"),
    ("Errors", "Reviewed samples rejected, or approved after an edit"),
    ("Estimate", "Errors / reviewed ('–' while none is reviewed)"),
    ("Interval", "The exact (Clopper-Pearson) interval of the error rate, two-sided at the "
                 "audit's confidence; accept and reject each test one side (one bound) at "
                 "that confidence, so a stratum can be accepted while the interval's top is "
                 "above the max error (docs/audits.md)"),
    ("Verdict", "accept: upper bound below the max error; reject: lower bound above it; "
                "continue: review or draw more"),
    ("Accepted", "Samples the audit's accept gave 'accepted' that still have it"),
)
VERDICT_COLOURS = {"accept": "#2e7d32", "reject": "#c62828", "continue": "#e08e00"}
_NAME = Qt.ItemDataRole.UserRole  # an item's audit name


def audit_heading(status: AuditStatus) -> str:
    """An audit's row: its name and what it must show, as ``audit status`` heads it."""
    by = ", ".join(status.by) or "one stratum"
    text = (f"{status.name}: max error {setting_percent(status.max_error, 1)} at "
            f"{setting_percent(status.confidence)} "
            f"confidence, by {by}, seed {status.seed}")
    if status.accepted_by is not None:
        text += f"; accepted by {status.accepted_by}"
    return text


def sides_note(statuses: Sequence[AuditStatus]) -> str:
    """The line under the table saying what the interval and the verdicts test, as ``audit
    status`` ends its table ("" without audits)."""
    return audit_sides([status.confidence for status in statuses])


def _cells(status: AuditStatus, s: StratumStatus) -> tuple[str, ...]:
    d = rate_decimals(status.max_error)
    return (s.label, f"{s.population:,}", f"{s.planned:,}", f"{s.drawn:,}", f"{s.reviewed:,}",
            f"{s.errors:,}", f"{s.estimate:.{d}%}" if s.reviewed else "–",
            f"{s.low:.{d}%} – {s.high:.{d}%}", s.verdict,
            f"{s.accepted:,}")


class AuditsPanel(QWidget):
    """The audits as a tree (an audit, then its strata) and the actions on the one chosen."""

    new_requested = Signal()
    review_requested = Signal(str)   # the audit's name
    extend_requested = Signal(str)
    accept_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditsPanel")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("auditsTree")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([c[0] for c in COLUMNS])
        for n, (_title, tip) in enumerate(COLUMNS):
            self.tree.headerItem().setToolTip(n, tip)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.sides = QLabel(self)  # what the interval and the verdicts test (sides_note)
        self.sides.setObjectName("auditsSides")
        self.sides.setWordWrap(True)
        self.note = QLabel(self)  # no audit yet, or why they could not be read
        self.note.setObjectName("auditsNote")
        self.note.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, tip in (
                ("new", "&New audit…", "Draw a seeded sample per stratum from the pending "
                                      "samples of a filter"),
                ("review", "Revie&w this audit", "Show the audit's samples in the queue "
                                                 "(filter 'Audit: NAME'), from the first "
                                                 "pending"),
                ("extend", "E&xtend", "Draw more samples where the errors found call for them"),
                ("accept", "A&ccept…", "Give the unreviewed rest of every accepted stratum "
                                      "the status 'accepted' (one undo step)")):
            button = QPushButton(text, self)
            button.setObjectName(f"audit_{key}")
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the keys where they were
            row.addWidget(button)
            self.buttons[key] = button
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.sides)
        layout.addWidget(self.note)
        self.buttons["new"].clicked.connect(self.new_requested)
        for key, signal in (("review", self.review_requested), ("extend", self.extend_requested),
                            ("accept", self.accept_requested)):
            self.buttons[key].clicked.connect(lambda _c=False, s=signal: self._ask(s))
        self.tree.itemActivated.connect(lambda _item, _col: self._ask(self.review_requested))
        self.tree.currentItemChanged.connect(lambda *_a: self._enable())
        self.set_open(False)

    def set_open(self, is_open: bool) -> None:
        """A project is open (or not): the actions need one."""
        self._open = is_open
        if not is_open:
            self.tree.clear()
            self.sides.clear()
            self.note.setText("Open a project to see its audits.")
        self._enable()

    def show_audits(self, statuses: Sequence[AuditStatus]) -> None:
        """Show ``statuses`` (the audit chosen stays chosen when it is still there)."""
        chosen = self.selected_audit()
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for status in statuses:
            top = QTreeWidgetItem(self.tree, [audit_heading(status)])
            top.setData(0, _NAME, status.name)
            top.setFirstColumnSpanned(True)
            top.setFont(0, bold)
            top.setToolTip(0, f"made by {status.created_by} at {status.created_at}")
            for s in status.strata:
                item = QTreeWidgetItem(top, list(_cells(status, s)))
                item.setData(0, _NAME, status.name)
                for n in range(1, len(COLUMNS)):
                    item.setTextAlignment(n, Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                verdict = len(COLUMNS) - 2
                item.setTextAlignment(verdict, Qt.AlignmentFlag.AlignCenter)
                item.setForeground(verdict, QBrush(QColor(VERDICT_COLOURS[s.verdict])))
                item.setFont(verdict, bold)
            top.setExpanded(True)
            if status.name == chosen or (chosen is None and status is statuses[0]):
                self.tree.setCurrentItem(top)  # the first one until the reviewer chooses
        self.sides.setText(sides_note(statuses))
        self.sides.setVisible(bool(statuses))
        self.note.setText("" if statuses else
                          "No audit yet: New audit… draws one from the pending samples.")
        self._enable()

    def show_error(self, text: str) -> None:
        """The audits could not be read: one line under the tree."""
        self.note.setText(text.splitlines()[0] if text else "")

    def selected_audit(self) -> str | None:
        """The name of the audit chosen (its row or one of its strata), None when none is."""
        item = self.tree.currentItem()
        name = item.data(0, _NAME) if item is not None else None
        return str(name) if name else None

    def select_audit(self, name: str) -> None:
        """Choose the audit named ``name`` (after creating it, say)."""
        for item in self._audit_items():
            if item.data(0, _NAME) == name:
                self.tree.setCurrentItem(item)

    def rows(self) -> list[tuple[str, ...]]:
        """Every stratum as shown, (audit name, then its cells): for tests and the eye."""
        out: list[tuple[str, ...]] = []
        for top in self._audit_items():
            children = (top.child(k) for k in range(top.childCount()))
            out += [(str(top.data(0, _NAME)), *(child.text(c) for c in range(len(COLUMNS))))
                    for child in children if child is not None]
        return out

    def _audit_items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(n) for n in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _ask(self, signal: SignalInstance) -> None:
        name = self.selected_audit()
        if name is not None and self._open:
            signal.emit(name)

    def _enable(self) -> None:
        self.buttons["new"].setEnabled(self._open)
        chosen = self._open and self.selected_audit() is not None
        for key in ("review", "extend", "accept"):
            self.buttons[key].setEnabled(chosen)


class AuditsDock(QDockWidget):
    """The dock holding the Audits panel (View > Audits)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Audits", parent)
        self.setObjectName("auditsDock")
        self.panel = AuditsPanel(self)
        self.setWidget(self.panel)
