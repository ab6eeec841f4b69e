"""An audit's accept (issue 14): the unreviewed rest of every accepted stratum becomes
``accepted``, decided by the audit and seen by no person, and its undo.

The rest of a stratum is what the audit's filter still selects among the pending Samples
of the stratum that were there when the audit was drawn (no later import). As in a bulk
decision (``services/review/bulk.py``), a Sample another session holds by a live lease is left
alone and counted, so is one whose answer carries bad markup (it would export invalid), and
the write is set-based: one UPDATE and one revision insert per chunk (``store/bulk_decide``).
Each Sample gets a revision naming the audit and ``decided_by`` "audit:NAME"; what it had
before is kept (``audit_accepted``), so the undo works from another process too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from irtd_annotator.domain.audit_stats import setting_percent
from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.model import AUDIT_DECIDER, ReviewStatus, decided_words, status_label
from irtd_annotator.domain.warnings import BAD_MARKUP
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.audit_core import (
    AuditStatus,
    StratumStatus,
    find_audit,
    stratum_filter,
)
from irtd_annotator.services.review.bulk import left_alone_lines
from irtd_annotator.store import audits as store
from irtd_annotator.store.bulk_decide import (
    Decided,
    apply_decision,
    clock,
    read_targets,
    restore_decisions,
)
from irtd_annotator.store.imports import insert_revisions
from irtd_annotator.store.revisions import now_iso

__all__ = ["ACCEPTED", "AcceptResult", "accept_audit", "accepted_label", "refusal", "undo_accept"]

ACCEPTED = ReviewStatus.ACCEPTED.value  # decided by an audit, not seen by a person


def accepted_label(name: str) -> str:
    """How an accept reads in a revision and the history: it names the audit."""
    return decided_words(ACCEPTED, f"{AUDIT_DECIDER}{name}")


@dataclass
class AcceptResult:
    """What an accept did (or, planned, would do), per stratum label."""

    name: str
    accepted: Counter[str] = field(default_factory=Counter)  # stratum label -> Samples
    refused: dict[str, str] = field(default_factory=dict)    # stratum label -> why not
    leased: int = 0      # held by another reviewer's live lease: left pending
    bad_markup: int = 0  # the answer's markup is broken: left pending
    stale: int = 0       # undo only: changed by someone since, left as it is
    undo: Callable[[], AcceptResult] | None = None
    ids: tuple[int, ...] = ()  # the Samples written (the window undoes them on its own store)

    @property
    def total(self) -> int:
        """Samples accepted (or, for an undo, put back)."""
        return sum(self.accepted.values())

    def lines(self) -> list[str]:
        """Per stratum the Samples accepted or why it was refused, then what was left alone."""
        out = [f"  {label:<50} {n:>8,}" for label, n in sorted(self.accepted.items())]
        out.append(f"  {'total':<50} {self.total:>8,}")
        out += [f"  refused {label}: {why}" for label, why in sorted(self.refused.items())]
        return out + left_alone_lines(bad_markup=self.bad_markup, leased=self.leased,
                                      stale=self.stale, verb="accepted")


def refusal(status: AuditStatus, s: StratumStatus) -> str | None:
    """Why a stratum may not be accepted now, in words (None: it may)."""
    if s.verdict == "accept":
        return None
    seen = f"{s.errors:,} error(s) in {s.reviewed:,} reviewed of {s.drawn:,} drawn"
    if s.verdict == "reject":
        return (f"verdict reject: {seen}; the error rate is above "
                f"{setting_percent(status.max_error, 1)} at "
                f"{setting_percent(status.confidence)} confidence")
    todo = ("review the drawn samples" if s.reviewed < s.drawn
            else "draw more with 'audit extend'")
    return f"verdict continue: {seen}; {todo}"


def accept_audit(project: Project, name: str, *, who: str, session: str | None = None,
                 dry_run: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> AcceptResult:
    """Give ``accepted`` to the unreviewed rest of every stratum whose verdict is accept;
    the other strata are refused, each with its reason. ``dry_run``: only count.
    ``progress(done, total)`` is called as the Samples are written (total: all to write).

    Returns the counts per stratum and, unless nothing changed or ``dry_run``, an undo that
    puts back what each Sample had (one revision each) as one step."""
    status = find_audit(project, name)
    result = AcceptResult(status.name)
    # id, pair id, old decision in words, the decision, stratum key, version after the write
    chosen: list[tuple[int, int, str, Decided, str, int]] = []
    at = now_iso()
    with project.engine.begin() as conn:
        audit = store.audit_rows(conn, status.name)[0]
        now = clock(conn)
        for s in status.strata:
            why = refusal(status, s)
            if why is not None:
                result.refused[s.label] = why
                continue
            for t in read_targets(conn, stratum_filter(status, s), session=session, now=now,
                                  lock=not dry_run):
                if t.id > audit.max_sample_id:
                    continue  # imported after the draw: not in the population it stood for
                if t.leased:
                    result.leased += 1
                elif BAD_MARKUP in (t.warnings or "").split("; "):
                    result.bad_markup += 1
                else:
                    chosen.append((t.id, t.pair_id, status_label(*t.before[:3]), t.before,
                                   "|".join(s.key), t.version + 1))
                    result.accepted[s.label] += 1
        if dry_run or not chosen:
            return result
        new: Decided = (ACCEPTED, None, None, f"{AUDIT_DECIDER}{status.name}", at)
        apply_decision(conn, [c[0] for c in chosen], new, target="status",
                       new_label=accepted_label(status.name), who=who, at=at, warnings={},
                       progress=None if progress is None
                       else (lambda done: progress(done, len(chosen))))
        store.mark_accepted(conn, audit.id, [
            (audit.id, sid, key, before[0], before[2], before[3], before[4], version)
            for sid, _pair, _old, before, key, version in chosen], by=who, at=at)
    ids = [c[0] for c in chosen]
    result.undo = lambda: undo_accept(project, status.name, who=who, ids=ids)
    result.ids = tuple(ids)
    return result


def undo_accept(project: Project, name: str, *, who: str,
                ids: Sequence[int] | None = None) -> AcceptResult:
    """Put back what each Sample the audit accepted (only ``ids`` if given: one accept's) had
    before, with a revision each, as one step. A Sample decided otherwise since the accept (a
    reviewer looked at it after all) is left as it is and counted as stale."""
    status = find_audit(project, name)
    result = AcceptResult(f"undo accept of {status.name}")
    labels = {"|".join(s.key): s.label for s in status.strata}
    at = now_iso()
    with project.engine.begin() as conn:
        audit = store.audit_rows(conn, status.name)[0]
        rows = store.accepted_rows(conn, audit.id, ids)
        # still exactly what the accept wrote, whatever its version: a reviewer's change
        # undone since gave it back (a version check would leave it out)
        ours = (ACCEPTED, None, None, f"{AUDIT_DECIDER}{status.name}")
        back = [r for r in rows if tuple(r[7:11]) == ours]
        result.stale = len(rows) - len(back)
        if not rows:
            raise UserError(f"audit {status.name!r} has no accepted sample to put back")
        if not back:  # undone before, or all decided by reviewers since: write nothing
            return result
        restore_decisions(conn, [(r[0], (r[3], None, r[4], r[5], r[6])) for r in back],
                          who=who, at=at)
        insert_revisions(conn, [(r[0], r[1], at, who, "status", "status (undo)",
                                 accepted_label(status.name), status_label(r[3], None, r[4]))
                                for r in back])
        store.forget_accepted(conn, audit.id, status.name, [r[0] for r in back])
    result.ids = tuple(r[0] for r in back)
    result.accepted.update(labels.get(r[2], r[2]) for r in back)
    return result
