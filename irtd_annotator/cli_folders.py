"""``irtd-annotator folders``: set where a project's images are after the import, and say how
many of each source's images are found and still missing (leads script this).

Kept apart from ``cli.py`` (at its size limit); ``cli.build_parser`` adds it with one call.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from irtd_annotator.cli_progress import ProgressPrinter

if TYPE_CHECKING:
    from irtd_annotator.services.project import Project

AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]


def add_folders_command(add: AddCommand, *, parse_roots: Callable[[list[str]], dict[str, str]],
                        open_project: Callable[[str], Project]) -> None:
    """Add the ``folders`` command with ``add`` (cli.build_parser's helper); the CLI's own
    ``--image-root`` reader and project opener are passed in."""

    def run(args: argparse.Namespace) -> int:
        from irtd_annotator.services.image_folders import apply_image_folders, image_folders

        roots = parse_roots(args.image_root)
        rules = list(args.pair_rule) if args.pair_rule or args.no_pair_rules else None
        with open_project(args.db) as project, ProgressPrinter(quiet=args.quiet,
                                                               unit="pairs") as show:
            if not (roots or rules is not None or args.look_again):
                state = image_folders(project)
                lines = [s.line() for s in state.sources] or ["no images in this project"]
                if state.pair_rules:
                    lines.append("pairing rules: " + "  ".join(state.pair_rules))
                print("\n".join(lines))
                return 0
            every = not roots or "*" in roots or rules is not None
            report = apply_image_folders(project, roots=roots, pair_rules=rules,
                                         sources=None if every else list(roots),
                                         who=args.annotator or "folders",
                                         progress=show)
        print(report.summary())
        return 0

    p = add("folders", "set where a project's images are (per source) and look for every "
                       "image again; without options, say how many are found and missing", run)
    p.add_argument("--db", required=True, metavar="PROJECT")
    p.add_argument("--image-root", action="append", default=[], metavar="[SOURCE=]DIR",
                   help="where a source's images are (e.g. 63-FLIR_ADAS=/data/flir), or one "
                        "root for all; stored in the project and used by later imports")
    p.add_argument("--pair-rule", action="append", default=[], metavar="PATTERN=>REPLACEMENT",
                   help="visible pairing rule (regular expression on the IR path); the rules "
                        "given replace the stored ones")
    p.add_argument("--no-pair-rules", action="store_true", help="forget the stored rules")
    p.add_argument("--look-again", action="store_true",
                   help="look for every image again (images copied since)")

