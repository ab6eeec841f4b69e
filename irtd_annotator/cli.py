"""The ``irtd-annotator`` command: init, import, import-source, demo, stats, export, releases,
check, assign, folders, review, index, or a window.

Composition root for the command line. GUI modules are imported only when a window opens, so
the commands start fast and run where Qt cannot. Only ``init``, ``import``, ``import-source``
and ``demo`` may create a project; every other command opens one through ``_open_project``,
which refuses a file that is not a project (issue 10).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from irtd_annotator import __version__
from irtd_annotator.cli_folders import add_folders_command
from irtd_annotator.cli_index import add_index_command, start_after_import
from irtd_annotator.cli_progress import ProgressPrinter, say
from irtd_annotator.cli_report import page_extras
from irtd_annotator.cli_review import add_review_command
from irtd_annotator.domain.errors import UserError

if TYPE_CHECKING:
    from irtd_annotator.services.project import Project

COMMANDS = ("init", "import", "import-source", "demo", "stats", "export", "releases", "check",
            "assign", "folders", "review", "audit", "report", "index")


def _parse_roots(values: list[str]) -> dict[str, str]:
    """``[SOURCE=]DIR`` values as source -> folder (``*`` for one root of all sources).

    Raises UserError for an empty folder or source name: an empty folder would be stored as
    the current one, which is never what was meant."""
    roots: dict[str, str] = {}
    for value in values:
        source, sep, root = value.partition("=")
        if not value.strip():
            raise UserError("--image-root is empty: give a folder, or SOURCE=FOLDER")
        if sep and not source:
            raise UserError(f"--image-root {value}: the source name before '=' is empty "
                            "(give SOURCE=FOLDER, or the folder alone for every source)")
        if sep and source and "/" not in source:
            if not root.strip():
                raise UserError(f"--image-root {value}: the folder after '=' is empty "
                                f"(give {source}=FOLDER)")
            roots[source] = root
        else:
            roots["*"] = value
    return roots


def _warn_missing_roots(roots: dict[str, str]) -> None:
    """Say which given image folders do not exist here. They are stored all the same: a
    project may name folders of another machine, whose images then show as missing."""
    for source, root in roots.items():
        folder = Path(root).expanduser()
        if not folder.is_dir():
            who = "all sources" if source == "*" else source
            print(f"irtd-annotator: warning: image folder {folder.resolve()} ({who}) does not "
                  "exist here; stored anyway, its images will show as missing", file=sys.stderr)


def _open_project(target: str, *, may_create: bool = False, new: bool = False) -> Project:
    """The project at ``target``; only a command that makes projects passes ``may_create``,
    only ``init`` ``new`` (refuse a project that exists already)."""
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.release.export import recover_releases

    project = Project.open(target, create=may_create, new=new)
    try:  # an export killed midway is finished or undone at the next start (ADR 0016)
        recover_releases(project)
    except UserError as exc:
        print(f"irtd-annotator: warning: {exc}", file=sys.stderr)
    except BaseException:
        project.close()
        raise
    return project


def _cmd_init(args: argparse.Namespace) -> int:
    with _open_project(args.db, may_create=True, new=True) as project:
        print(f"created an empty project: {project.path or project.location}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from irtd_annotator.services.importing.files import PROGRESS_UNIT, ImportOptions, import_files

    if args.report and not args.skip_bad:
        raise UserError("--report names where --skip-bad lists the rejected samples; without "
                        "--skip-bad a bad sample stops the import and nothing is written: "
                        "add --skip-bad or leave out --report")
    roots = _parse_roots(args.image_root)
    options = ImportOptions(
        task=args.task, strip_prefix=args.strip_prefix, image_roots=roots,
        pair_rules=list(args.pair_rule), location_space=args.location_space,
        skip_bad=args.skip_bad, report_path=Path(args.report) if args.report else None,
        annotator=args.annotator,
    )
    _warn_missing_roots(roots)
    with _open_project(args.db, may_create=True) as project:
        with ProgressPrinter(quiet=args.quiet, unit=PROGRESS_UNIT) as show:
            report = import_files(project, [Path(f) for f in args.files], options=options,
                                  progress=show, waiting=show.say)
        start_after_import(project)  # the search index, after the import's commit (ADR 0024)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_import_source(args: argparse.Namespace) -> int:
    from irtd_annotator.services.importing.sources import import_source

    with _open_project(args.db, may_create=True) as project:
        report = import_source(project, args.kind, Path(args.dir), annotator=args.annotator,
                               waiting=say)
    print(report.summary())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from irtd_annotator.services.importing.sources import ensure_demo_project
    from irtd_annotator.services.stats import project_stats

    path = ensure_demo_project()
    if args.no_window:
        with _open_project(str(path)) as project:
            print(f"demo project: {path}")
            print(project_stats(project).as_table())
        return 0
    return _open_window(str(path), args.annotator)


def _cmd_stats(args: argparse.Namespace) -> int:
    from irtd_annotator.services.stats import project_stats

    with _open_project(args.db) as project:
        stats = project_stats(project)
    print(json.dumps(stats.as_dict(), indent=2) if args.json else stats.as_table())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from irtd_annotator.services.release.export import ExportOptions, export_release

    options = ExportOptions(
        statuses=args.status or ["approved"], tasks=args.task or [], sources=args.source or [],
        annotators=args.by or [], prefix=args.prefix, format=args.format, force=args.force,
        include_invalid=args.include_invalid, annotator=args.annotator, extras=page_extras(args),
    )
    with _open_project(args.db) as project, ProgressPrinter(quiet=args.quiet) as show:
        report = export_release(project, Path(args.out), options=options, progress=show)
    print(report.summary())
    return 0


def _cmd_releases(args: argparse.Namespace) -> int:
    from irtd_annotator.services.release.export import list_releases

    with _open_project(args.db) as project:
        print(list_releases(project))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from irtd_annotator.services.check import check_project, describe, repair_project

    with ProgressPrinter(quiet=args.quiet, unit="checks") as show:
        report = (repair_project(args.db, progress=show) if args.repair
                  else check_project(args.db, quick=args.quick, progress=show))
    print(json.dumps(report.as_dict(), indent=2) if args.json else describe(report))
    return 0 if report.ok else 1


def _cmd_assign(args: argparse.Namespace) -> int:
    from irtd_annotator.services.review.team import BatchRequest, batch_command

    request = BatchRequest(to=args.to, count=args.count, unassign=args.unassign,
                           from_who=args.from_who, statuses=tuple(args.status or ()),
                           tasks=tuple(args.task or ()), sources=tuple(args.source or ()))
    with _open_project(args.db) as project:
        print(batch_command(project, request,
                            lead=args.annotator or os.environ.get("USER") or "lead"))
    return 0


def _open_window(project: str | None, annotator: str | None) -> int:
    from irtd_annotator.app import run_gui

    return run_gui(project=project, annotator=annotator)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="irtd-annotator",
        description="Review and refine IR-TD annotations. Without a command, opens the window "
                    "(on PROJECT when given).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--annotator", default=None, help="name recorded in revisions")
        p.add_argument("--quiet", action="store_true", help="no progress output")
        return p

    p = add("init", "create an empty project (other commands never create one, "
                    "except import, import-source and demo)", _cmd_init)
    p.add_argument("--db", required=True, metavar="PROJECT", help="project file or SQLAlchemy URL")

    p = add("import", "import IR-TD JSON files (arrays, JSON Lines, concatenated objects)", _cmd_import)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", required=True, metavar="PROJECT", help="project file or SQLAlchemy URL")
    p.add_argument("--task", help="task of every sample (default: from the file name or prompt)")
    p.add_argument("--strip-prefix", help="image path prefix to remove (default: up to Data4MLLM/)")
    p.add_argument("--image-root", action="append", default=[], metavar="[SOURCE=]DIR",
                   help="where a source's images are (e.g. 63-FLIR_ADAS=/data/flir), or one root "
                        "for all; stored in the project")
    p.add_argument("--pair-rule", action="append", default=[], metavar="PATTERN=>REPLACEMENT",
                   help="user-defined visible pairing rule (regular expression on the IR path)")
    p.add_argument("--location-space", choices=["norm1000", "pixel"], default=None,
                   help="coordinate space of Location <pos> (default: norm1000 as IR-TD)")
    p.add_argument("--skip-bad", action="store_true",
                   help="import the good samples and write a report of the rejected ones")
    p.add_argument("--report", metavar="PATH", help="where --skip-bad writes its report")

    p = add("import-source", "import a source dataset's pairs and boxes (llvip)", _cmd_import_source)
    p.add_argument("kind", choices=["llvip"])
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--db", required=True, metavar="PROJECT")

    p = add("demo", "create (once) and open the demo project of 6 LLVIP pairs", _cmd_demo)
    p.add_argument("--no-window", action="store_true", help="print the summary instead")

    p = add("stats", "counts per task, source, status and image state", _cmd_stats)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--json", action="store_true")

    p = add("export", "export a release in IR-TD's format with a manifest", _cmd_export)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--status", action="append", metavar="STATUS",
                   help="approved (default), accepted, pending, rejected, flagged, all; repeatable")
    p.add_argument("--task", action="append", metavar="TASK")
    p.add_argument("--source", action="append", metavar="SOURCE")
    p.add_argument("--by", action="append", metavar="ANNOTATOR", help="only samples last changed by")
    p.add_argument("--prefix", default=None, help="image path prefix to write")
    p.add_argument("--format", choices=["json", "jsonl"], default="json")
    p.add_argument("--force", action="store_true", help="replace a previous release in DIR (never any other folder)")
    p.add_argument("--include-invalid", action="store_true")
    p.add_argument("--with-report-page", action="store_true", help="also write DIR/report/report.html")

    p = add("releases", "list the releases exported from a project", _cmd_releases)
    p.add_argument("--db", required=True, metavar="PROJECT")

    p = add("check", "check a project's file, tally and search index; say if it is damaged", _cmd_check)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--quick", action="store_true", help="quick_check, and no text compare of the search index")
    p.add_argument("--repair", action="store_true",
                   help="rebuild a wrong tally or search index (derived data) in one transaction")
    p.add_argument("--json", action="store_true")

    p = add("assign", "give a reviewer a batch of pending samples (lead), or take one back", _cmd_assign)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--to", metavar="NAME", help="the reviewer who gets the batch")
    p.add_argument("--count", type=_count, metavar="N", help="how many samples (in id order)")
    p.add_argument("--status", action="append", metavar="STATUS", help="default: pending")
    p.add_argument("--task", action="append", metavar="TASK")
    p.add_argument("--source", action="append", metavar="SOURCE")
    p.add_argument("--unassign", action="store_true", help="take samples back out of batches")
    p.add_argument("--from", dest="from_who", metavar="NAME",
                   help="whose batch to take back (with --to: give it to another reviewer)")
    add_folders_command(add, parse_roots=_parse_roots, open_project=_open_project)
    add_review_command(add, open_project=_open_project)
    add_index_command(add, open_project=_open_project)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (or open the window). An exception Python cannot raise meanwhile (a
    generator closed while a MemoryError unwinds) goes to the log, not to the screen."""
    previous = sys.unraisablehook
    sys.unraisablehook = _log_unraisable
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        sys.unraisablehook = previous


