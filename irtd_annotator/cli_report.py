"""``irtd-annotator report --db P --out DIR [--since DATE]``: the report page (issue 15).

Reads the project's Dashboard (``services/dashboard.py``: the numbers every chart shows, from
the kept tallies and indexes) and hands it to the window's drawing of the same charts,
``irtd_annotator.ui.report_page.write_report``, which writes ``DIR/report.html`` (one
self-contained file) and each chart as a PNG. Registered by ``cli_review.add_review_command``
(cli.py is at its size limit). ``page_extras`` puts the same page into a release
(``export --with-report-page``).
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast

from irtd_annotator.cli_progress import ProgressPrinter
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.model import ReviewStatus

if TYPE_CHECKING:
    from irtd_annotator.domain.dashboard import Dashboard
    from irtd_annotator.services.project import Project

AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]
WriteReport = Callable[["Dashboard", Path], Path]
REPORT_MODULE = "irtd_annotator.ui.report_page"


def since_date(text: str) -> date:
    """``--since``, checked as argparse reads it: a UserError (one line) for anything but a
    date written YYYY-MM-DD, and for a day after today."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--since {text!r}: give a date as YYYY-MM-DD, e.g. 2026-11-01") from None
    today = datetime.now(timezone.utc).date()  # the days the dashboard counts are UTC days
    if day > today:  # no decision is counted from then: an empty page that looks like news
        raise UserError(f"--since {day}: it is after today ({today} UTC); give today or an earlier day")
    return day


def _report_module() -> ModuleType:
    try:
        return importlib.import_module(REPORT_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name not in (REPORT_MODULE, "PySide6"):
            raise
        raise UserError("this installation cannot draw the report page "
                        f"({exc.name} is missing); reinstall irtd-annotator") from None


def report_writer() -> WriteReport:
    """The report page's writer (the window's charts drawn to files); a UserError when this
    installation has none."""
    return cast(WriteReport, _report_module().write_report)


def page_extras(args: argparse.Namespace) -> Callable[[Project, Path], None] | None:
    """``export --with-report-page``: what writes the report page into the release's
    ``report/`` folder while the release is still its partial folder, so the page comes into
    place with the release or not at all; None without the flag. The page is not in the
    manifest's checksummed files (it is a view of the project, not of the release)."""
    if not getattr(args, "with_report_page", False):
        return None
    write = report_writer()  # asked before the export starts: a missing Qt stops it at once

    def extras(project: Project, folder: Path) -> None:
        from irtd_annotator.services.dashboard import read_dashboard
        from irtd_annotator.services.release.folder import REPORT_FOLDER

        write(read_dashboard(project), folder / REPORT_FOLDER)

    return extras


def add_report_command(add: AddCommand, *, open_project: Callable[[str], Project]) -> None:
    """Add ``report`` with ``add`` (cli.build_parser's helper)."""

    def run(args: argparse.Namespace) -> int:
        from irtd_annotator.services.dashboard import read_dashboard
        from irtd_annotator.services.output_paths import check_output_folder

        if not args.out.strip():  # Path("") is the current folder: never meant
            raise UserError("--out is empty: give the folder to write the report page into")
        out = Path(os.path.expanduser(args.out))
        # Two steps, the total known at once: the numbers read, then the charts drawn.
        with open_project(args.db) as project, ProgressPrinter(quiet=args.quiet,
                                                               unit="steps") as show:
            check_output_folder(out, project=project, what="report page")
            write = report_writer()
            _report_module().check_folder(out)  # a folder of the user's: refused before any
            show(0, 2, "reading the dashboard")  # progress line, so the error is the one line
            dashboard = read_dashboard(project, since=args.since)
            show(1, 2, "drawing the charts")
            page = write(dashboard, out)
            show(2, 2, "report written")
        decided = ReviewStatus.decided(dict(dashboard.totals))
        print(f"wrote {page}: {dashboard.total:,} samples, {decided:,} decided; decisions "
              f"{'since ' + dashboard.since if dashboard.since else 'of the last 30 days'}")
        return 0

    p = add("report", "write the dashboard as a page: DIR/report.html (self-contained, "
                      "charts embedded) and each chart as a PNG", run)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write into "
                   "(made with its parents if missing; a new, empty or earlier report's folder; "
                   "not the project's folder nor an image folder)")
    p.add_argument("--since", type=since_date, metavar="DATE",
                   help="count decisions from this UTC day (YYYY-MM-DD); default the last "
                        "30 days")
