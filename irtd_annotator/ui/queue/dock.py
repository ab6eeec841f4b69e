"""The queue dock: the filter widgets and the table of Samples to review.

The table is a QueueModel over the ids the filter selects; moving the current row (mouse,
arrows, Page Up/Down, Home/End) emits ``sample_activated``. The dock keeps the current Sample
across re-queries (filter, sort, refresh) whenever the new list still holds it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.queue_filter import SORT_KEYS
from irtd_annotator.services.review.session import Changes, QueueFilter
from irtd_annotator.ui.queue.columns import set_counts, setup_columns
from irtd_annotator.ui.queue.holders import HoldersFeed
from irtd_annotator.ui.queue.model import COLUMN_OF, COLUMNS, QueueIds, QueueModel, QueueSource
from irtd_annotator.ui.queue.table import QueueTable
from irtd_annotator.ui.queue.unseen import count_words

SEARCH_DEBOUNCE_MS = 250


class QueueSession(QueueSource, Protocol):
    """What the dock needs of the review session: the model's needs plus the filter choices."""

    def choices(self) -> dict[str, list[str]]: ...


class TriStateCheck(QCheckBox):
    """A check box for "any / yes / no", cycling in that order; its text says the state."""

    _STATES = (Qt.CheckState.PartiallyChecked, Qt.CheckState.Checked, Qt.CheckState.Unchecked)

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = label
        self.setTristate(True)
        self.setCheckState(Qt.CheckState.PartiallyChecked)
        self.checkStateChanged.connect(self._update_text)
        self._update_text()

    def value(self) -> bool | None:
        """None for any, True for yes, False for no."""
        state = self.checkState()
        if state == Qt.CheckState.PartiallyChecked:
            return None
        return state == Qt.CheckState.Checked

    def set_value(self, value: bool | None) -> None:
        self.setCheckState(Qt.CheckState.PartiallyChecked if value is None else
                           Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
        self._update_text()  # also when the caller blocks signals

    def nextCheckState(self) -> None:  # noqa: N802 (Qt's name)
        position = self._STATES.index(self.checkState())
        self.setCheckState(self._STATES[(position + 1) % len(self._STATES)])

    def _update_text(self) -> None:
        value = self.value()
        self.setText(f"{self._label}: {'any' if value is None else 'yes' if value else 'no'}")


class QueueDock(QDockWidget):
    """The queue: filters, search and the table of Samples."""

    sample_activated = Signal(int)
    filter_changed = Signal(object)  # the new QueueFilter, after the table was re-queried

    def __init__(self, session: QueueSession, parent: QWidget | None = None) -> None:
        super().__init__("Queue", parent)
        self.setObjectName("queueDock")
        self._session = session
        self._current: int | None = None
        self._keep: tuple[int, int | None] | None = None  # refresh: (pinned id, id above)

        self.status_combo = self._combo("statusFilter", "All statuses")
        self.task_combo = self._combo("taskFilter", "All tasks")
        self.source_combo = self._combo("sourceFilter", "All sources")
        # an audit's drawn samples (issue 14); shown once the project has an audit
        self.audit_combo = self._combo("auditFilter", "Audit: none")
        self.audit_combo.setToolTip("Only the samples an audit drew (irtd-annotator audit)")
        self.fill_choices()
        self.missing_check = TriStateCheck("Missing images", self)
        self.edited_check = TriStateCheck("Edited", self)
        self.warnings_check = TriStateCheck("Warnings", self)
        for check, what in ((self.missing_check, "the infrared or visible image file is missing"),
                            (self.edited_check, "a person changed the sample"),
                            (self.warnings_check, "the sample has warnings (e.g. a box outside "
                                                  "the image)")):
            check.setToolTip(f"Samples where {what}: click to cycle any / yes / no")
        self.batch_check = QCheckBox("My batch", self)  # shown once the reviewer is known
        self.batch_check.setObjectName("myBatchCheck")
        self.batch_check.setToolTip("Only the samples a lead assigned to you")
        self.batch_check.setVisible(False)
        self._reviewer: str | None = None
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("queueSearch")
        self.search_edit.setPlaceholderText("Search text, sample ids, file names…")
        self.search_edit.setToolTip("Prompts and answers (any part, any case), a sample id, "
                                    "an original id, or an image's file name (whole)")
        self.search_edit.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply_widgets)
        self.count_label = QLabel(self)

        self.model = QueueModel(session, self)
        self.table = QueueTable(self)
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift/Ctrl click and Shift+arrows select rows for a bulk decision (issue 14); the
        # current row stays the Sample shown, and the review keys act on it alone
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        setup_columns(self.table)  # status marks, middle-elided paths, widths that fit
        self._sync_sort_indicator()
        self.holders = HoldersFeed(self.table, self.model)  # the Held by column

        combos = QHBoxLayout()
        for combo in (self.status_combo, self.task_combo, self.source_combo):
            combos.addWidget(combo, 1)
        checks = QGridLayout()  # two a row: the queue stays narrow enough for 1366 px
        for n, widget in enumerate((self.missing_check, self.edited_check,
                                    self.warnings_check, self.batch_check, self.audit_combo)):
            checks.addWidget(widget, n // 2, n % 2)
        checks.setColumnStretch(2, 1)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(combos)
        layout.addLayout(checks)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.setWidget(body)
        self.setFocusProxy(self.table)

        for combo in (self.status_combo, self.task_combo, self.source_combo, self.audit_combo):
            combo.currentIndexChanged.connect(self._apply_widgets)
        for box in (self.missing_check, self.edited_check, self.warnings_check,
                    self.batch_check):
            box.checkStateChanged.connect(self._apply_widgets)
        self.search_edit.textChanged.connect(lambda _text: self._debounce.start())
        self.search_edit.returnPressed.connect(self._apply_widgets)
        header.sortIndicatorChanged.connect(self._on_sort)
        self.model.modelReset.connect(self._restore_current)
        for signal in (self.model.modelReset, self.model.layoutChanged, self.model.rowsInserted,
                       self.model.count_arrived):
            signal.connect(self._update_count)
        self.model.count_arrived.connect(self.filter_changed)  # a search's count: the progress
        self.counting = lambda: self.model.counting  # a search's count is on its way (issue 16)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

        # The first id query waits for the event loop, so a caller restoring a saved filter
        # right away (set_filter) pays for one query of a large store, not two.
        self._loaded = False
        self._first_load = QTimer(self)  # a child: it dies with the dock, never fires after
        self._first_load.setSingleShot(True)
        self._first_load.timeout.connect(self._ensure_loaded)
        self._first_load.start(0)

    # ---- public API ------------------------------------------------------------------------

    def set_current(self, sample_id: int) -> bool:
        """Make ``sample_id`` the current row (emits sample_activated if it changes).

        A Sample the filter does not select (a sibling of another task, say) is shown in the
        queue right after the current row until the next re-query, so the user keeps their
        place. Returns False only when the Sample does not exist.
        """
        self._ensure_loaded()
        row = self.model.row_of(sample_id)
        if row is None:
            if not self.model.pin(sample_id, after=self._current):
                return False
            row = self.model.row_of(sample_id)
        assert row is not None
        self._select_row(row)
        return True

    def current_id(self) -> int | None:
        """The Sample id of the current row, or None."""
        self._ensure_loaded()
        return self._current

    def current_ids(self) -> list[int]:
        """Every Sample id in the queue, in its order (reads them all: see ``id_view``)."""
        self._ensure_loaded()
        return self.model.ids()

    def selected_ids(self) -> list[int]:
        """The ids of the selected rows, in the queue's order."""
        return [sid for sid in map(self.model.id_at, self._selected_rows()) if sid is not None]

    def selected_count(self) -> int:  # how many rows are selected (no id is read)
        return len(self._selected_rows())

    def _selected_rows(self) -> list[int]:
        # by ranges: a selection of every row of a large queue is a few ranges, not a list
        # of indexes (selectedRows() would make one a row)
        spans = self.table.selectionModel().selection()
        return sorted({row for n in range(spans.size())
                       for row in range(spans.at(n).top(), spans.at(n).bottom() + 1)})

    def id_view(self) -> QueueIds:
        """The ids in the queue, in its order, read a window at a time as they are asked."""
        self._ensure_loaded()
        return self.model.id_view()

    def current_filter(self) -> QueueFilter:
        """The filter (and sort) the queue shows."""
        return self.model.filter

    def set_filter(self, flt: QueueFilter) -> None:
        """Show ``flt`` in the widgets and re-query the table (no widget signal echoes back)."""
        self._debounce.stop()
        self._show_filter(flt)
        self._set_model_filter(flt)

    def refresh(self, changes: Changes) -> None:
        """Update the rows ``changes`` touched (re-querying only when they may move); after
        an import (``changes.queue``) the choices and the whole filter are read again."""
        self._ensure_loaded()
        if changes.queue:
            self.fill_choices()
            # a Sample shown outside the filter (Ctrl+G) stays, where it was: the reviewer
            # is looking at it (an accept or a bulk decision re-queries the queue)
            current = self._current
            if current is not None and self.model.is_pinned(current):
                row = self.model.row_of(current)
                self._keep = (current, self.model.id_at(row - 1) if row else None)
            try:
                self.model.requery()
            finally:
                self._keep = None
            return
        self.model.refresh(changes, keep=self._current)

    def next_id(self, step: int) -> int | None:
        """The id ``step`` rows away from the current one (None past either end)."""
        self._ensure_loaded()
        if self._current is None:
            return self.model.id_at(0 if step > 0 else self.model.rowCount() - 1) if step else None
        row = self.model.row_of(self._current)
        return None if row is None else self.model.id_at(row + step) if row + step >= 0 else None

    def fill_choices(self) -> None:
        """(Re)fill the status, task and source combos from the session (e.g. after an import)."""
        choices = self._session.choices()
        for combo, key, prefix in ((self.status_combo, "status", ""), (self.task_combo, "task", ""),
                                   (self.source_combo, "source", ""), (self.audit_combo, "audit", "Audit: ")):
            selected = tuple(combo.currentData() or ())  # Qt may hand a tuple back as a list
            with QSignalBlocker(combo):
                while combo.count() > 1:
                    combo.removeItem(1)
                for value in choices.get(key, []):
                    combo.addItem(prefix + value, (value,))
                _select_data(combo, selected)
        self.audit_combo.setVisible(self.audit_combo.count() > 1)
        set_counts(self.task_combo, {task: self._session.counts(QueueFilter(tasks=(task,)))[1]
                                     for task in choices.get("task", [])})  # from the tally

    def set_reviewer(self, name: str) -> None:
        """Offer "My batch": the Samples a lead assigned to ``name``."""
        self._reviewer = name
        self.batch_check.setVisible(True)
        flt = self.model.filter
        if flt.assigned_to not in (None, name):  # a filter saved by another reviewer
            self.set_filter(dataclasses.replace(flt, assigned_to=name))

    def focus_table(self) -> None:
        """Give the keyboard focus to the table (e.g. on Escape in the sample panel)."""
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ---- internals ----------------------------------------------------------------------------

    def _combo(self, name: str, everything: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(everything, ())
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        return combo

    def _widget_filter(self) -> QueueFilter:
        current = self.model.filter
        return dataclasses.replace(
            current,
            statuses=tuple(self.status_combo.currentData() or ()),
            tasks=tuple(self.task_combo.currentData() or ()),
            sources=tuple(self.source_combo.currentData() or ()),
            missing_images=self.missing_check.value(), edited=self.edited_check.value(),
            warnings=self.warnings_check.value(), text=self.search_edit.text().strip(),
            assigned_to=self._reviewer if self.batch_check.isChecked() else None,
            audit=next(iter(self.audit_combo.currentData() or ()), None),
            # no widget shows these (a dashboard bar sets them): changing a filter drops them
            reasons=(), warning_kinds=(), decided_by=None, decided_day=None,
        )

    def _apply_widgets(self, *_args: Any) -> None:
        self._debounce.stop()
        self._set_model_filter(self._widget_filter())

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._set_model_filter(self.model.filter)

    def _set_model_filter(self, flt: QueueFilter) -> None:
        if flt == self.model.filter and self._loaded:
            return
        self._loaded = True
        self.model.set_filter(flt, force=True)
        self._sync_sort_indicator()
        self.filter_changed.emit(flt)

    def _show_filter(self, flt: QueueFilter) -> None:
        for combo, values in ((self.status_combo, flt.statuses), (self.task_combo, flt.tasks),
                              (self.source_combo, flt.sources),
                              (self.audit_combo, (flt.audit,) if flt.audit else ())):
            with QSignalBlocker(combo):
                _select_data(combo, tuple(values))
        for check, value in ((self.missing_check, flt.missing_images),
                             (self.edited_check, flt.edited), (self.warnings_check, flt.warnings)):
            with QSignalBlocker(check):
                check.set_value(value)
        with QSignalBlocker(self.search_edit):
            self.search_edit.setText(flt.text)
        with QSignalBlocker(self.batch_check):
            self.batch_check.setChecked(flt.assigned_to is not None)

    def _on_sort(self, section: int, order: Qt.SortOrder) -> None:
        key = COLUMNS[section][0] if 0 <= section < len(COLUMNS) else "id"
        if key not in SORT_KEYS:  # Held by: the sort stays as it was
            self._sync_sort_indicator()
            return
        self._set_model_filter(dataclasses.replace(
            self.model.filter, sort=key, descending=order == Qt.SortOrder.DescendingOrder))

    def _sync_sort_indicator(self) -> None:
        flt = self.model.filter
        header = self.table.horizontalHeader()
        order = Qt.SortOrder.DescendingOrder if flt.descending else Qt.SortOrder.AscendingOrder
        with QSignalBlocker(header):
            header.setSortIndicator(COLUMN_OF.get(flt.sort, 0), order)

    def _restore_current(self) -> None:
        row = self.model.row_of(self._current) if self._current is not None else None
        if row is None and self._keep is not None and self.model.pin(self._keep[0],
                                                                     after=self._keep[1]):
            row = self.model.row_of(self._keep[0])
        if row is None and self.model.rowCount() > 0:
            row = 0
        if row is None:
            self._current = None
            return
        self._select_row(row)

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _on_current_row(self, current: QModelIndex | QPersistentModelIndex, _previous: Any) -> None:
        sample_id = self.model.id_at(current.row()) if current.isValid() else None
        if sample_id is not None and sample_id != self._current:
            self._current = sample_id
            self.sample_activated.emit(sample_id)

    def _update_count(self, *_args: Any) -> None:
        words, tip = count_words(self.model.rowCount(), self.model.filter, self.model.counting)
        self.count_label.setText(words)
        self.count_label.setToolTip(tip)


def _select_data(combo: QComboBox, values: tuple[str, ...]) -> None:
    """Select the item whose data is ``values``, adding one for a multi-value filter."""
    for n in range(combo.count()):
        if tuple(combo.itemData(n) or ()) == values:
            combo.setCurrentIndex(n)
            return
    combo.addItem(", ".join(values), values)
    combo.setCurrentIndex(combo.count() - 1)
