"""Every command of the window as a QAction: text, shortcuts, menu, toolbar; and the table of
shortcuts Help shows, generated from the actions themselves so it cannot drift.

Single-letter shortcuts are window-wide; while the user types, the text editors keep those
keys (see ``TypingGuard``), so a letter typed into an answer is text, never a review action.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QFocusEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QStyle,
    QTextEdit,
    QToolBar,
    QWidget,
)

from irtd_annotator.ui.goto import open_go_to
from irtd_annotator.ui.sample.answer_editors import ANSWER_KEYS

if TYPE_CHECKING:  # for the handlers' types only: the controller does not know its actions
    from irtd_annotator.ui.review_controller import ReviewController
    from irtd_annotator.ui.sample.panel import SamplePanel

MENUS = ("&File", "&Edit", "&Review", "&Go", "&View", "&Help")
# the actions that need an open project (disabled without one)
PROJECT_ACTIONS = ("import", "export", "releases", "undo", "redo", "edit_text", "focus_queue",
                   "history", "approve", "approve_next", "reject", "flag", "pending",
                   "next_sample", "prev_sample", "next_pair", "prev_pair", "next_pending",
                   "assign", "decide_selected", "decide_matching", "go_to", "revert", "hints", "image_folders")


@dataclass(frozen=True)
class ActionSpec:
    """One command: its name (the handler's key), what it says, its keys and where it lives."""

    name: str
    text: str
    menu: str
    shortcuts: tuple[str, ...] = ()
    tip: str = ""
    toolbar: str = ""       # short toolbar label; empty: not on the toolbar
    icon: str = ""          # a QStyle.StandardPixmap name
    separator_before: bool = False

    def __post_init__(self) -> None:
        if self.menu not in MENUS:
            raise ValueError(f"unknown menu {self.menu!r} for action {self.name!r}")
        for key in self.shortcuts:
            if QKeySequence(key).isEmpty():
                raise ValueError(f"shortcut {key!r} of action {self.name!r} does not parse")


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open project…", "&File", ("Ctrl+O",), "Open a project file"),
    ActionSpec("import", "&Import IR-TD files…", "&File", ("Ctrl+I",),
               "Import IR-TD / LLaVA JSON files into this project"),
    ActionSpec("image_folders", "Image &folders…", "&File", (),
               "Where each source's images are: folders, pairing rules, images found and missing"),
    ActionSpec("export", "&Export release…", "&File", ("Ctrl+E",),
               "Export the approved samples in IR-TD's format, with a manifest",
               separator_before=True),
    ActionSpec("releases", "Re&leases…", "&File", (),
               "The releases exported from this project"),
    ActionSpec("quit", "&Quit", "&File", ("Ctrl+Q",), "Close the window (everything is saved)",
               separator_before=True),
    ActionSpec("undo", "&Undo", "&Edit", ("Ctrl+Z",), "Undo the last change (it is saved at once)",
               "Undo", "SP_ArrowBack"),
    ActionSpec("redo", "&Redo", "&Edit", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the change undone",
               "Redo", "SP_ArrowForward"),
    ActionSpec("edit_text", "&Edit the answer", "&Edit", ("E",),
               "Put the cursor in the answer's editor, on Re-ID the answer grid (Esc goes back "
               "to the queue)",
               separator_before=True),
    ActionSpec("focus_queue", "Go to the &queue", "&Edit", ("Q",),
               "Put the keyboard focus in the queue"),
    ActionSpec("history", "Sample &history…", "&Edit", ("Ctrl+H",),
               "Who changed this sample, when, and from what to what"),
    ActionSpec("revert", "Re&vert to original", "&Edit", ("Ctrl+Shift+R",),
               "Put the LLM's original text of the focused turn (or the answer) back"),
    ActionSpec("hints", "&Infrared hints…", "&Edit", ("Ctrl+Shift+I",),
               "The words of the focused turn (or the answer) infrared cannot show, with why; "
               "Return goes to one"),
    ActionSpec("approve", "&Approve", "&Review", ("A",), "Approve this sample", "Approve",
               "SP_DialogApplyButton"),
    ActionSpec("approve_next", "Approve and &next pending", "&Review", ("Shift+A", "Ctrl+Return"),
               "Approve, then go to the next pending sample", "Approve + next",
               "SP_MediaSeekForward"),
    ActionSpec("reject", "&Reject…", "&Review", ("R",), "Reject with a reason", "Reject",
               "SP_DialogCancelButton"),
    ActionSpec("flag", "&Flag", "&Review", ("F",), "Flag for a second look", "Flag",
               "SP_MessageBoxWarning"),
    ActionSpec("pending", "Back to &pending", "&Review", ("P", "U"), "Undecide: back to pending",
               "To pending", "SP_DialogResetButton"),
    ActionSpec("decide_selected", "&Decide selected…", "&Review", ("Ctrl+D",),
               "Approve, reject, flag, set back to pending or assign the queue's selected rows "
               "(Shift/Ctrl click, Shift+arrows), after a count to confirm",
               separator_before=True),
    ActionSpec("decide_matching", "Decide all &matching the filter…", "&Review",
               ("Ctrl+Shift+M",),
               "Decide every sample the queue's filter selects, after a count to confirm"),
    ActionSpec("assign", "A&ssign batch…", "&Review", (),
               "Give a reviewer a batch of the queue's samples (lead)", separator_before=True),
    ActionSpec("next_sample", "&Next sample", "&Go", ("J", "Down"), "The next sample in the queue",
               "Next", "SP_ArrowDown"),
    ActionSpec("prev_sample", "&Previous sample", "&Go", ("K", "Up"),
               "The previous sample in the queue", "Previous", "SP_ArrowUp"),
    ActionSpec("next_pair", "Next &image", "&Go", ("L", "Ctrl+Down"),
               "The first sample of the next image (pair) in the queue", separator_before=True),
    ActionSpec("prev_pair", "Previous i&mage", "&Go", ("H", "Ctrl+Up"),
               "The first sample of the previous image (pair) in the queue"),
    ActionSpec("next_pending", "Next p&ending", "&Go", ("N",), "The next pending sample",
               "Next pending", "SP_MediaSkipForward", separator_before=True),
    ActionSpec("go_to", "&Go to sample…", "&Go", ("Ctrl+G",),
               "Go to a sample by id (17), task and original id (Location 1234) or image "
               "file name", separator_before=True),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "&Help", ("F1",), "Every shortcut of the window"),
    ActionSpec("about", "&About IRTD Annotator", "&Help"),
)


