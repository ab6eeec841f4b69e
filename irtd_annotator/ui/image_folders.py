"""File > Image folders and the "Locate..." button on a missing image (issue 13).

The dialog lists each source of the project with its image folder, a Browse... button and how
many of its images are found and still missing, and the pairing rules; Apply looks for every
image of the project again on a worker thread (``services.image_folders``, a progress bar with
Cancel), then shows the new counts, and the queue (its missing-image filter) and the sample
shown read again. "Locate..." on a pane that says "not found" asks for the folder of that
Pair's source and does the same for that source alone.

Under File rather than a new Project menu: File already holds what concerns the project as a
whole (open, import, export, releases), and a seventh menu would crowd the menu bar for one
command.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.errors import UserError
from irtd_annotator.importers.paths import ALL_SOURCES
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.image_folders import (
    FoldersReport,
    ImageFolders,
    SourceImages,
    apply_image_folders,
    guess_root,
    image_folders,
)
from irtd_annotator.services.project import Project
from irtd_annotator.ui.jobs.service_worker import JobTexts, ServiceRunner
from irtd_annotator.ui.pair.view import PairView
from irtd_annotator.ui.pipeline import ChangeRunner
from irtd_annotator.ui.review_controller import ReviewController

FOLDERS_TEXTS = JobTexts(
    name="folders", title="Image folders", running="Looking for the images…",
    cancelling="Cancelling… (nothing is changed)", unit="pairs",
    finished="Image folders applied", not_done="Image folders not applied",
    unexpected="Looking for the images stopped on an unexpected error")
RULES_HINT = ("One rule a line: PATTERN=>REPLACEMENT, a regular expression on the infrared "
              "image's path giving the visible one (e.g. /lwir/=>/visible/). They come before "
              "each source's own preset.")


def ask_folder(parent: QWidget, title: str, start: str = "") -> str | None:
    """A folder the person picks, or None (tests replace this, never the service)."""
    folder = QFileDialog.getExistingDirectory(parent, title, start)
    return folder or None


class _Window(Protocol):
    """What of the main window this needs (not imported: the window imports this)."""

    project: Project | None
    controller: ReviewController | None
    runner: ChangeRunner
    pair_view: PairView
    annotator: str

    def show_error(self, title: str, message: str) -> None: ...

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)


def counts_text(images: SourceImages) -> str:
    """``12,345 found · 3 missing`` for one source."""
    return f"{images.found:,} found · {images.missing:,} missing"


class ImageFoldersDialog(QDialog):
    """Each source's folder (typed or browsed), its counts, the rules, and Apply."""

    def __init__(self, state: ImageFolders, parent: QWidget,
                 apply: Callable[[dict[str, str], list[str]], None]) -> None:
        super().__init__(parent)
        self.setObjectName("imageFoldersDialog")
        self.setWindowTitle("Image folders")
        self._apply = apply
        self.folders: dict[str, QLineEdit] = {}
        self.counts: dict[str, QLabel] = {}
        self._shown: dict[str, str] = {}  # the folder each field showed: what Apply changes
        grid = QGridLayout()
        for column, title in enumerate(("Source", "Image folder", "", "Images")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        rows = [(ALL_SOURCES, "All sources")] + [(s.source, s.source) for s in state.sources]
        for row, (key, name) in enumerate(rows, start=1):
            folder = QLineEdit()
            folder.setObjectName(f"folder:{key}")
            folder.setMinimumWidth(320)
            browse = QPushButton("Browse…")
            browse.setObjectName(f"browse:{key}")
            browse.setAutoDefault(False)  # Return in a folder field applies, never browses
            browse.clicked.connect(lambda _c=False, k=key: self._browse(k))
            count = QLabel()
            count.setObjectName(f"count:{key}")
            grid.addWidget(QLabel(name), row, 0)
            grid.addWidget(folder, row, 1)
            grid.addWidget(browse, row, 2)
            grid.addWidget(count, row, 3)
            self.folders[key], self.counts[key] = folder, count
        self.folders[ALL_SOURCES].setPlaceholderText("the folder holding every <index>-<Source>")
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(rows) + 1, 1)  # few sources: the rows stay at the top
        table = QWidget()
        table.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(table)
        self.rules = QPlainTextEdit()
        self.rules.setObjectName("pairRules")
        self.rules.setPlaceholderText(RULES_HINT)
        self.rules.setToolTip(RULES_HINT)
        self.rules.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.status = QLabel()
        self.status.setObjectName("foldersStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Close)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setObjectName("applyFolders")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self._on_apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Where each source's images are on this computer. Apply looks "
                                "for every image of the project again; later imports use "
                                "these folders too."))
        layout.addWidget(scroll, 1)
        layout.addWidget(QLabel("Pairing rules (infrared -> visible):"))
        layout.addWidget(self.rules)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.show_state(state)
        self.resize(860, min(560, 260 + 34 * len(rows)))
        self.folders[rows[-1][0] if len(rows) == 2 else ALL_SOURCES].setFocus()  # not Close

    def show_state(self, state: ImageFolders) -> None:
        """Fill the fields and counts from ``state`` (as stored now)."""
        roots = {ALL_SOURCES: state.all_root or ""}
        roots.update({s.source: s.root or "" for s in state.sources})
        for key, field in self.folders.items():
            field.setText(roots.get(key, ""))
            self._shown[key] = field.text()
        total_found = total_missing = 0
        for images in state.sources:
            if images.source in self.counts:
                self.counts[images.source].setText(counts_text(images))
            total_found += images.found
            total_missing += images.missing
        self.counts[ALL_SOURCES].setText(f"{total_found:,} found · {total_missing:,} missing")
        self.rules.setPlainText("\n".join(state.pair_rules))

    def set_busy(self, busy: bool, message: str = "") -> None:
        """While Apply runs: no second Apply; ``message`` says what happened."""
        self.apply_button.setEnabled(not busy)
        self.status.setText(message)

    def wanted(self) -> tuple[dict[str, str], list[str]]:
        """The folders changed in the dialog, and the rules as written."""
        roots = {key: field.text().strip() for key, field in self.folders.items()
                 if field.text().strip() and field.text() != self._shown.get(key)}
        rules = [line.strip() for line in self.rules.toPlainText().splitlines() if line.strip()]
        return roots, rules

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Return applies (never closes the dialog, as QDialog's would while Apply runs)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not isinstance(self.focusWidget(), QPlainTextEdit):
            if self.apply_button.isEnabled():
                self._on_apply()
            event.accept()
            return
        super().keyPressEvent(event)

    def _browse(self, key: str) -> None:
        field = self.folders[key]
        name = "every source" if key == ALL_SOURCES else key
        folder = ask_folder(self, f"Where are the images of {name}?", field.text())
        if folder:
            field.setText(folder)

    def _on_apply(self) -> None:
        roots, rules = self.wanted()
        self._apply(roots, rules)


class ImageFoldersUi(QObject):
    """The window's File > Image folders and the pair view's "Locate..." buttons."""

    def __init__(self, window: QMainWindow, *, action: QAction) -> None:
        super().__init__(window)
        self._window = window
        self.dialog: ImageFoldersDialog | None = None
        self.job: ServiceRunner | None = None
        action.triggered.connect(self.open_dialog)
        self._w.pair_view.locate.requested.connect(self.locate)
        window.installEventFilter(self)  # a job still running ends before the window does

    @property
    def _w(self) -> _Window:
        return self._window  # type: ignore[return-value]

    def open_dialog(self) -> ImageFoldersDialog | None:
        """Show File > Image folders (None without a project or when it cannot be read)."""
        project = self._w.project
        if project is None:
            return None
        try:
            state = image_folders(project)
        except UserError as exc:
            self._w.show_error("Image folders", str(exc))
            return None
        self.dialog = ImageFoldersDialog(state, self._window, self._apply_dialog)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog.open()
        return self.dialog

    def locate(self, source: str) -> None:
        """Ask where ``source``'s images are, then look for every Pair of it there."""
        project = self._w.project
        if project is None or not source or self.busy():
            return
        folder = ask_folder(self._window, f"Where are the {source} images?", str(project.folder))
        if not folder:
            return
        try:
            root = guess_root(project, source, folder)
        except UserError as exc:
            self._w.show_error("Locate images", str(exc))
            return
        self.run({source: root}, None, [source])

    def busy(self) -> bool:
        """Whether images are being looked for now."""
        return self.job is not None and self.job.is_running()

    def run(self, roots: Mapping[str, str], rules: Sequence[str] | None,
            sources: Collection[str] | None) -> ServiceRunner | None:
        """Apply on a worker thread; when done, the counts, the queue and the sample shown."""
        project = self._w.project
        if project is None or self.busy():
            return None
        who = self._w.annotator
        wanted = dict(roots), None if rules is None else list(rules)
        scope = None if sources is None else list(sources)
        # The window owns the job (its thread and progress dialog), never the dialog: the
        # dialog is deleted when closed, and the window's close then used a dead job (H4).
        self.job = ServiceRunner(
            self._window, location=project.location, texts=FOLDERS_TEXTS,
            show_report=False,
            job=lambda p, progress, cancel: apply_image_folders(
                p, roots=wanted[0], pair_rules=wanted[1], sources=scope, who=who,
                progress=progress, cancel=cancel))
        self.job.done.connect(self._done)
        if self.dialog is not None:
            self.dialog.set_busy(True, "Looking for the images…")
        self.job.start()
        return self.job

    def _apply_dialog(self, roots: dict[str, str], rules: list[str]) -> None:
        self.run(roots, rules, None)

    def _done(self, report: FoldersReport | None) -> None:
        job = self.job
        error = job.error if job is not None else None
        if self.dialog is not None:
            # the head line: the table beside it has each source's counts
            self.dialog.set_busy(False, error or (report.summary().splitlines()[0]
                                                  if report else ""))
            if report is not None and self._w.project is not None:
                try:
                    self.dialog.show_state(image_folders(self._w.project))
                except UserError as exc:
                    self.dialog.set_busy(False, str(exc))
        elif error:
            self._w.show_error("Image folders not applied", error)
        if report is None:
            return
        if report.sources:
            lines = [s.line() for s in report.sources]
            self._w.statusBar().showMessage(
                lines[0] if len(lines) == 1 else report.summary().splitlines()[0], 15000)
        self._w.runner.announce(Changes(queue=True))  # the missing-image filter reads again
        c, pairs = self._w.controller, self._w.pair_view
        if c is not None and c.view is not None and pairs.pair() != c.view.pair:
            # the Sample shown was read again (its Pair's paths changed): its images too
            with pairs.shapes_held():
                pairs.show_pair(c.view.pair)
                pairs.show_shapes(c.view.boxes, c.view.points)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if obj is self._window and event.type() == QEvent.Type.Close and self.job is not None:
            self.job.cancel(wait=True)
        return False
