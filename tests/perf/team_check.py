"""The checker of the team benchmark (``bench_team.py``): from the revisions written during a
run and the store's final state, did any reviewer's change get lost, and was any Sample
decided by two reviewers?

What the store writes (services/review/session.py, turn_text.py, answers.py):

- a decision: one revision ``action="status"``, target "status" (or "reimport-conflict" when
  it settles a conflict and the status stays), ``old``/``new`` = ``status_label(status,
  reason, note)`` of the Sample before and after;
- typed text, and a geometry gesture or an answer edit that rewrites the answer: one revision
  per Turn written, target ``"turn N"``, ``old``/``new`` = the Turn's whole text before and
  after, whatever the action ("text", "geometry", "answer", "undo", ...);
- markers, source boxes and alignment carry counts or JSON of a Pair: not checked here (the
  benchmark makes none).

So per (Sample, what): "status", or "turn N". In the order the revisions were written (their
id: a write inserts its revision after it changed the row, so a second writer of the same row
waits for the first one's commit before it inserts), each revision's ``old`` must be the
previous one's ``new``; else the later writer replaced a value it never saw, a lost update.
The store's value at the end must be the last ``new``; else a write was lost without a
revision saying so. The first revision of a key in the run is not compared with the value
before it (no snapshot of 260K Samples is taken).

A collision is a Sample that two or more reviewers decided during the run: by the revisions
(distinct authors of status revisions whose ``new`` is not "pending"), together with each
reviewer's own log of the Samples it decided (a decision that found the status already set
writes no revision, but the reviewer still spent the time on a Sample someone else took).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from irtd_annotator.domain.model import status_label
from irtd_annotator.store.schema import Revision, Sample, Turn

__all__ = ["CheckResult", "Rev", "check", "check_store", "last_revision_id"]

STATUS = "status"
_STATUS_TARGETS = ("status", "reimport-conflict")


class Rev(NamedTuple):
    """One revision as the checker reads it."""

    id: int
    sample_id: int
    who: str
    action: str
    target: str | None
    old: str | None
    new: str | None


@dataclass
class CheckResult:
    """What the checker found."""

    lost_updates: int = 0
    collisions: int = 0
    revisions_checked: int = 0
    keys_checked: int = 0
    lost: list[str] = field(default_factory=list)       # the first few, in words
    collided: list[int] = field(default_factory=list)   # the first few Sample ids


def key_of(rev: Rev) -> tuple[int, str] | None:
    """What a revision changed: (Sample, "status" or "turn N"); None when not checked."""
    if rev.action == "status" and rev.target in _STATUS_TARGETS:
        return rev.sample_id, STATUS
    if rev.target is not None and rev.target.startswith("turn "):
        return rev.sample_id, rev.target
    return None


def check(revisions: Iterable[Rev], final: Mapping[tuple[int, str], str | None],
          decided_by_reviewers: Mapping[str, Iterable[int]] | None = None,
          *, keep: int = 10) -> CheckResult:
    """Count lost updates and collisions (see the module's docstring).

    ``revisions`` are those of the run; ``final`` the store's value now of every key they
    name ((Sample, "status") -> status label, (Sample, "turn N") -> text);
    ``decided_by_reviewers`` each reviewer's log of the Samples it decided.
    """
    result = CheckResult()
    chains: dict[tuple[int, str], list[Rev]] = {}
    deciders: dict[int, set[str]] = {}
    for rev in sorted(revisions, key=lambda r: r.id):
        key = key_of(rev)
        if key is None:
            continue
        result.revisions_checked += 1
        chains.setdefault(key, []).append(rev)
        if key[1] == STATUS and rev.new is not None and rev.new != "pending":
            deciders.setdefault(rev.sample_id, set()).add(rev.who)
    for who, ids in (decided_by_reviewers or {}).items():
        for sid in ids:
            deciders.setdefault(sid, set()).add(who)

    def lost(text: str) -> None:
        result.lost_updates += 1
        if len(result.lost) < keep:
            result.lost.append(text)

    for (sid, what), chain in chains.items():
        result.keys_checked += 1
        for before, after in itertools.pairwise(chain):
            if after.old != before.new:
                lost(f"sample {sid} {what}: {after.who} replaced {_short(after.old)} "
                     f"(revision {after.id}), but {before.who} had written {_short(before.new)} "
                     f"(revision {before.id})")
        now = final.get((sid, what))
        if now != chain[-1].new:
            lost(f"sample {sid} {what}: the store holds {_short(now)}, the last revision "
                 f"({chain[-1].id}, {chain[-1].who}) wrote {_short(chain[-1].new)}")
    collided = sorted(sid for sid, who in deciders.items() if len(who) > 1)
    result.collisions = len(collided)
    result.collided = collided[:keep]
    return result


def _short(text: str | None, limit: int = 60) -> str:
    if text is None:
        return "nothing"
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit - 1] + "…")


# ---- reading a store ----------------------------------------------------------------------------

def last_revision_id(conn: Connection) -> int:
    """The id of the newest revision (0 when none): a run's revisions come after it."""
    return int(conn.execute(select(func.coalesce(func.max(Revision.id), 0))).scalar_one())


def check_store(conn: Connection, *, after_revision: int,
                decided_by_reviewers: Mapping[str, Iterable[int]] | None = None) -> CheckResult:
    """``check`` the revisions written after ``after_revision`` against the store now."""
    revisions = [Rev(rid, sid, who, action, target, old, new)
                 for rid, sid, who, action, target, old, new in conn.execute(
                     select(Revision.id, Revision.sample_id, Revision.who, Revision.action,
                            Revision.target, Revision.old, Revision.new)
                     .where(Revision.id > after_revision, Revision.sample_id.is_not(None))
                     .order_by(Revision.id))
                 if sid is not None]
    keys = {k for k in map(key_of, revisions) if k is not None}
    final: dict[tuple[int, str], str | None] = {}
    status_ids = sorted({sid for sid, what in keys if what == STATUS})
    turn_keys = sorted((sid, what) for sid, what in keys if what != STATUS)
    for start in range(0, len(status_ids), 500):
        chunk = status_ids[start:start + 500]
        for sid, status, reason, note in conn.execute(
                select(Sample.id, Sample.status, Sample.reject_reason, Sample.note)
                .where(Sample.id.in_(chunk))):
            final[(sid, STATUS)] = status_label(status, reason, note)
    turn_ids = sorted({sid for sid, _what in turn_keys})
    wanted = set(turn_keys)
    for start in range(0, len(turn_ids), 500):
        chunk = turn_ids[start:start + 500]
        for sid, idx, text in conn.execute(
                select(Turn.sample_id, Turn.idx, Turn.text).where(Turn.sample_id.in_(chunk))):
            if (sid, f"turn {idx}") in wanted:
                final[(sid, f"turn {idx}")] = text
    return check(revisions, final, decided_by_reviewers)