def review_handlers(controller: Callable[[], ReviewController | None]
                    ) -> dict[str, Callable[[], None]]:
    """The handlers of the actions the review controller of the open project carries out
    (each does nothing while no project is open); the decisions that ask first (approve,
    reject, flag) are ui/review_keys.py's."""
    def review(fn: Callable[[ReviewController], object]) -> Callable[[], None]:
        def run() -> None:
            c = controller()
            if c is not None:
                fn(c)
        return run

    return {
        "undo": review(lambda c: c.undo()), "redo": review(lambda c: c.redo()),
        "pending": review(lambda c: c.set_status("pending")),
        "next_sample": review(lambda c: c.step_sample(1)),
        "prev_sample": review(lambda c: c.step_sample(-1)),
        "next_pair": review(lambda c: c.step_pair(1)),
        "prev_pair": review(lambda c: c.step_pair(-1)),
        "next_pending": review(lambda c: c.next_pending()),
        "go_to": review(open_go_to),
    }


def _plain(text: str) -> str:
    return text.replace("&", "").rstrip("…").rstrip(".")


def shortcut_text(action: QAction) -> str:
    """The action's shortcuts as the user reads them: ``Shift+A, Ctrl+Return``."""
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def build_actions(parent: QWidget, handlers: Mapping[str, Callable[[], object]]) -> dict[str, QAction]:
    """The window's QActions, each connected to ``handlers[name]`` (missing: disabled)."""
    style = parent.style()
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, parent)
        action.setObjectName(f"action_{spec.name}")
        action.setShortcuts([QKeySequence(k) for k in spec.shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        keys = shortcut_text(action)
        tip = spec.tip or _plain(spec.text)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)
        action.setStatusTip(tip)
        if spec.icon:
            action.setIcon(style.standardIcon(getattr(QStyle.StandardPixmap, spec.icon)))
        handler = handlers.get(spec.name)
        if handler is None:
            action.setEnabled(False)
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        parent.addAction(action)  # shortcuts work even when the menu bar is hidden
        actions[spec.name] = action
    return actions


def build_menus(window: QMainWindow, actions: Mapping[str, QAction], *,
                extra: Mapping[str, Sequence[QAction | QMenu | None]]) -> dict[str, QMenu]:
    """The menu bar: the actions by menu, then ``extra`` items per menu (None: a separator)."""
    menus: dict[str, QMenu] = {}
    bar = window.menuBar()
    for title in MENUS:
        menus[title] = bar.addMenu(title)
    for spec in ACTIONS:
        if spec.separator_before:
            menus[spec.menu].addSeparator()
        menus[spec.menu].addAction(actions[spec.name])
    for title, items in extra.items():
        menu = menus[title]
        for item in items:
            if item is None:
                menu.addSeparator()
            elif isinstance(item, QMenu):
                menu.addMenu(item)
            else:
                menu.addAction(item)
    return menus


def build_toolbar(window: QMainWindow, actions: Mapping[str, QAction],
                  extra: Sequence[QAction] = ()) -> QToolBar:
    """The review toolbar: the actions that have a toolbar label, then ``extra``."""
    bar = QToolBar("Review", window)
    bar.setObjectName("reviewToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    groups = (("undo", "redo"), ("approve", "approve_next", "reject", "flag", "pending"),
              ("prev_sample", "next_sample", "next_pending"))
    labels = {spec.name: spec.toolbar for spec in ACTIONS}
    for n, group in enumerate(groups):
        if n:
            bar.addSeparator()
        for name in group:
            action = actions[name]
            action.setIconText(labels[name])  # the toolbar's short label; menus keep the text
            bar.addAction(action)
            button = bar.widgetForAction(action)
            if button is not None:
                button.setObjectName(f"toolbutton_{name}")
    if extra:
        bar.addSeparator()
        for action in extra:
            bar.addAction(action)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


def shortcut_rows(menus: Mapping[str, QMenu]) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every action with a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, title)
            elif not action.isSeparator() and action.shortcuts():
                rows.append((title, _plain(action.text()), shortcut_text(action)))

    for title, menu in menus.items():
        walk(menu, _plain(title))
    return rows + list(ANSWER_KEYS)  # keys of a focused answer editor, over the window's


