"""What one window's reviewer saw of each Sample, and the write transactions checked against it.

Every write transaction begins by claiming its Samples (``store.sample_writes.claim_sample``:
``version = version + 1 WHERE version = <seen>``), so nothing it reads afterwards can change
under it, and a Sample someone else changed since the reviewer saw it is refused with who and
when (ADR 0019). ``SeenVersions`` is that "seen": the version the window last showed or wrote
of each Sample, shared by the window's ReviewSession and AnswerEditing. A Sample it has no
record of (the CLI, a bulk caller, the other Samples of a Pair) is only claimed, not checked.

Undo. A change's undo must be refused when someone else changed the Sample after that change,
yet work through the reviewer's own chain (edit text, edit a box, Ctrl+Z, Ctrl+Z), although
each undo moves the version on too. So an undo carries the versions its change produced
(``Versions``), and every undo or redo that is saved notes that its new version stands for
the same content as the version before the change it reversed (each transaction moves a
claimed Sample's version by exactly one). The undo is allowed when the version the window
holds leads, through such notes, to the one its change produced: only the window's own undos
lie in between; a change of anyone else's (or one of the window's that was not undone) breaks
the chain and the undo is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from irtd_annotator.domain.errors import StaleSampleError
from irtd_annotator.services.changes import Changes
from irtd_annotator.services.edit_distance import refresh_edit_distance
from irtd_annotator.services.risk import refresh_risk_of
from irtd_annotator.store.sample_writes import claim_sample, last_change

__all__ = ["Claim", "SeenVersions", "Versions"]

Versions = Mapping[int, int]  # sample id -> version (what a change produced, or a window saw)


@dataclass
class Claim:
    """The Samples a write transaction claimed, with their new versions."""

    conn: Connection
    versions: dict[int, int]
    undoing: Versions | None = None
    # Score the claimed Samples' Pairs again before committing (docs/risk.md): every write of
    # text, geometry, markers or source boxes comes through here. A status change alone
    # leaves the score as it was and turns this off.
    rescore: bool = True
    _unchanged: bool = field(default=False, init=False)

    def unchanged(self) -> Changes:
        """Nothing to write after all: the transaction is rolled back (the versions with it,
        so no one else's change is refused for a change that did not happen)."""
        self._unchanged = True
        return Changes()


class SeenVersions:
    """Sample id -> the version the window last showed or wrote of it."""

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}
        # (sample id, version written by an undo or redo) -> the version whose content it
        # restored: what lets an undo chain pass its own undos
        self._same: dict[tuple[int, int], int] = {}

    def saw(self, sample_id: int, version: int) -> None:
        """The Sample was shown at ``version``: the next write of it expects that."""
        self._seen[sample_id] = version

    def get(self, sample_id: int) -> int | None:
        """The version last shown or written, None when the window has no record of it."""
        return self._seen.get(sample_id)

    @contextmanager
    def writing(self, engine: Engine, sample_ids: Iterable[int] | Callable[[Connection], Iterable[int]],
                *, undoing: Versions | None = None) -> Iterator[Claim]:
        """One write transaction that first claims ``sample_ids`` (or the ids the callable
        reads), in id order so two writers never wait on each other in a circle.

        ``undoing`` holds the versions the change being undone (or redone) produced. Committed
        when the block ends, unless ``Claim.unchanged()`` was called or it raised; the new
        versions are noted only once committed.
        """
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                ids = sample_ids(conn) if callable(sample_ids) else sample_ids
                claim = Claim(conn, self._claim(conn, sorted(set(ids)), undoing), undoing)
                yield claim
            except BaseException:
                tx.rollback()
                raise
            if claim._unchanged:
                tx.rollback()
                return
            if claim.rescore:  # text may have changed: its risk and edit distance follow
                refresh_risk_of(conn, claim.versions)
                refresh_edit_distance(conn, sample_ids=claim.versions)
            tx.commit()
        self._wrote(claim)

    def _claim(self, conn: Connection, ids: list[int], undoing: Versions | None) -> dict[int, int]:
        versions: dict[int, int] = {}
        for sid in ids:
            seen = self._seen.get(sid)
            target = undoing.get(sid) if undoing is not None else None
            if target is not None:
                if seen is None:
                    seen = target
                elif not self._leads_to(sid, seen, target):
                    # a change that is not one of this window's undos lies in between
                    who, at = last_change(conn, sid)
                    raise StaleSampleError(sid, who=who, at=at, undo=True)
            versions[sid] = claim_sample(conn, sid, seen, undo=undoing is not None)
        return versions

    def _leads_to(self, sample_id: int, version: int, target: int) -> bool:
        while version != target:
            earlier = self._same.get((sample_id, version))
            if earlier is None:
                return False
            version = earlier  # always lower: the walk ends
        return True

    def _wrote(self, claim: Claim) -> None:
        for sid, version in claim.versions.items():
            self._seen[sid] = version
            if claim.undoing is not None and sid in claim.undoing:
                # the content is that of before the reversed change: its version less one
                self._same[(sid, version)] = claim.undoing[sid] - 1
