"""``irtd-annotator review``: one review decision for every sample a filter selects (issue 14).

Without ``--yes`` it prints what it would do and asks on a terminal; anywhere else it stops
there (exit 1), so a script never decides thousands of samples by accident. Kept apart from
``cli.py`` (at its size limit); ``cli.build_parser`` adds it with one call.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from irtd_annotator.cli_audit import add_audit_command, confirmed, who
from irtd_annotator.cli_progress import ProgressPrinter
from irtd_annotator.cli_report import add_report_command
from irtd_annotator.domain.errors import UserError

if TYPE_CHECKING:
    from irtd_annotator.services.project import Project

AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]
_YES_NO = {"yes": True, "no": False}


def add_review_command(add: AddCommand, *, open_project: Callable[[str], Project]) -> None:
    """Add the ``review`` command with ``add`` (cli.build_parser's helper), and ``audit``
    (whose samples ``review --audit`` decides)."""

    def run(args: argparse.Namespace) -> int:
        from irtd_annotator.services.review.audits import check_audit_name
        from irtd_annotator.services.review.bulk import Decision, bulk_decide
        from irtd_annotator.services.review.team import batch_filter

        if args.note is not None and (args.approve or args.pending):
            raise UserError("--note goes with --reject or --flag")
        status = ("approved" if args.approve else "pending" if args.pending
                  else "flagged" if args.flag else "rejected")
        decision = Decision(status, reason=args.reject, note=args.note)
        decider = who(args)
        with open_project(args.db) as project:
            flt = dataclasses.replace(
                batch_filter(project, statuses=args.status or [], tasks=args.task or [],
                             sources=args.source or []),
                warnings=_YES_NO.get(args.warnings), edited=_YES_NO.get(args.edited),
                text=args.search or "", audit=args.audit)
            if args.audit is not None:
                check_audit_name(project, args.audit)
            if not args.yes:
                plan = bulk_decide(project, flt, decision, who=decider, dry_run=True)
                print(f"would set {plan.total:,} samples to {decision.label}:")
                print("\n".join(plan.lines()))
                if not plan.total:
                    return 0
                if not confirmed():
                    return 1
            with ProgressPrinter(quiet=args.quiet) as show:  # after the question, if asked
                result = bulk_decide(project, flt, decision, who=decider,
                                     progress=lambda done, total: show(done, total, "deciding"))
        print(f"set {result.total:,} samples to {decision.label}:")
        print("\n".join(result.lines()))
        return 0

    p = add("review", "approve, reject, flag or set back to pending every sample a filter "
                      "selects (one revision each); without --yes, show the counts and ask", run)
    p.add_argument("--db", required=True, metavar="PROJECT")
    # repeatable, as for export: given twice, each counts (never the last one alone)
    p.add_argument("--task", action="append", metavar="TASK", help="repeat for several")
    p.add_argument("--source", action="append", metavar="SOURCE", help="repeat for several")
    p.add_argument("--status", action="append", metavar="STATUS",
                   help="only samples with this review status; repeat for several")
    p.add_argument("--warnings", choices=sorted(_YES_NO), help="only samples with (or without) warnings")
    p.add_argument("--edited", choices=sorted(_YES_NO), help="only edited (or unedited) samples")
    p.add_argument("--search", metavar="TEXT", help="only samples whose text or name holds TEXT")
    p.add_argument("--audit", metavar="NAME", help="only the samples the audit NAME drew")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--approve", action="store_true")
    what.add_argument("--reject", metavar="REASON", help="reject with this reason")
    what.add_argument("--flag", action="store_true")
    what.add_argument("--pending", action="store_true", help="back to pending")
    p.add_argument("--note", metavar="NOTE", help="with --reject or --flag")
    p.add_argument("--yes", action="store_true", help="do it without asking")
    add_audit_command(add, open_project=open_project)
    add_report_command(add, open_project=open_project)  # cli.py is at its size limit
