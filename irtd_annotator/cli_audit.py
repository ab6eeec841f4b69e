"""``irtd-annotator audit``: create, status, extend, accept and undo-accept (issue 14).

An audit draws a seeded, stratified sample of pending samples, sized so that finding no
error among them shows the error rate is below ``--max-error`` at ``--confidence``; its
samples are reviewed like any other (``review --audit NAME``), and ``audit accept`` gives the
unreviewed rest of each accepted stratum the status ``accepted``. docs/audits.md says how
the numbers are made. Registered by ``cli_review.add_review_command`` (cli.py is at its size
limit).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from irtd_annotator.cli_progress import ProgressPrinter
from irtd_annotator.domain.audit_stats import rate_decimals, setting_percent, sides_note
from irtd_annotator.domain.errors import UserError

if TYPE_CHECKING:
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.review.audits import AuditStatus

AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]
_YES_NO = {"yes": True, "no": False}
_SEED_BITS = 31  # a random seed a person can type back to draw the same audit again


def confirmed() -> bool:
    """Ask on a terminal whether to do what was just printed; anywhere else say to add
    --yes. False (it said why) unless answered yes."""
    if not sys.stdin.isatty():
        print("irtd-annotator: error: not a terminal; add --yes to do it", file=sys.stderr)
        return False
    if input("Proceed? [y/N] ").strip().lower() not in ("y", "yes"):
        print("nothing changed")
        return False
    return True


def _rate(option: str, example: str) -> Callable[[str], float]:
    """An argparse type for a fraction strictly between 0 and 1: a UserError (one line)
    whose example suits the option (0.05 for a max error, 0.95 for a confidence)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0.0 < value < 1.0:  # NaN fails too
            raise UserError(f"{option} {text!r}: give a fraction between 0 and 1, e.g. {example}")
        return value

    return parse


def _seed(text: str) -> int:
    digits = text.strip()
    if not digits.isdecimal() or len(digits) > 18:
        raise UserError(f"--seed {text!r}: give a whole number from 0 to 999,999,999,999,999,999")
    return int(digits)


def _by(text: str) -> tuple[str, ...]:
    from irtd_annotator.services.review.audits import check_by

    return check_by([] if text.strip() in ("", "none") else text.split(","))


def _pct(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}%}"


def _width(status: AuditStatus, least: int) -> int:
    """The stratum column's width: the longest label's, so the columns after it line up."""
    return max([least, *(len(s.label) for s in status.strata)])


def plan_lines(status: AuditStatus) -> list[str]:
    """The audit's plan per stratum: population and sample size."""
    w = _width(status, 44)
    out = [f"  {'stratum':<{w}} {'population':>10} {'sample':>7}"]
    out += [f"  {s.label:<{w}} {s.population:>10,} {s.drawn:>7,}" for s in status.strata]
    out.append(f"  {'total':<{w}} {sum(s.population for s in status.strata):>10,} "
               f"{sum(s.drawn for s in status.strata):>7,}")
    return out


def _heading(status: AuditStatus) -> str:
    by = ",".join(status.by) or "none (one stratum)"
    text = (f"audit {status.name}: max error {setting_percent(status.max_error, 1)} at "
            f"{setting_percent(status.confidence)} confidence, seed {status.seed}, by {by}; "
            f"made by {status.created_by} at {status.created_at}")
    if status.accepted_by is not None:
        text += f"; accepted by {status.accepted_by} at {status.accepted_at}"
    return text


def status_lines(status: AuditStatus) -> list[str]:
    """The audit's standing per stratum, as the ``audit status`` table shows it."""
    w = _width(status, 36)
    d = rate_decimals(status.max_error)
    out = [_heading(status),
           f"  {'stratum':<{w}} {'popul.':>8} {'plan':>5} {'drawn':>6} {'reviewed':>8} "
           f"{'errors':>6} {'estimate':>8} {'interval':>{15 + 2 * (d - 1)}}  {'verdict':<8} "
           f"{'accepted':>8}"]
    for s in status.strata:
        interval = f"{_pct(s.low, d)}-{_pct(s.high, d)}"
        estimate = _pct(s.estimate, d) if s.reviewed else "\u2013"  # nothing to estimate from
        out.append(f"  {s.label:<{w}} {s.population:>8,} {s.planned:>5,} {s.drawn:>6,} "
                   f"{s.reviewed:>8,} {s.errors:>6,} {estimate:>8} "
                   f"{interval:>{15 + 2 * (d - 1)}}  {s.verdict:<8} {s.accepted:>8,}")
    out.append(f"  {sides_note([status.confidence])}")
    return out


def who(args: argparse.Namespace) -> str:
    """Whom a decision made from the command line is recorded as: ``--annotator``, else the
    login name, as ``assign`` and ``export`` do."""
    return str(getattr(args, "annotator", None) or os.environ.get("USER") or "lead")


