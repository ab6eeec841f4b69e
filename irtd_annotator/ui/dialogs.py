"""The window's small dialogs: the annotator's name, a reject reason, a flag's note, opening a
project, error messages, a yes/no question and the keyboard-shortcuts table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.model import RejectReason

PROJECT_FILTER = "IRTD Annotator projects (*.db *.sqlite *.sqlite3);;All files (*)"


def ask_annotator(parent: QWidget | None, current: str | None = None) -> str | None:
    """Ask the name recorded in every revision; None when the user cancels."""
    while True:
        name, ok = QInputDialog.getText(
            parent, "Who is reviewing?",
            "Your name or initials, recorded with every change you make:",
            QLineEdit.EchoMode.Normal, current or "")
        if not ok:
            return None
        if name.strip():
            return name.strip()


def _ok_cancel(dialog: QDialog, ok: str) -> QDialogButtonBox:
    """``ok`` (the default button: Return) and Cancel (Esc), wired to ``dialog``."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


@dataclass(frozen=True)
class RejectChoice:
    """What the reject dialog returns."""

    reason: str
    note: str | None

    def __post_init__(self) -> None:
        RejectReason(self.reason)


class RejectDialog(QDialog):
    """Pick a reject reason (keys 1-7 or arrows) and reject with Return; the optional note is
    one Tab away (issue 13: R, a digit, Return rejects)."""

    def __init__(self, parent: QWidget | None = None, *, reason: str | None = None,
                 note: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject sample")
        self.setObjectName("rejectDialog")
        self.reasons = QListWidget(self)
        self.reasons.setObjectName("rejectReasons")
        for n, value in enumerate(RejectReason, start=1):
            item = QListWidgetItem(f"{n}  {value.value}")
            item.setData(Qt.ItemDataRole.UserRole, value.value)
            self.reasons.addItem(item)
        self.reasons.installEventFilter(self)  # digits 1-7 pick a reason
        self.reasons.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.reasons.itemDoubleClicked.connect(lambda _item: self.accept())
        values = [r.value for r in RejectReason]
        self.reasons.setCurrentRow(values.index(reason) if reason in values else 0)
        self.reasons.setMinimumHeight(self.reasons.sizeHintForRow(0) * (len(values) + 1))
        self.note = QLineEdit(self)
        self.note.setObjectName("rejectNote")
        self.note.setPlaceholderText("Optional note (what is wrong)")
        self.note.setText(note or "")
        buttons = _ok_cancel(self, "Reject")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Why is this sample wrong? 1-7 pick the reason, Return rejects, "
                                "Tab goes to the note", self))
        layout.addWidget(self.reasons)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.reasons.setFocus()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.reasons and event.type() == QEvent.Type.KeyPress and \
                isinstance(event, QKeyEvent):
            text = event.text()
            if text.isdigit() and 1 <= int(text) <= self.reasons.count():
                # the reason is picked and the focus stays here, where Return rejects at once
                # (the list passes Return on to the dialog's default button); Tab: the note
                self.reasons.setCurrentRow(int(text) - 1)
                return True
        return super().eventFilter(obj, event)

    def choice(self) -> RejectChoice:
        """The reason and note picked."""
        item = self.reasons.currentItem()
        reason = item.data(Qt.ItemDataRole.UserRole) if item else RejectReason.OTHER.value
        return RejectChoice(reason, self.note.text().strip() or None)


def ask_reject(parent: QWidget | None, *, reason: str | None = None,
               note: str | None = None) -> RejectChoice | None:
    """Ask why a Sample is rejected; None when the user cancels."""
    dialog = RejectDialog(parent, reason=reason, note=note)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


@dataclass(frozen=True)
class FlagChoice:
    """What the flag dialog returns: the optional note."""

    note: str | None


class FlagDialog(QDialog):
    """Flag a Sample for a second look with an optional note: the note has the cursor,
    Return flags, Esc cancels."""

    def __init__(self, parent: QWidget | None = None, *, note: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Flag sample")
        self.setObjectName("flagDialog")
        self.note = QLineEdit(self)
        self.note.setObjectName("flagNote")
        self.note.setPlaceholderText("Optional note (what to look at again)")
        self.note.setText(note or "")
        self.note.selectAll()  # typing replaces a note kept from before
        buttons = _ok_cancel(self, "Flag")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Flag for a second look. Return flags, Esc cancels.", self))
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.note.setFocus()

    def choice(self) -> FlagChoice:
        """The note typed (None when empty)."""
        return FlagChoice(self.note.text().strip() or None)


def ask_flag(parent: QWidget | None, *, note: str | None = None) -> FlagChoice | None:
    """Ask for a flag's optional note; None when the user cancels."""
    dialog = FlagDialog(parent, note=note)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def ask_yes_no(parent: QWidget | None, title: str, question: str) -> bool:
    """A yes/no question (Y or N, Return: No); True for Yes."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setObjectName("questionBox")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    try:
        return box.exec() == QMessageBox.StandardButton.Yes
    finally:
        box.deleteLater()


def ask_project(parent: QWidget | None, start: str | None = None) -> str | None:
    """A project file to open (existing files only), or None."""
    folder = str(Path(start).parent) if start and "://" not in start else str(Path.home())
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", folder, PROJECT_FILTER)
    return path or None


def ask_import_files(parent: QWidget | None, start: str | None = None) -> list[str]:
    """IR-TD / LLaVA JSON files to import (may be empty)."""
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Import IR-TD files", start or str(Path.home()),
        "IR-TD / LLaVA JSON (*.json *.jsonl);;All files (*)")
    return list(files)


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    """A clear message, never a traceback."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("errorBox")
    box.exec()


class ShortcutsDialog(QDialog):
    """Every shortcut of the window, generated from its actions."""

    def __init__(self, rows: Sequence[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu or where", "Command", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Single keys work when the cursor is not in a text field; press Esc in an "
                      "editor to go back to the queue. A focused answer editor's keys win over "
                      "the window's. Every change is saved at once.", self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def rows(self) -> list[tuple[str, str, str]]:
        """The rows shown: (menu, command, keys)."""
        return [(self._cell(r, 0), self._cell(r, 1), self._cell(r, 2))
                for r in range(self.table.rowCount())]

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""
