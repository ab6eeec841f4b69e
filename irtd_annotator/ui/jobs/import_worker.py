"""File > Import on a worker thread: a progress dialog with Cancel, then the report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QWidget

from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.importing.report import ImportReport
from irtd_annotator.ui.jobs.service_worker import JobTexts, ServiceRunner

IMPORT_TEXTS = JobTexts(
    name="import", title="Import", running="Importing…",
    cancelling="Cancelling… (the whole import is rolled back)",
    finished="Import finished", not_done="Import not done",
    unexpected="The import stopped on an unexpected error", unit="KB read")
KB = 1024  # the import counts bytes of its files; the dialog's bar (a C int) counts KB

ImportRunner = ServiceRunner


def start_import(parent: QWidget, *, location: str, files: Sequence[Path], annotator: str,
                 on_done: Callable[[ImportReport | None], None],
                 show_report: bool = True) -> ServiceRunner:
    """Start importing ``files`` into the project at ``location``; ``on_done`` gets the report."""
    options = ImportOptions(annotator=annotator)
    paths = [Path(f) for f in files]
    runner = ServiceRunner(
        parent, location=location, texts=IMPORT_TEXTS, show_report=show_report,
        job=lambda project, progress, cancel: import_files(
            project, paths, options=options, progress=_in_kb(progress), cancel=cancel))
    runner.done.connect(on_done)
    runner.start()
    return runner


def _in_kb(progress: Callable[[int, int, str], None]) -> Callable[[int, int, str], None]:
    """``progress`` of an import (bytes) in KB: 2 GB of files would overflow the bar."""
    def show(done: int, total: int, what: str) -> None:
        # rounded up: a file of a few bytes is one KB, and all of it read is all the KB
        progress(-(-done // KB), -(-total // KB), what)
    return show
