"""The Export release dialog (what to export, where, how) and the Releases list.

The dialog only gathers choices and checks that they make sense; the export itself runs on a
worker thread (``export_worker``), and the service is the one that decides whether the
output folder may be written.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import FORMATS, ExportOptions
from irtd_annotator.services.release.listing import ReleaseSummary, release_summaries

STATUSES = ("approved", "accepted", "pending", "rejected", "flagged")
_RELEASE_COLUMNS = ("Date", "Folder", "Samples", "Who")
Extras = Callable[[Project, Path], None]  # ExportOptions.extras: more files in the release
# Draws the report page (on the GUI thread) and returns what writes it into the release.
ReportPage = Callable[[], Extras]


def default_release_folder(project_folder: Path) -> Path:
    """A new folder beside the project, named by the time: ``release-20250101-1200``."""
    return project_folder / f"release-{time.strftime('%Y%m%d-%H%M')}"


class ExportDialog(QDialog):
    """Choose the output folder, the statuses, tasks and sources, and the release's format."""

    def __init__(self, parent: QWidget | None = None, *, choices: Mapping[str, Sequence[str]],
                 folder: Path, annotator: str | None = None,
                 report_page: ReportPage | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export release")
        self.setObjectName("exportDialog")
        self._annotator = annotator
        self._options: ExportOptions | None = None
        self._report_page = report_page

        self.folder = QLineEdit(str(folder), self)
        self.folder.setObjectName("exportFolder")
        self.folder.setToolTip("The release is written into this folder (created if needed)")
        browse = QPushButton("Choose…", self)
        browse.setObjectName("exportBrowse")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)

        self.statuses: dict[str, QCheckBox] = {}
        status_box = QGroupBox("Samples with status", self)
        status_row = QHBoxLayout(status_box)
        for status in STATUSES:
            check = QCheckBox(status, status_box)
            check.setObjectName(f"exportStatus_{status}")
            check.setChecked(status == "approved")
            status_row.addWidget(check)
            self.statuses[status] = check

        self.tasks = _check_list(self, "exportTasks", choices.get("task", ()))
        self.sources = _check_list(self, "exportSources", choices.get("source", ()))
        lists = QHBoxLayout()
        for title, widget in (("Tasks (none ticked: every task)", self.tasks),
                              ("Sources (none ticked: every source)", self.sources)):
            column = QVBoxLayout()
            column.addWidget(QLabel(title, self))
            column.addWidget(widget)
            lists.addLayout(column)

        self.prefix = QLineEdit(self)
        self.prefix.setObjectName("exportPrefix")
        self.prefix.setPlaceholderText("empty: image paths exactly as imported")
        self.prefix.setToolTip("Written before each image's path inside its source, e.g. "
                               "/data/Data4MLLM/")
        self.format = QComboBox(self)
        self.format.setObjectName("exportFormat")
        self.format.addItems(list(FORMATS))
        self.format.setToolTip("json: IR-TD's own layout; jsonl: one sample per line")
        self.force = QCheckBox("Replace a previous release in this folder", self)
        self.force.setObjectName("exportForce")
        self.include_invalid = QCheckBox("Include invalid samples (listed in the manifest)", self)
        self.include_invalid.setObjectName("exportIncludeInvalid")
        self.report_page = QCheckBox("Report page: the dashboard's totals and charts, in report/",
                                     self)
        self.report_page.setObjectName("exportReportPage")
        self.report_page.setToolTip("As `export --with-report-page`: report/report.html, one "
                                    "self-contained page, and each chart as a PNG; not among "
                                    "the manifest's checksummed files")
        self.report_page.setVisible(report_page is not None)  # only where it can be drawn
        form = QFormLayout()
        form.addRow("Image path prefix:", self.prefix)
        form.addRow("Format:", self.format)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("exportDialogError")
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Output folder:", self))
        layout.addLayout(folder_row)
        layout.addWidget(status_box)
        layout.addLayout(lists)
        layout.addLayout(form)
        layout.addWidget(self.force)
        layout.addWidget(self.include_invalid)
        layout.addWidget(self.report_page)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(640, 560)

    # ---- reading and setting the choices ----------------------------------------------------

    def out_dir(self) -> Path:
        """The output folder typed or chosen."""
        return Path(self.folder.text().strip()).expanduser()

    def set_checked(self, which: str, values: Sequence[str]) -> None:
        """Tick exactly ``values`` in the "task" or "source" list (for tests and presets)."""
        widget = self.tasks if which == "task" else self.sources
        wanted = set(values)
        for row in range(widget.count()):
            item = widget.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() in wanted
                               else Qt.CheckState.Unchecked)

    def options(self) -> ExportOptions:
        """The choices as export options; ExportOptionError when they are not valid."""
        return ExportOptions(
            statuses=[s for s, check in self.statuses.items() if check.isChecked()],
            tasks=_ticked(self.tasks), sources=_ticked(self.sources),
            prefix=self.prefix.text().strip() or None, format=self.format.currentText(),
            force=self.force.isChecked(), include_invalid=self.include_invalid.isChecked(),
            annotator=self._annotator)

    def accepted_options(self) -> ExportOptions:
        """The options checked when the user pressed Export."""
        if self._options is None:
            raise RuntimeError("the export dialog was not accepted")
        return self._options

    def accept(self) -> None:
        """Export only with a folder and at least one status; otherwise say what is missing."""
        if not self.folder.text().strip():
            self._refuse("Choose the output folder of the release.")
            return
        if not any(check.isChecked() for check in self.statuses.values()):
            self._refuse("Tick at least one status: approved and accepted samples are what a release "
                         "is for.")
            return
        try:
            options = self.options()
            if self._report_page is not None and self.report_page.isChecked():
                options = dataclasses.replace(options, extras=self._drawn(self._report_page))
        except UserError as exc:
            self._refuse(str(exc))
            return
        self._options = options
        super().accept()

    def _drawn(self, report_page: ReportPage) -> Extras:
        """The report page drawn now, on the GUI thread (Qt draws only there); the export's
        worker then only writes its bytes. Any failure is one line in the dialog."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return report_page()
        except UserError:
            raise
        except Exception as exc:  # a database error is a line, never a traceback
            raise UserError(f"The report page could not be drawn: {exc}") from exc
        finally:
            QApplication.restoreOverrideCursor()

    def _refuse(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _browse(self) -> None:
        current = self.out_dir()
        start = current if current.is_dir() else current.parent
        chosen = QFileDialog.getExistingDirectory(self, "Output folder of the release", str(start))
        if chosen:
            self.folder.setText(chosen)


def _check_list(parent: QWidget, name: str, values: Sequence[str]) -> QListWidget:
    widget = QListWidget(parent)
    widget.setObjectName(name)
    for value in values:
        item = QListWidgetItem(value, widget)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
    return widget


def _ticked(widget: QListWidget) -> list[str]:
    return [widget.item(row).text() for row in range(widget.count())
            if widget.item(row).checkState() == Qt.CheckState.Checked]


def open_export_dialog(parent: QWidget, *, choices: Mapping[str, Sequence[str]], folder: Path,
                       annotator: str | None,
                       on_accept: Callable[[Path, ExportOptions], object],
                       report_page: ReportPage | None = None) -> ExportDialog:
    """Show the dialog without blocking; ``on_accept(out_dir, options)`` runs on Export;
    ``report_page`` offers the "Report page" box."""
    dialog = ExportDialog(parent, choices=choices, folder=folder, annotator=annotator,
                          report_page=report_page)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: on_accept(dialog.out_dir(), dialog.accepted_options()))
    dialog.open()
    return dialog


class ReleasesDialog(QDialog):
    """The project's releases as a table (date, folder, samples, who), newest first, with a
    button that opens the selected release's folder in the desktop's file manager."""

    def __init__(self, releases: Sequence[ReleaseSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Releases")
        self.setObjectName("releasesDialog")
        self.releases = sorted(releases, key=lambda r: r.id, reverse=True)
        self.table = QTableWidget(len(self.releases), len(_RELEASE_COLUMNS), self)
        self.table.setObjectName("releasesTable")
        self.table.setHorizontalHeaderLabels(list(_RELEASE_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a folder keeps its name
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, release in enumerate(self.releases):
            how = (f"release {release.id}: {release.format}, "
                   f"statuses {', '.join(release.statuses) or 'any'}")
            cells = (_local(release.at), release.folder, f"{release.samples:,}", release.who)
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(f"{release.folder}\n{how}" if column == 1 else how)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.empty = QLabel("No releases yet: File > Export release… makes one.", self)
        self.empty.setVisible(not self.releases)
        self.problem = QLabel(self)
        self.problem.setObjectName("releasesProblem")
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setObjectName("releasesOpenFolder")
        self.open_button.setToolTip("Show the selected release's folder in the file manager")
        self.open_button.clicked.connect(self.open_folder)
        self.table.itemSelectionChanged.connect(self._update_button)
        self.table.cellDoubleClicked.connect(lambda _row, _column: self.open_folder())
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        if self.releases:
            self.table.selectRow(0)
        self._update_button()
        self.resize(760, 320)

    def selected(self) -> ReleaseSummary | None:
        """The release of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.releases[rows[0].row()] if rows else None

    def open_folder(self) -> bool:
        """Open the selected release's folder in the file manager; a line in the dialog (and
        False) when there is none or it is gone."""
        release = self.selected()
        if release is None:
            return False
        folder = Path(release.folder)
        if not folder.is_dir():
            self._say(f"The folder {folder} is not there any more.")
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._say(f"No file manager could open {folder}.")
            return False
        self.problem.hide()
        return True

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _update_button(self) -> None:
        self.open_button.setEnabled(self.selected() is not None)


def _local(at: str) -> str:
    """A UTC time stamp as the local date and time to the minute."""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at


def show_releases(parent: QWidget, project: Project, *,
                  on_error: Callable[[str, str], None]) -> ReleasesDialog | None:
    """Show the releases of ``project`` (non-blocking); a message through ``on_error`` when
    the store cannot be read."""
    try:
        releases = release_summaries(project)
    except UserError as exc:
        on_error("Releases", str(exc))
        return None
    except Exception as exc:  # noqa: BLE001 - a database error is a message, never a traceback
        on_error("Releases", f"The releases could not be read from the project: {exc}")
        return None
    dialog = ReleasesDialog(releases, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
