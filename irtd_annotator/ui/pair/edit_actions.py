"""The Geometry menu and toolbar: edit modes, delete, clamp, the label of source boxes.

Keys chosen not to clash with the review actions (A, R, F, P/U, J/K, H/L, N, E, Q) and the
view's (C, X, 0-4): S select, B draw a box, D add a point ("dot"), M count with markers,
Del delete the selected shape, Ctrl+Shift+C clamp to the image. Arrows nudge the selected
shape while the image has the keyboard focus (Shift: 10 px); a burst of them is one change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QSignalBlocker, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QMenu, QToolBar, QWidget

from irtd_annotator.domain.model import Box
from irtd_annotator.ui.pair.geometry_editor import GeometryEditor

_MODES = (("select", "&Select and move", "S", "Select, move and resize boxes and points"),
          ("box", "Draw a &box", "B", "Drag on the image to draw a box (Grounding: replaces "
                                      "its box; otherwise a source dataset box)"),
          ("point", "Add a &point", "D", "Click to add a Location point"),
          ("count", "&Count with markers", "M", "Click each object to drop a numbered marker; "
                                               "click a marker to remove it"))


class EditActions:
    """Builds the geometry actions once for a pair view's editor; ``clamp`` is the
    controller's clamp-to-image."""

    def __init__(self, editor: GeometryEditor, parent: QWidget, *,
                 clamp: Callable[[], None], shortcut_widget: QWidget | None = None) -> None:
        self._editor = editor
        self._parent = parent
        self.mode_group = QActionGroup(parent)
        self.modes: dict[str, QAction] = {}
        for mode, text, key, tip in _MODES:
            action = _action(parent, f"geometry.{mode}", text, key, tip)
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, m=mode: editor.set_mode(m))
            self.mode_group.addAction(action)
            self.modes[mode] = action
        self.delete = _action(shortcut_widget or parent, "geometry.delete",
                              "&Delete the selected shape", "Del",
                              "Remove the selected source box, point or marker")
        if shortcut_widget is not None:
            # Del belongs to text fields elsewhere: only while the image has the focus.
            self.delete.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete.triggered.connect(editor.delete_selected)
        self.clamp = _action(parent, "geometry.clamp", "C&lamp to the image", "Ctrl+Shift+C",
                             "Cut boxes and move points that lie outside the image onto it")
        self.clamp.triggered.connect(clamp)
        self.label_combo = QComboBox(parent)
        self.label_combo.setObjectName("labelCombo")
        self.label_combo.setEditable(True)
        self.label_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.label_combo.setToolTip("The label of the selected source box, or of the next one drawn")
        self.label_combo.textActivated.connect(editor.relabel_selected)
        editor.mode_changed.connect(self._sync_mode)
        editor.context_changed.connect(self._fill_labels)
        editor.selection_changed.connect(self._show_label)
        editor.menu_requested.connect(self._menu)
        self._sync_mode(editor.mode)
        self._fill_labels()

    def all(self) -> list[QAction]:
        """In menu order."""
        return [*self.modes.values(), self.delete, self.clamp]

    def toolbar(self, parent: QWidget) -> QToolBar:
        """A "Geometry" toolbar: the modes, the label, delete and clamp."""
        bar = QToolBar("Geometry", parent)
        bar.setObjectName("geometryToolbar")
        for action in self.modes.values():
            bar.addAction(action)
        bar.addWidget(self.label_combo)
        bar.addAction(self.delete)
        bar.addAction(self.clamp)
        return bar

    def _sync_mode(self, mode: str) -> None:
        self.modes[mode].setChecked(True)

    def _fill_labels(self) -> None:
        combo = self.label_combo
        labels = list(self._editor.labels)
        with QSignalBlocker(combo):
            # every Sample shown sets the context: refilling an unchanged list would only
            # make the toolbar lay itself out again
            if [combo.itemText(i) for i in range(combo.count())] != labels:
                combo.clear()
                combo.addItems(labels)
            if combo.currentText() != self._editor.label:
                combo.setCurrentText(self._editor.label)

    def _show_label(self, shape: object) -> None:
        with QSignalBlocker(self.label_combo):
            self.label_combo.setCurrentText(shape.label if isinstance(shape, Box) and shape.label
                                            else self._editor.label)

    def _menu(self, screen_pos: QPoint) -> None:
        """Right click on a source box: its label from the vocabulary, or delete it."""
        menu = QMenu(self._parent)
        current = self._editor.selected_shape()
        for label in self._editor.labels:
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(isinstance(current, Box) and current.label == label)
            action.triggered.connect(lambda _c=False, text=label: self._editor.relabel_selected(text))
        menu.addSeparator()
        menu.addAction(self.delete)
        menu.exec(screen_pos)


def _action(parent: QWidget, name: str, text: str, key: str, tip: str) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(name)
    action.setShortcut(QKeySequence(key))
    action.setToolTip(f"{tip} ({key})")
    action.setStatusTip(tip)
    parent.addAction(action)
    return action
