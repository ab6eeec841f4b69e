"""One Turn in the sample panel: the editable current text, the LLM's original beside it.

The editor commits a typing burst (one undo step for the window) when the user pauses
(~400 ms), leaves the editor, or the panel is flushed before navigation. Words infrared cannot
show are underlined with a hint in the tooltip (and listed by Ctrl+Shift+I, hints_popup.py).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.infrared_words import Issue, find_infrared_issues
from irtd_annotator.domain.views import TurnView
from irtd_annotator.ui.sample.diff_view import MAX_DIFF_WORDS, DiffView
from irtd_annotator.ui.sample.text_height import FitToText

ISSUE_COLOUR = "#e65100"
ISSUE_BACKGROUND = "#fff3e0"
# The infrared hints scan the edited paragraph per keystroke and the whole text when it is
# shown (~2 µs a character): only the first HINT_LIMIT characters of a text are checked, and
# the panel says so (ADR 0017).
HINT_LIMIT = 10_000
# Qt lays out a whole paragraph again on every keystroke (~0.5 s a megabyte): a longer text is
# edited a part at a time, the rest kept aside and joined back unchanged (ADR 0017).
EDIT_WINDOW = 50_000

# Keys a text editor owns while it has focus, even when the window binds them as shortcuts.
_EDITING_KEYS = frozenset({
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home,
    Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Backspace,
    Qt.Key.Key_Delete, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Space,
})
_COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                      | Qt.KeyboardModifier.MetaModifier)


class InfraredHighlighter(QSyntaxHighlighter):
    """Underlines (wavy, orange on a light background) what find_infrared_issues reports."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._format = QTextCharFormat()
        self._format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self._format.setUnderlineColor(QColor(ISSUE_COLOUR))
        self._format.setBackground(QColor(ISSUE_BACKGROUND))

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        # One block is one paragraph: a phrase broken across lines is not matched, which is
        # rare in captions and keeps re-highlighting per keystroke cheap.
        for issue in hint_issues(text, self.currentBlock().position()):
            self.setFormat(issue.start, issue.end - issue.start, self._format)


def hint_issues(paragraph: str, position: int) -> list[Issue]:
    """The infrared issues of a paragraph starting at ``position`` in its text, checked only
    in the text's first HINT_LIMIT characters (cut at a space)."""
    room = HINT_LIMIT - position
    if room <= 0:
        return []
    if len(paragraph) > room:
        head = paragraph[:room]
        space = max(head.rfind(" "), head.rfind("\t"))
        paragraph = head[:space] if space > 0 else head
    return find_infrared_issues(paragraph)


def hints_shortened(document: QTextDocument) -> bool:
    """True when ``document`` is longer than the infrared hints check."""
    return document.characterCount() - 1 > HINT_LIMIT