_ARROWS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right,
           Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End)
_TYPING = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
_LISTS = (QComboBox, QAbstractItemView)
_PLAIN_MODS = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier,
               Qt.KeyboardModifier.KeypadModifier)
# the focus Qt gives back on its own: to the window's last focus widget when the window is
# active again (a dialog closed), and to the widget a popup menu was opened from
_RESTORED = (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason)


class TypingGuard(QObject):
    """Keeps the window's single-key shortcuts away from text and list widgets.

    Installed on the application, it looks at the ShortcutOverride Qt sends to the focus
    widget before any shortcut fires: a plain key (letter, digit, arrow) in a text editor, and
    an arrow in a list, table or combo box, goes to that widget. Undo/redo in the window's
    text editors go to the window instead, so one typing burst is one undo step everywhere.

    With a typing room (``watch``), it also refuses the focus Qt gives back to an editor of the
    room when a dialog or popup closes if the room shows another Sample than when it opened:
    that focus goes to the home widget instead (issue 13).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._room: SamplePanel | None = None
        self._home: QWidget | None = None
        # the Sample the room showed when a dialog or popup took the focus out of it; None:
        # the focus was elsewhere then
        self._left_on: int | None = None

    def watch(self, typing_room: SamplePanel, home: QWidget) -> None:
        """Give the keys back to ``home`` after each move of ``typing_room`` to another
        Sample, and whenever Qt would restore the focus into it on another Sample."""
        self._room, self._home = typing_room, home
        typing_room.shown_other.connect(lambda _sid: self.keys_back(typing_room, home))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut) and \
                isinstance(event, QFocusEvent):
            return self._focus_event(obj, event)
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self._window:
            return False
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if isinstance(obj, _TYPING) and not _read_only(obj):
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(
                    QKeySequence.StandardKey.Redo) or (
                    key == Qt.Key.Key_Y and mods == Qt.KeyboardModifier.ControlModifier):
                event.ignore()
                return True  # the editor never sees it: the window's undo runs
            if mods in _PLAIN_MODS and ((event.text().isprintable() and event.text())
                                        or key in _ARROWS):
                event.accept()
                return True
            return False
        if isinstance(obj, _LISTS) and key in _ARROWS and mods in _PLAIN_MODS:
            event.accept()
            return True
        return False

    def _focus_event(self, obj: QObject, event: QFocusEvent) -> bool:
        room, home = self._room, self._home
        if room is None or home is None or not isinstance(obj, QWidget) or \
                obj.window() is not self._window or event.reason() not in _RESTORED:
            return False  # E, a click, Tab, a shortcut, code: where the reviewer means
        in_room = room.isAncestorOf(obj)
        if event.type() == QEvent.Type.FocusOut:  # a dialog or popup takes the keys away
            self._left_on = room.sample_id if in_room else None
            return False
        if not in_room or self._left_on is None or self._left_on == room.sample_id:
            return False  # back on the Sample it was typed on, or put there meanwhile
        # Qt gives back the focus the window had before the dialog, but the editor shows
        # another Sample now: a review key must not type into it (issue 13, defect 1)
        home.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def keys_back(self, typing_room: QWidget, home: QWidget) -> None:
        """After a move to another Sample: when the focus is in ``typing_room`` (the sample
        panel's editors), give it to ``home`` (the pair view), where the review keys work. The
        editors are filled anew for the next Sample, and a review key must never type into a
        text the reviewer did not enter with E or a click (issue 13).

        While a dialog is open the window's own focus widget is the one it gets back when the
        dialog closes, so that one is moved too."""
        for focus in (QApplication.focusWidget(), self._window.focusWidget()):
            if focus is not None and focus.window() is self._window and \
                    typing_room.isAncestorOf(focus):
                home.setFocus(Qt.FocusReason.OtherFocusReason)
                return


def _read_only(widget: QWidget) -> bool:
    is_read_only = getattr(widget, "isReadOnly", None)
    return bool(is_read_only()) if callable(is_read_only) else False


def install_typing_guard(window: QWidget, *, typing_room: SamplePanel | None = None,
                         home: QWidget | None = None) -> TypingGuard:
    """Install the guard for ``window`` on the running application; with ``typing_room`` and
    ``home``, each move of the panel to another Sample gives the keys back to ``home``."""
    guard = TypingGuard(window)
    if typing_room is not None and home is not None:
        guard.watch(typing_room, home)
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(guard)
    return guard