def _log_unraisable(info: Any) -> None:
    try:
        from irtd_annotator.services.folders import log_exception
        log_exception(info.exc_type, info.exc_value, info.exc_traceback)
    except BaseException:  # noqa: BLE001 - out of memory again: nothing to do but go on
        pass


def _main(argv: list[str]) -> int:
    db: str | None = None
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")) or (
                argv[0] == "--annotator"):
            window = argparse.ArgumentParser(prog="irtd-annotator")
            window.add_argument("project", nargs="?")
            window.add_argument("--annotator")
            args, _ = window.parse_known_args(argv)
            return _open_window(args.project, args.annotator)
        args = build_parser().parse_args(argv)
        _check_arguments(args)
        db = getattr(args, "db", None)
        if not getattr(args, "func", None):
            build_parser().print_help()
            return 2
        code = int(args.func(args))
        sys.stdout.flush()  # a reader that went away (``| head``) shows here, not at exit
        return code
    except UserError as exc:
        print(f"irtd-annotator: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("irtd-annotator: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Python's documented recipe: the rest of the output goes nowhere, and the exit
        # status is the one a shell shows for a process ended by SIGPIPE.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # stdout replaced by a test's capture
            pass
        return 141
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        try:
            message, code = _failure(exc, db)
        except BaseException:  # noqa: BLE001 - e.g. out of memory again while describing it
            message, code = f"irtd-annotator: internal error: {type(exc).__name__}", 70
        print(message, file=sys.stderr)
        return code


def _check_arguments(args: argparse.Namespace) -> None:
    """UserError for an argument no file system or database takes: a NUL character, or
    bytes that are not UTF-8 (a project, folder or name would be stored in the project and
    SQLite refuses them). Input files are exempt: they are only read, whatever their name."""
    from irtd_annotator.domain.shown import shown

    for name, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            option = "FILE" if name == "files" else f"--{name.replace('_', '-')}"
            if "\x00" in text:
                raise UserError(f"{option} '{shown(text, limit=300)}' holds a NUL character")
            # only lone surrogates (undecodable bytes in argv) cannot be written as UTF-8
            if name != "files" and any("\ud800" <= c <= "\udfff" for c in text):
                raise UserError(f"{option} '{shown(text, limit=300)}' is not UTF-8 text; rename it or "
                                "give another")


def _count(text: str) -> int:
    """``--count``, checked as argparse reads it: a UserError (one line), not a usage text."""
    from irtd_annotator.services.review.team import check_count

    digits = text.strip().removeprefix("-")
    if not digits.isdecimal() or len(digits) > 12:  # int() of a huge one fails on its own
        raise UserError(f"--count {text.strip()!r}: give a whole number from 1 to 2,147,483,647")
    return check_count(int(text))


def _failure(exc: Exception, db: str | None) -> tuple[str, int]:
    """The one line and exit code for an exception no command turned into a UserError:
    the environment (a database error, memory, a full disk) or, failing that, a bug whose
    traceback is written to the log (exit 70, EX_SOFTWARE)."""
    if isinstance(exc, MemoryError):  # first: importing anything may fail again
        return ("irtd-annotator: error: not enough memory for this command; it was rolled "
                "back and nothing was written"), 1
    from sqlalchemy.exc import DBAPIError

    from irtd_annotator.services.folders import log_exception
    from irtd_annotator.store.engine import (
        describe_db_error,
        describe_missing_driver,
        sqlite_path,
        store_url,
    )

    if isinstance(exc, DBAPIError) and db is not None:
        url = store_url(db)
        text = str(exc.orig if exc.orig is not None else exc)
        if "full" in text:
            message = (f"project {sqlite_path(url) or url}: the disk is full; the command was "
                       "rolled back and nothing was written")
        else:
            message = describe_db_error(url, exc)
        return f"irtd-annotator: error: {message}", 1
    if isinstance(exc, ImportError) and db is not None and "://" in db:
        return f"irtd-annotator: error: {describe_missing_driver(store_url(db), exc)}", 2
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"irtd-annotator: error: no space left on the device: {exc.filename or exc}", 1
    if isinstance(exc, OSError) and exc.filename is not None:
        # The file system refused (a folder where a file was wanted, permissions, a name too
        # long): the environment, not a bug; the file names it.
        return f"irtd-annotator: error: {exc.filename}: {exc.strerror or exc}", 1
    try:
        where = f"details in {log_exception(type(exc), exc, exc.__traceback__)}"
    except OSError:
        where = "the details could not be written to the log"
    return f"irtd-annotator: internal error: {type(exc).__name__}: {exc}; {where}", 70


if __name__ == "__main__":
    sys.exit(main())
