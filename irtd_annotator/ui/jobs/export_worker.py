"""File > Export release on a worker thread: a progress dialog with Cancel, then the report.

The export service writes into a temporary folder and renames it into place at the end, so a
cancelled or failed export leaves nothing behind and the store unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from irtd_annotator.services.release.export import ExportOptions, ExportReport, export_release
from irtd_annotator.services.release.folder import REPORT_FOLDER, REPORT_PAGE
from irtd_annotator.ui.jobs.service_worker import JobTexts, ServiceRunner

# The service speaks the command line's words; the window names its own check boxes instead.
_CLI_WORDS = (
    ("use --force to replace it", "tick “Replace a previous release in this folder” to replace it"),
    ("use --include-invalid", "tick “Include invalid samples”"),
)

EXPORT_TEXTS = JobTexts(
    name="export", title="Export release", running="Exporting…",
    cancelling="Cancelling… (nothing is kept)", unit="samples",
    finished="Export finished", not_done="Export not done",
    unexpected="The export stopped on an unexpected error (nothing was kept)")

ExportRunner = ServiceRunner


@dataclass(frozen=True)
class PageReport(ExportReport):
    """The report of an export that wrote the report page (the "Report page" box): its
    summary's first paragraph says where the page is (services/release/export.py's summary
    knows nothing of the page, and is at its size limit)."""

    def summary(self) -> str:
        """The export's summary with the page's path after its first line."""
        head, _line, rest = super().summary().partition("\n")
        return f"{head}\nThe report page: {self.out_dir / REPORT_FOLDER / REPORT_PAGE}\n{rest}"


def _with_page(report: ExportReport, *, page: bool) -> ExportReport:
    """``report``, saying where the page is when the export wrote one (its only extras)."""
    if not page:
        return report
    fields: dict[str, Any] = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    return PageReport(**fields)


def window_message(message: str) -> str:
    """A service message with the command-line option names replaced by the dialog's."""
    for cli, window in _CLI_WORDS:
        message = message.replace(cli, window)
    return message


def start_export(parent: QWidget, *, location: str, out_dir: Path, options: ExportOptions,
                 on_done: Callable[[ExportReport | None], None] | None = None,
                 show_report: bool = True) -> ServiceRunner:
    """Start exporting the project at ``location`` into ``out_dir``; ``on_done`` gets the report."""
    target = Path(out_dir)
    runner = ServiceRunner(
        parent, location=location, texts=EXPORT_TEXTS, message=window_message,
        show_report=show_report,
        job=lambda project, progress, cancel: _with_page(
            export_release(project, target, options=options, progress=progress, cancel=cancel),
            page=options.extras is not None))
    runner.dialog.setLabelText(f"Exporting to {target}…")
    if on_done is not None:
        runner.done.connect(on_done)
    runner.start()
    return runner