def add_audit_command(add: AddCommand, *, open_project: Callable[[str], Project]) -> None:
    """Add ``audit`` and its actions with ``add`` (cli.build_parser's helper)."""
    def create(args: argparse.Namespace) -> int:
        from irtd_annotator.services.review.audits import create_audit
        from irtd_annotator.services.review.team import batch_filter

        seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(
            _SEED_BITS)
        with open_project(args.db) as project:
            flt = dataclasses.replace(
                batch_filter(project, tasks=args.task or [], sources=args.source or []),
                warnings=_YES_NO.get(args.warnings), edited=_YES_NO.get(args.edited),
                text=args.search or "")
            status = create_audit(project, args.name, flt, max_error=args.max_error,
                                  confidence=args.confidence, seed=seed, by=args.by,
                                  who=who(args))
        print(_heading(status))
        print("\n".join(plan_lines(status)))
        # not the --db given: a server URL may hold a password
        print(f"review them in the window (queue filter) or with: irtd-annotator review "
              f"--db PROJECT --audit {status.name} --approve|--reject REASON ...")
        return 0

    def show(args: argparse.Namespace) -> int:
        from irtd_annotator.services.review.audits import audit_statuses

        with open_project(args.db) as project:
            statuses = audit_statuses(project, args.name)
        if args.json:
            print(json.dumps([dataclasses.asdict(s) for s in statuses], indent=2))
        elif not statuses:
            print("no audit yet (audit create)")
        else:
            print("\n\n".join("\n".join(status_lines(s)) for s in statuses))
        return 0

    def extend(args: argparse.Namespace) -> int:
        from irtd_annotator.services.review.audits import extend_audit

        with open_project(args.db) as project:
            status, added = extend_audit(project, args.name, who=who(args))
        print(f"drew {added:,} more samples" if added else
              "drew nothing: no stratum with errors needs more samples than it has drawn")
        print("\n".join(status_lines(status)))
        return 0

    def accept(args: argparse.Namespace) -> int:
        from irtd_annotator.services.review.audits import accept_audit

        with open_project(args.db) as project:
            if not args.yes:
                plan = accept_audit(project, args.name, who=who(args), dry_run=True)
                print(f"would accept {plan.total:,} samples by audit {plan.name}:")
                print("\n".join(plan.lines()))
                if not plan.total:
                    return 1 if plan.refused else 0
                if not confirmed():
                    return 1
            with ProgressPrinter(quiet=args.quiet) as show:
                result = accept_audit(project, args.name, who=who(args),
                                      progress=lambda done, total: show(done, total, "accepting"))
        print(f"accepted {result.total:,} samples by audit {result.name}:")
        print("\n".join(result.lines()))
        return 1 if result.refused and not result.total else 0

    def undo(args: argparse.Namespace) -> int:
        from irtd_annotator.services.review.audits import undo_accept

        with open_project(args.db) as project:
            result = undo_accept(project, args.name, who=who(args))
        if not result.total:  # undone already (or reviewers decided them all): a refusal
            print(f"irtd-annotator: error: audit {args.name!r} has no sample left accepted by "
                  f"it to put back ({result.stale:,} decided otherwise since); nothing changed",
                  file=sys.stderr)
            return 1
        print(f"put back {result.total:,} samples accepted by audit {args.name}:")
        print("\n".join(result.lines()))
        return 0

    parent = add("audit", "audits: a seeded sample per stratum whose review shows the rest is "
                          "good enough (create, status, extend, accept, undo-accept)", show)
    actions = parent.add_subparsers(dest="audit_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, func: Callable[[argparse.Namespace], int],
               named: bool = True) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--db", required=True, metavar="PROJECT")
        # SUPPRESS: given before the action ("audit --annotator X accept") it is kept
        p.add_argument("--annotator", default=argparse.SUPPRESS, help="name recorded in revisions")
        if named:
            p.add_argument("--name", required=True, metavar="NAME", help="the audit's name")
        return p

    p = action("create", "draw an audit from the pending samples a filter selects and print "
                         "its plan per stratum", create)
    p.add_argument("--task", action="append", metavar="TASK")
    p.add_argument("--source", action="append", metavar="SOURCE")
    p.add_argument("--warnings", choices=sorted(_YES_NO), help="only samples with (or without) warnings")
    p.add_argument("--edited", choices=sorted(_YES_NO), help="only edited (or unedited) samples")
    p.add_argument("--search", metavar="TEXT", help="only samples whose text or name holds TEXT")
    p.add_argument("--max-error", required=True, type=_rate("--max-error", "0.05"), metavar="RATE",
                   help="the error rate to show the stratum is below, e.g. 0.05")
    p.add_argument("--confidence", required=True, type=_rate("--confidence", "0.95"), metavar="LEVEL",
                   help="e.g. 0.95")
    p.add_argument("--seed", type=_seed, metavar="N", help="of the draw (default: a random one, "
                                                           "printed)")
    p.add_argument("--by", type=_by, default=("task", "source"), metavar="DIMS",
                   help="what makes a stratum: task,source (default), task, source or none")
    p = action("status", "per audit and stratum: drawn, reviewed, errors, the estimate, its "
                         "interval and the verdict", show, named=False)
    p.add_argument("--name", metavar="NAME", help="only this audit")
    p.add_argument("--json", action="store_true")
    action("extend", "draw more samples where errors call for them (the plan for the errors "
                     "found)", extend)
    p = action("accept", "give the unreviewed rest of every accepted stratum the status "
                         "accepted; refused, with the reason, for the other strata", accept)
    p.add_argument("--yes", action="store_true", help="do it without asking")
    action("undo-accept", "put back what the samples the audit accepted had before", undo)