class TurnEditor(QPlainTextEdit):
    """The current text of a Turn; emits ``committed(old, new)`` when a typing burst ends.

    A text longer than EDIT_WINDOW is shown a part at a time (``part``, ``show_part``): what
    is before and after the part shown is kept as it is and joined back by ``text()``."""

    committed = Signal(str, str)
    part_changed = Signal()
    tab_pressed = Signal(bool)  # True: Tab (next editor), False: Shift+Tab (previous)
    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None, *, idle_ms: int = 400) -> None:
        super().__init__(parent)
        self._saved = ""
        self._head = ""  # the text before the part shown (empty for a text that fits)
        self._tail = ""  # and after it
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self.commit)
        self.textChanged.connect(self._on_text_changed)
        self.highlighter = InfraredHighlighter(self.document())
        self.setTabChangesFocus(False)  # Tab is handled in event(): next turn editor

    # -- what the panel calls -------------------------------------------------------------
    def load(self, text: str, *, keep_cursor: bool) -> None:
        """Show ``text`` as the saved text, without emitting anything."""
        self._idle.stop()
        self._saved = text
        if self.text() == text:
            return  # untouched: cursor, selection and the editor's own undo stay
        self._show_from(text, len(self._head) if keep_cursor else 0, keep_cursor=keep_cursor)

    def text(self) -> str:
        """The whole current text (the part shown joined with what is kept aside)."""
        return self._head + self.toPlainText() + self._tail

    def part(self) -> tuple[int, int, int] | None:
        """(first, last, total) characters of the part shown, or None when all is shown."""
        if not self._head and not self._tail:
            return None
        shown = len(self._head) + len(self.toPlainText())
        return len(self._head), shown, shown + len(self._tail)

    def show_part(self, *, later: bool) -> None:
        """Show the next (or previous) part of a long text; the text itself is unchanged."""
        text, start = self.text(), len(self._head)
        start = start + len(self.toPlainText()) if later else max(0, start - EDIT_WINDOW)
        if start < len(text):
            self._show_from(text, start, keep_cursor=False)

    def _show_from(self, text: str, start: int, *, keep_cursor: bool) -> None:
        """Show ``text`` (its part from about ``start`` when it is long) emitting nothing."""
        position = self.textCursor().position()
        if len(text) <= EDIT_WINDOW:
            start, end = 0, len(text)
        else:
            start = _part_start(text, min(start, len(text) - 1))
            # the last part runs to the end, even a little over EDIT_WINDOW
            end = len(text) if len(text) - start <= EDIT_WINDOW + 1000 else _part_end(text, start)
        self._head, self._tail = text[:start], text[end:]
        was_blocked = self.blockSignals(True)
        try:
            self.setPlainText(text[start:end])
            if keep_cursor:
                cursor = self.textCursor()
                cursor.setPosition(min(position, end - start))
                self.setTextCursor(cursor)
        finally:
            self.blockSignals(was_blocked)
        self.part_changed.emit()

    def mark_saved(self, text: str) -> None:
        """The store now holds ``text``; typing newer than it stays pending and will commit."""
        self._saved = text

    def saved_text(self) -> str:
        """What the editor holds as stored: the base of any typing not yet committed."""
        return self._saved

    def has_pending(self) -> bool:
        """True when the editor holds text not yet committed."""
        return self.text() != self._saved

    def commit(self) -> bool:
        """Emit ``committed(old, new)`` if the text changed since the last commit."""
        self._idle.stop()
        new = self.text()
        if new == self._saved:
            return False
        old, self._saved = self._saved, new
        self.committed.emit(old, new)
        return True

    def issue_at(self, position: int) -> Issue | None:
        """The highlighted issue at a document position, or None."""
        block = self.document().findBlock(position)
        if not block.isValid():
            return None
        offset = position - block.position()
        for issue in hint_issues(block.text(), block.position()):
            if issue.start <= offset < issue.end:
                return issue
        return None

    # -- Qt ---------------------------------------------------------------------------------
    def _on_text_changed(self) -> None:
        self._idle.start()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        # While typing, letters, digits and navigation keys are text, never the window's
        # single-key review shortcuts; Ctrl/Alt combinations still reach the window.
        if (kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and not event.modifiers() & _COMMAND_MODIFIERS
                and (event.key() in _EDITING_KEYS
                     or (event.text().isprintable() and event.text()))):
            event.accept()
            return True
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and \
                    not event.modifiers() & _COMMAND_MODIFIERS:
                forward = event.key() == Qt.Key.Key_Tab and \
                    not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                self.tab_pressed.emit(forward)
                return True
            if event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End) and self.part() is not None and \
                    event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._to_text_edge(end=event.key() == Qt.Key.Key_End)
                return super().event(event)
            if event.key() == Qt.Key.Key_Escape:
                self.commit()
                self.escape_pressed.emit()
                return True
        return super().event(event)

    def _to_text_edge(self, *, end: bool) -> None:
        """Ctrl+Home / Ctrl+End in a long text: its first or last part (the key then moves
        the cursor within it)."""
        text = self.text()
        if end and self._tail:
            self._show_from(text, len(text) - EDIT_WINDOW, keep_cursor=False)
        elif not end and self._head:
            self._show_from(text, 0, keep_cursor=False)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Tooltips arrive at the viewport (scroll areas do not pass them to event()).
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hint = self.hint_at(self.cursorForPosition(event.pos()).position())
            if hint is not None:
                QToolTip.showText(event.globalPos(), hint, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def hint_at(self, position: int) -> str | None:
        """The tooltip for a document position: the highlighted words and why, or None."""
        issue = self.issue_at(position)
        return None if issue is None else f"“{issue.word}”: {issue.hint}"

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt's name)
        super().focusOutEvent(event)
        self.commit()


class TurnWidget(QFrame):
    """A Turn: title, editor, the original with the word difference, Revert to original."""

    committed = Signal(int, str, str)  # idx, old, new
    revert_clicked = Signal(int)

    def __init__(self, turn: TurnView, parent: QWidget | None = None, *, large: bool,
                 idle_ms: int = 400) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.idx = turn.idx
        self.role = turn.role
        self.large = large
        self._original = turn.original

        speaker = "Prompt" if turn.role == "human" else "Answer"
        self.title = QLabel(f"<b>{speaker}</b> · turn {turn.idx + 1} ({turn.role})", self)
        self.edited_label = QLabel("edited", self)
        self.edited_label.setStyleSheet(f"color: {ISSUE_COLOUR};")
        self.revert_button = QPushButton("Revert to original", self)
        self.revert_button.setToolTip("Put the LLM's original text of this turn back (saved, undoable)")
        self.revert_button.clicked.connect(lambda: self.revert_clicked.emit(self.idx))

        self.editor = TurnEditor(self, idle_ms=idle_ms)
        self.editor.setObjectName(f"turnEditor{turn.idx}")
        self.editor.setAccessibleName(f"{speaker} text, turn {turn.idx + 1}")
        self.diff = DiffView(self)
        self.diff.setObjectName(f"turnOriginal{turn.idx}")
        self.diff.setToolTip("The LLM's original: deleted words red and struck out, inserted green")
        self.diff.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab goes editor to editor
        # a large answer takes the free height; a prompt or a short answer fits its text, up
        # to a few lines, on every Sample alike (text_height.py)
        self._fit = None if large else FitToText(self.editor, self.diff, self)
        for box in (self.editor, self.diff) if large else ():
            box.setMinimumHeight(220)
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.edited_label)
        top.addStretch(1)
        top.addWidget(self.revert_button)
        texts = QHBoxLayout()
        texts.addWidget(self.editor, 1)
        texts.addWidget(self.diff, 1)
        # Says when a huge text is checked or compared only in part (ADR 0017).
        self.note = QLabel(self)
        self.note.setObjectName(f"turnNote{turn.idx}")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {ISSUE_COLOUR};")
        self.note.hide()
        self.earlier_button = QPushButton("◀ Earlier part", self)
        self.earlier_button.setToolTip("Edit the part of this long text before the one shown")
        self.earlier_button.clicked.connect(lambda: self.editor.show_part(later=False))
        self.later_button = QPushButton("Later part ▶", self)
        self.later_button.setToolTip("Edit the part of this long text after the one shown")
        self.later_button.clicked.connect(lambda: self.editor.show_part(later=True))
        notes = QHBoxLayout()
        notes.addWidget(self.note, 1)
        notes.addWidget(self.earlier_button)
        notes.addWidget(self.later_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(top)
        layout.addLayout(texts)
        layout.addLayout(notes)

        self.editor.committed.connect(lambda old, new: self.committed.emit(self.idx, old, new))
        self.editor.textChanged.connect(self._refresh_difference)
        self.editor.part_changed.connect(self._refresh_notes)
        self.editor.load(turn.text, keep_cursor=False)
        self._refresh_difference()

    def update_turn(self, turn: TurnView, *, same_sample: bool) -> str | None:
        """Show ``turn``; for the same sample keep the cursor and any typing not yet committed.

        Typing based on a text the store no longer holds (someone else changed this turn
        meanwhile) is not kept over it: the turn shows as stored and the typing is returned,
        for the panel to offer again (ADR 0019). None otherwise.
        """
        self._original = turn.original
        displaced = None
        if same_sample and self.editor.has_pending() and turn.text == self.editor.saved_text():
            self.editor.mark_saved(turn.text)
        else:
            if same_sample and self.editor.has_pending():
                displaced = self.editor.text()
            self.editor.load(turn.text, keep_cursor=same_sample)
        self._refresh_difference()
        return displaced

    def discard_typing(self) -> bool:
        """Show the stored text again over typing not saved; True when there was some."""
        if not self.editor.has_pending():
            return False
        self.editor.load(self.editor.saved_text(), keep_cursor=True)
        self._refresh_difference()
        return True

    def _refresh_difference(self) -> None:
        current = self.editor.text()
        self.diff.set_texts(self._original, current)
        if self._fit is not None:
            self._fit.fit(current, self._original)
        edited = current != self._original
        self.edited_label.setVisible(edited)
        self.revert_button.setEnabled(edited)
        self._refresh_notes()

    def _refresh_notes(self) -> None:
        """Say what of a huge text is edited, compared and checked (ADR 0017)."""
        notes = []
        part = self.editor.part()
        if part is not None:
            first, last, total = part
            notes.append(f"Editing characters {first + 1:,}–{last:,} of {total:,} "
                         "(Earlier/Later part, Ctrl+Home/Ctrl+End for the rest).")
        self.earlier_button.setVisible(part is not None)
        self.later_button.setVisible(part is not None)
        if part is not None:
            self.earlier_button.setEnabled(part[0] > 0)
            self.later_button.setEnabled(part[1] < part[2])
        if self.diff.shortened:
            notes.append(f"Difference shown for the first {MAX_DIFF_WORDS:,} changed words only.")
        if hints_shortened(self.editor.document()):
            notes.append(f"Infrared hints checked in the first {HINT_LIMIT:,} characters shown "
                         "only.")
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))


def _part_start(text: str, start: int) -> int:
    """``start`` moved back to the beginning of its line or word (a part starts whole)."""
    if start <= 0:
        return 0
    floor = max(0, start - 1000)
    cut = max(text.rfind("\n", floor, start), text.rfind(" ", floor, start))
    return cut + 1 if cut >= 0 else start


def _part_end(text: str, start: int) -> int:
    """Where the part starting at ``start`` ends: EDIT_WINDOW characters on, at a space."""
    end = start + EDIT_WINDOW
    if end >= len(text):
        return len(text)
    cut = max(text.rfind("\n", end - 1000, end), text.rfind(" ", end - 1000, end))
    return cut + 1 if cut > start else end
