"""The sample panel: what a Sample is, where it stands, and every Turn to read and edit.

The panel never writes anything itself: it emits ``text_committed`` when a typing burst ends,
``revert_requested`` for "Revert to original", ``sibling_selected`` and ``history_requested``;
the main window calls the review session and shows the result again with ``show_sample``,
which updates the widgets with signals blocked so nothing echoes back as an edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.model import ReviewStatus, decided_words, status_label
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.views import SampleView
from irtd_annotator.ui.sample.answer_editors import AnswerEditors
from irtd_annotator.ui.sample.risk_line import RiskLine
from irtd_annotator.ui.sample.turn_editor import TurnEditor, TurnWidget
from irtd_annotator.ui.sample.unsaved_bar import STALE_REASON, UnsavedTextBar

if TYPE_CHECKING:
    from irtd_annotator.services.review.session import QueueRow

STATUS_COLOURS = {
    ReviewStatus.PENDING.value: "#616161",
    ReviewStatus.APPROVED.value: "#2e7d32",
    ReviewStatus.REJECTED.value: "#c62828",
    ReviewStatus.FLAGGED.value: "#ef6c00",
    ReviewStatus.ACCEPTED.value: "#66bb6a",  # the approved green, lighter: an audit decided it
}
# Tasks whose answers are free text and deserve a large editor.
_LARGE_TASKS = (Task.CAPTION, Task.INSTRUCTION)
_LARGE_TEXT = 240  # characters: a long answer of any task gets the large editor too
# The turn editor with the keyboard focus shows it, on every style and palette: the keys type
# there, not into the review (issue 13). Every editor has the frame, so none moves on focus.
FOCUS_FRAME = ("QPlainTextEdit { border: 2px solid palette(mid); }"
               "QPlainTextEdit:focus { border: 2px solid palette(highlight); }")


class SamplePanel(QWidget):
    """Shows one Sample (header, siblings, turns) and reports what the user does with it."""

    text_committed = Signal(int, int, str, str)  # sample id, turn idx, old text, new text
    revert_requested = Signal(int, int)  # sample id, turn idx
    sibling_selected = Signal(int)  # sample id
    history_requested = Signal(int)  # sample id
    escape_pressed = Signal()  # the user wants to go back to the queue
    shown_other = Signal(int)  # sample id: the panel moved on to another Sample

    def __init__(self, parent: QWidget | None = None, *, idle_ms: int = 400) -> None:
        super().__init__(parent)
        self.setObjectName("samplePanel")
        self._idle_ms = idle_ms
        self._view: SampleView | None = None
        self._turns: list[TurnWidget] = []
        self._answer_tools: AnswerEditors | None = None  # set_answer_tools

        self.task_label = self._value_label("task")
        self.original_label = self._value_label("originalId")
        self.source_label = self._value_label("sourceFile")
        self.image_label = self._value_label("image")
        self.status_label = self._value_label("status")
        self.warnings_label = self._value_label("warnings")
        self.risk_line = RiskLine(self)  # why this Sample may be wrong (docs/risk.md)
        self.history_button = QPushButton("History…", self)
        self.history_button.setToolTip("Who changed this sample, when, and from what to what")
        self.history_button.clicked.connect(self._on_history)
        self.history_button.setEnabled(False)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Task:", self.task_label)
        form.addRow("Original id:", self.original_label)
        form.addRow("Source file:", self.source_label)
        form.addRow("Image:", self.image_label)
        form.addRow("Status:", self.status_label)
        form.addRow("Warnings:", self.warnings_label)
        form.addRow(self.risk_line)
        history_row = QHBoxLayout()
        history_row.addWidget(self.history_button)
        history_row.addStretch(1)
        form.addRow("", history_row)

        self.siblings_title = QLabel("Samples of this image", self)
        self.siblings = QListWidget(self)
        self.siblings.setObjectName("siblings")
        self.siblings.setMaximumHeight(110)
        self.siblings.setToolTip("Other samples about the same image: click one to open it")
        self.siblings.itemClicked.connect(self._on_sibling)
        self.siblings.itemActivated.connect(self._on_sibling)

        self._turn_box = QWidget(self)
        self._turn_box.setStyleSheet(FOCUS_FRAME)
        self._turn_layout = QVBoxLayout(self._turn_box)
        self._turn_layout.setContentsMargins(0, 0, 0, 0)
        self._turn_layout.addStretch(1)
        # Not "scroll": that would shadow QWidget.scroll().
        self.turn_scroll = QScrollArea(self)
        self.turn_scroll.setWidgetResizable(True)
        self.turn_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.turn_scroll.setWidget(self._turn_box)
        self.turn_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        # typed text refused as stale waits here to be applied again (ADR 0019)
        self.unsaved_bar = UnsavedTextBar(self)
        self.unsaved_bar.apply_requested.connect(self._reapply)

        self.placeholder = QLabel("No sample selected.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.siblings_title)
        layout.addWidget(self.siblings)
        layout.addWidget(self.unsaved_bar)
        layout.addWidget(self.turn_scroll, 1)
        layout.addWidget(self.placeholder)
        self._set_empty(True)

    # ---- public API ------------------------------------------------------------------------

    @property
    def sample_id(self) -> int | None:
        """The id of the Sample shown, or None."""
        return self._view.id if self._view is not None else None

    def show_sample(self, view: SampleView, siblings: Sequence[QueueRow]) -> None:
        """Show ``view`` and its Pair's other Samples.

        Re-showing the same Sample (after a save, an undo) keeps each editor's cursor and any
        typing not yet committed. Showing another Sample first commits the pending typing of
        the one shown (``text_committed`` for the old Sample), so nothing typed is lost even
        if the caller forgot ``flush()``; the update itself emits nothing.
        """
        same = self._view is not None and self._view.id == view.id
        if not same:
            self.flush()
        blocker = QSignalBlocker(self)
        try:
            self._view = view
            self._show_header(view)
            self._show_siblings(view, siblings)
            self._show_turns(view, same=same)
            self._set_empty(False)
            if not same:
                self.turn_scroll.verticalScrollBar().setValue(0)
        finally:
            blocker.unblock()
        if not same:
            self.shown_other.emit(view.id)

    def clear(self) -> None:
        """Show nothing (after flushing pending typing)."""
        self.flush()
        with QSignalBlocker(self):
            self._view = None
            self.unsaved_bar.forget()
            self._clear_turns()
            self.siblings.clear()
            for label in (self.task_label, self.original_label, self.source_label,
                          self.image_label, self.status_label, self.warnings_label,
                          self.risk_line):
                label.clear()
            self._set_empty(True)

    def flush(self) -> None:
        """Commit what was typed and not yet committed (call before navigation or a status
        change): the turns' typing, then a count typed in the answer editors' pause."""
        for turn in list(self._turns):
            turn.editor.commit()
        if self._answer_tools is not None:
            self._answer_tools.commit_count()

    def discard_pending(self) -> list[int]:
        """Drop the typing the store refused and the editors still hold (an answer not in its
        task's form, say): each such turn shows its stored text again. The turns' indexes.

        Call after ``flush``: what is pending then was refused, it is never stored (issue 13)."""
        dropped = [turn.idx for turn in self._turns if turn.discard_typing()]
        if dropped and self._answer_tools is not None:
            self._answer_tools.show_error(None)
        return dropped

    def offer_unsaved(self, sample_id: int, idx: int, text: str,
                      reason: str = STALE_REASON) -> None:
        """Keep typed text that was not saved (the Sample changed meanwhile, say) to apply
        again, on top of any kept before."""
        self.unsaved_bar.offer(sample_id, idx, text, reason)

    def set_answer_tools(self, widget: AnswerEditors) -> None:
        """Show ``widget`` (the task-aware answer editors) right under the turns; ``flush``
        saves its count typed and not saved yet too; Tab goes from the turns into it and
        from it back to the turns."""
        self._answer_tools = widget
        widget.tab_out.connect(self._tab_from_tools)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.turn_scroll) + 1, widget)

    def turn_editor(self, idx: int) -> TurnEditor:
        """The editor of turn ``idx`` (KeyError if the Sample has no such turn)."""
        for turn in self._turns:
            if turn.idx == idx:
                return turn.editor
        raise KeyError(f"the sample shown has no turn {idx}")

    def turn_widget(self, idx: int) -> TurnWidget:
        """The whole widget of turn ``idx`` (editor, original, Revert button)."""
        for turn in self._turns:
            if turn.idx == idx:
                return turn
        raise KeyError(f"the sample shown has no turn {idx}")

    def focus_editor(self, idx: int | None = None) -> None:
        """Put the keyboard focus into turn ``idx``'s editor (default: the first answer, or
        the answer editor that owns the answer, Re-ID's grid)."""
        tools = self._answer_tools
        if idx is None and tools is not None and tools.owns_answer() and \
                (target := tools.keyboard_target()) is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        if not self._turns:
            return
        target = next((t for t in self._turns if t.idx == idx), None) if idx is not None else \
            next((t for t in self._turns if t.role == "gpt"), self._turns[0])
        if target is not None:
            target.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            self.turn_scroll.ensureWidgetVisible(target)

    def focused_turn(self) -> TurnWidget | None:
        """The turn the keyboard focus is in; else the answer (as E picks it); None when no
        Sample is shown. What the keys for a turn act on (revert, the infrared hints)."""
        focus = QApplication.focusWidget()
        for turn in self._turns:
            if focus is not None and turn.isAncestorOf(focus):
                return turn
        return next((t for t in self._turns if t.role == "gpt"),
                    self._turns[0] if self._turns else None)

    def revert_focused(self) -> None:
        """Revert to original the focused turn (or the answer): one undo step, like its button."""
        turn = self.focused_turn()
        if turn is not None:
            self._on_revert(turn.idx)

    # ---- building ----------------------------------------------------------------------------

    def _value_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return label

    def _set_empty(self, empty: bool) -> None:
        self.placeholder.setVisible(empty)
        self.turn_scroll.setVisible(not empty)
        self.siblings.setVisible(not empty)
        self.siblings_title.setVisible(not empty)
        self.history_button.setEnabled(not empty)

    def _show_header(self, view: SampleView) -> None:
        self.task_label.setText(view.task.value)
        self.risk_line.show_risk(view.risk)
        self.original_label.setText(f"{view.original_id}  (sample {view.id})")
        self.source_label.setText(view.source_file)
        missing = []
        if not view.pair.ir_exists:
            missing.append("infrared missing")
        if view.pair.visible_path is not None and not view.pair.visible_exists:
            missing.append("visible missing")
        image = view.pair.rel_path + (f"  ({', '.join(missing)})" if missing else "")
        self.image_label.setText(image)
        self.image_label.setToolTip(view.pair.ir_path or view.pair.rel_path)
        self.status_label.setText(status_label(decided_words(view.status.value, view.decided_by),
                                               view.reject_reason, view.note))
        colour = STATUS_COLOURS.get(view.status.value, "#000000")
        style = f"color: {colour}; font-weight: bold;"
        if self.status_label.styleSheet() != style:  # a new style sheet restyles the label
            self.status_label.setStyleSheet(style)
        self.warnings_label.setText(", ".join(view.warnings) if view.warnings else "none")

    def _show_siblings(self, view: SampleView, siblings: Sequence[QueueRow]) -> None:
        with QSignalBlocker(self.siblings):
            self.siblings.clear()
            for row in siblings:
                mark = " · edited" if row.edited else ""
                item = QListWidgetItem(f"{row.task} · {row.status}{mark}  (sample {row.id})")
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                item.setToolTip(f"sample {row.id}: {row.task}, {row.status}")
                if row.id == view.id:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setText(item.text() + "  ← shown")
                self.siblings.addItem(item)
        self.siblings_title.setText(f"Samples of this image ({len(siblings)})")

    def _show_turns(self, view: SampleView, *, same: bool) -> None:
        large_task = view.task in _LARGE_TASKS
        shape = [(t.idx, t.role) for t in view.turns]
        if shape == [(t.idx, t.role) for t in self._turns] and \
                all(t.large == (large_task or _long(v.text)) for t, v in zip(self._turns, view.turns)
                    if t.role == "gpt"):
            for widget, turn in zip(self._turns, view.turns):
                displaced = widget.update_turn(turn, same_sample=same)
                if displaced is not None:  # typed over a text changed meanwhile: kept
                    self.unsaved_bar.offer(view.id, turn.idx, displaced)
            return
        self._clear_turns()
        for turn in view.turns:
            large = turn.role == "gpt" and (large_task or _long(turn.text))
            widget = TurnWidget(turn, self._turn_box, large=large, idle_ms=self._idle_ms)
            widget.committed.connect(self._on_committed)
            widget.revert_clicked.connect(self._on_revert)
            widget.editor.tab_pressed.connect(
                lambda forward, idx=turn.idx: self._move_focus(idx, forward=forward))
            widget.editor.escape_pressed.connect(self.escape_pressed)
            # a large answer editor takes the free height; short turns stay at the top
            self._turn_layout.insertWidget(self._turn_layout.count() - 1, widget,
                                           10 if large else 0)
            self._turns.append(widget)

    def _clear_turns(self) -> None:
        for widget in self._turns:
            with QSignalBlocker(widget), QSignalBlocker(widget.editor):
                widget.setParent(None)
            widget.deleteLater()
        self._turns.clear()

    # ---- reactions ------------------------------------------------------------------------------

    def _on_committed(self, idx: int, old: str, new: str) -> None:
        if self._view is not None:
            self.text_committed.emit(self._view.id, idx, old, new)

    def _reapply(self, sample_id: int, idx: int, text: str) -> None:
        """Apply again: the kept text is committed over the Sample as it is now (shown first
        when the panel moved on to another one)."""
        if self._view is None or self._view.id != sample_id:
            self.sibling_selected.emit(sample_id)
        if self._view is None or self._view.id != sample_id:
            self.unsaved_bar.offer(sample_id, idx, text, "the sample could not be shown")
            return
        try:
            shown = self.turn_editor(idx).text()
        except KeyError:
            self.unsaved_bar.offer(sample_id, idx, text, f"the sample has no turn {idx + 1} now")
            return
        self.text_committed.emit(sample_id, idx, shown, text)

    def _on_revert(self, idx: int) -> None:
        if self._view is None:
            return
        self.flush()  # the typing before the revert is its own undo step
        self.revert_requested.emit(self._view.id, idx)

    def _on_history(self) -> None:
        if self._view is not None:
            self.flush()
            self.history_requested.emit(self._view.id)

    def _on_sibling(self, item: QListWidgetItem) -> None:
        sample_id = item.data(Qt.ItemDataRole.UserRole)
        if self._view is not None and isinstance(sample_id, int) and sample_id != self._view.id:
            self.sibling_selected.emit(sample_id)

    def _move_focus(self, idx: int, *, forward: bool) -> None:
        order = [t.idx for t in self._turns]
        if idx not in order:
            return
        at = order.index(idx) + (1 if forward else -1)
        tools = self._answer_tools
        if not 0 <= at < len(order) and tools is not None and \
                (target := tools.keyboard_target(first=forward)) is not None:
            # prompt -> answer -> the answer's tools (Re-ID grid, count, options), and back
            target.setFocus(Qt.FocusReason.TabFocusReason if forward
                            else Qt.FocusReason.BacktabFocusReason)
            return
        self.focus_editor(order[at % len(order)])

    def _tab_from_tools(self, forward: bool) -> None:
        if self._turns:
            self.focus_editor(self._turns[0 if forward else -1].idx)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self.flush()
            self.escape_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def _long(text: str) -> bool:
    return len(text) >= _LARGE_TEXT
