"""``irtd-annotator index``: build a project's search index after an import (ADR 0024).

The import starts it as a detached process of its own (``start_after_import``); it may also
be run by hand, in the foreground, saying what it did in one line. Kept apart from ``cli.py``
(at its size limit); ``cli.build_parser`` adds it with one call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from irtd_annotator.cli_progress import ProgressPrinter

if TYPE_CHECKING:
    from irtd_annotator.services.project import Project

AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]


def start_after_import(project: Project) -> None:
    """Start the builder in the background when the import left Samples to index, and say
    so in one line (on standard error: the import's summary stays what standard output holds)."""
    from irtd_annotator.services.search_index import start_background_build

    if start_background_build(project):
        print("irtd-annotator: the search index is being built in the background; searches "
              f"are slower until then (or run: irtd-annotator index --db {project.shown})",
              file=sys.stderr, flush=True)


def add_index_command(add: AddCommand, *, open_project: Callable[[str], Project]) -> None:
    """Add the ``index`` command with ``add`` (cli.build_parser's helper)."""

    def run(args: argparse.Namespace) -> int:
        from irtd_annotator.services.search_index import build_search_index, pending_samples

        with open_project(args.db) as project, ProgressPrinter(quiet=args.quiet) as show:
            total = pending_samples(project)
            report = build_search_index(  # its progress: the Samples left to index
                project, progress=lambda left: show(max(0, total - left), total, "indexing"))
        print(report.summary())
        return 0 if report.stopped is None else 1

    p = add("index", "build the search index of the samples an import left unindexed (an "
                     "import starts this in the background; searches are right meanwhile, "
                     "only slower)", run)
    p.add_argument("--db", required=True, metavar="PROJECT")
