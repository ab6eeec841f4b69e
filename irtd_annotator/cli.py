"""The ``irtd-annotator`` command: import, import-source, demo, stats, export, releases, or a window.

Composition root for the command line. GUI modules are imported only when a window opens, so
the commands start fast and run where Qt cannot.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

from irtd_annotator import __version__
from irtd_annotator.domain.errors import UserError

COMMANDS = ("import", "import-source", "demo", "stats", "export", "releases", "check")


def _parse_roots(values: list[str]) -> dict[str, str]:
    roots: dict[str, str] = {}
    for value in values:
        source, sep, root = value.partition("=")
        if sep and source and "/" not in source:
            roots[source] = root
        else:
            roots["*"] = value
    return roots


def _cmd_import(args: argparse.Namespace) -> int:
    from irtd_annotator.services.importing import ImportOptions, import_files
    from irtd_annotator.services.project import Project

    options = ImportOptions(
        task=args.task, strip_prefix=args.strip_prefix, image_roots=_parse_roots(args.image_root),
        pair_rules=list(args.pair_rule), location_space=args.location_space,
        skip_bad=args.skip_bad, report_path=Path(args.report) if args.report else None,
        annotator=args.annotator,
    )
    with Project.open(args.db) as project:
        report = import_files(project, [Path(f) for f in args.files], options=options,
                              progress=_progress_printer(args.quiet))
    print(report.summary())
    return 0 if report.ok else 1


def _progress_printer(quiet: bool) -> Callable[[int, int, str], None] | None:
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, what: str) -> None:
        print(f"\r{what}: {done:,}/{total:,}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)

    return show


def _cmd_import_source(args: argparse.Namespace) -> int:
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.sources import import_source

    with Project.open(args.db) as project:
        report = import_source(project, args.kind, Path(args.dir), annotator=args.annotator)
    print(report.summary())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.sources import ensure_demo_project
    from irtd_annotator.services.stats import project_stats

    path = ensure_demo_project()
    if args.no_window:
        with Project.open(path, create=False) as project:
            print(f"demo project: {path}")
            print(project_stats(project).as_table())
        return 0
    return _open_window(str(path), args.annotator)


def _cmd_stats(args: argparse.Namespace) -> int:
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.stats import project_stats

    with Project.open(args.db, create=False) as project:
        stats = project_stats(project)
    print(json.dumps(stats.as_dict(), indent=2) if args.json else stats.as_table())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from irtd_annotator.services.export import ExportOptions, export_release
    from irtd_annotator.services.project import Project

    options = ExportOptions(
        statuses=args.status or ["approved"], tasks=args.task or [], sources=args.source or [],
        annotators=args.by or [], prefix=args.prefix, format=args.format, force=args.force,
        include_invalid=args.include_invalid, annotator=args.annotator,
    )
    with Project.open(args.db, create=False) as project:
        report = export_release(project, Path(args.out), options=options,
                                progress=_progress_printer(args.quiet))
    print(report.summary())
    return 0


def _cmd_releases(args: argparse.Namespace) -> int:
    from irtd_annotator.services.export import list_releases
    from irtd_annotator.services.project import Project

    with Project.open(args.db, create=False) as project:
        print(list_releases(project))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from irtd_annotator.services.check import check_project, describe, repair_project

    if args.repair:
        report = repair_project(args.db)
    else:
        report = check_project(args.db, quick=args.quick)
    print(json.dumps(report.as_dict(), indent=2) if args.json else describe(report))
    return 0 if report.ok else 1


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

    p = add("import", "import IR-TD JSON files (arrays, JSON Lines, concatenated objects)", _cmd_import)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--db", required=True, metavar="PROJECT", help="project file or SQLAlchemy URL")
    p.add_argument("--task", help="task of every sample (default: from the file name or prompt)")
    p.add_argument("--strip-prefix", help="image path prefix to remove (default: up to Data4MLLM/)")
    p.add_argument("--image-root", action="append", default=[], metavar="[SOURCE=]DIR",
                   help="where a source's images are (e.g. 63-FLIR_ADAS=/data/flir), or one root for all; stored in the project")
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
                   help="approved (default), pending, rejected, flagged or all; repeatable")
    p.add_argument("--task", action="append", metavar="TASK")
    p.add_argument("--source", action="append", metavar="SOURCE")
    p.add_argument("--by", action="append", metavar="ANNOTATOR", help="only samples last changed by")
    p.add_argument("--prefix", default=None, help="image path prefix to write")
    p.add_argument("--format", choices=["json", "jsonl"], default="json")
    p.add_argument("--force", action="store_true", help="replace a non-empty output folder")
    p.add_argument("--include-invalid", action="store_true")

    p = add("releases", "list the releases exported from a project", _cmd_releases)
    p.add_argument("--db", required=True, metavar="PROJECT")

    p = add("check", "check a project's file, tally and search index; say if it is damaged",
            _cmd_check)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--quick", action="store_true",
                   help="quick_check, and no text compare of the search index")
    p.add_argument("--repair", action="store_true",
                   help="rebuild a wrong tally or search index (derived data) in one transaction")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")) or (
                argv[0] == "--annotator"):
            window = argparse.ArgumentParser(prog="irtd-annotator")
            window.add_argument("project", nargs="?")
            window.add_argument("--annotator")
            args, _ = window.parse_known_args(argv)
            return _open_window(args.project, args.annotator)
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            build_parser().print_help()
            return 2
        return int(args.func(args))
    except UserError as exc:
        print(f"irtd-annotator: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("irtd-annotator: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
