"""Samples accepted by an audit, written at the store the way ``audit accept`` writes them
(status "accepted", ``decided_by`` "audit:NAME", a revision naming the audit), so the tests of
the ``accepted`` status everywhere do not depend on the audits service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from irtd_annotator.domain.model import AUDIT_DECIDER, decided_words
from irtd_annotator.services.project import Project
from irtd_annotator.store.revisions import add_revision, now_iso
from irtd_annotator.store.schema import Sample

ACCEPTED_AT = "2026-03-01T10:00:00.000+00:00"


def accept_by_audit(project: Project, ids: Sequence[int], audit: str, *,
                    who: str = "Lead") -> None:
    """Give the Samples ``ids`` the status accepted, decided by the audit ``audit``."""
    by = AUDIT_DECIDER + audit
    with project.engine.begin() as conn:
        before = {sid: (status, pair) for sid, status, pair in conn.execute(
            select(Sample.id, Sample.status, Sample.pair_id).where(Sample.id.in_(list(ids))))}
        conn.execute(update(Sample).where(Sample.id.in_(list(ids))).values(
            status="accepted", reject_reason=None, note=None, decided_by=by,
            decided_at=ACCEPTED_AT, updated_at=now_iso(), updated_by=who,
            version=Sample.version + 1))
        for sid in ids:
            add_revision(conn, who=who, action="status", sample_id=sid, pair_id=before[sid][1],
                         target="status", old=before[sid][0], new=decided_words("accepted", by),
                         at=ACCEPTED_AT)
