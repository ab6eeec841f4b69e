"""The infrared-word hints from the keyboard (issue 13): a small list of a turn's underlined
words with their hints; Return puts the editor's cursor on the word picked, selected.

The underlining itself is the turn editor's (``InfraredHighlighter``); this lists the same
issues, found the same way (``hint_issues``, paragraph by paragraph), for a reviewer who does
not reach for the mouse to read a tooltip.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.infrared_words import Issue
from irtd_annotator.ui.sample.turn_editor import hint_issues


def turn_issues(editor: QPlainTextEdit) -> list[Issue]:
    """The underlined words of the text ``editor`` shows, at their positions in it."""
    found: list[Issue] = []
    block = editor.document().begin()
    while block.isValid():
        at = block.position()
        found.extend(replace(i, start=i.start + at, end=i.end + at)
                     for i in hint_issues(block.text(), at))
        block = block.next()
    return found


def select_word(editor: QPlainTextEdit, issue: Issue) -> None:
    """Select ``issue``'s word in ``editor`` and give it the keyboard focus (the reviewer
    asked to go there: typing now replaces the word)."""
    cursor = editor.textCursor()
    cursor.setPosition(issue.start)
    cursor.setPosition(issue.end, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
    editor.ensureCursorVisible()


class HintsPopup(QDialog):
    """The underlined words of one turn and why infrared cannot show them: arrows pick one,
    Return goes to it in the editor, Esc closes."""

    def __init__(self, issues: list[Issue], title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Infrared hints")
        self.setObjectName("hintsPopup")
        self.issues = issues
        self.words = QListWidget(self)
        self.words.setObjectName("hintWords")
        self.words.setWordWrap(True)
        for n, issue in enumerate(issues):
            item = QListWidgetItem(f"“{issue.word}”: {issue.hint}")
            item.setData(Qt.ItemDataRole.UserRole, n)
            self.words.addItem(item)
        self.words.setCurrentRow(0)
        self.words.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Go to the word")
        buttons.accepted.connect(self.accept)  # Return in the list reaches the default button
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Words infrared cannot show in {title}:", self))
        layout.addWidget(self.words)
        layout.addWidget(buttons)
        self.resize(520, 300)
        self.words.setFocus()

    def picked(self) -> Issue | None:
        """The issue whose row is current, or None."""
        item = self.words.currentItem()
        return self.issues[int(item.data(Qt.ItemDataRole.UserRole))] if item is not None else None


def pick_hint(parent: QWidget | None, editor: QPlainTextEdit, title: str) -> bool:
    """List ``editor``'s underlined words; the one picked is selected in the editor. False
    when the text has none (nothing is shown)."""
    issues = turn_issues(editor)
    if not issues:
        return False
    popup = HintsPopup(issues, title, parent)
    try:
        if popup.exec() == QDialog.DialogCode.Accepted and (issue := popup.picked()) is not None:
            select_word(editor, issue)
    finally:
        popup.deleteLater()
    return True
