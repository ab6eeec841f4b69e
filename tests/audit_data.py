"""A project for the audit tests: strata of given sizes (task x source), each Sample a
Relationship-like prompt and answer, built with Core inserts (no importer needed)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import insert, select, update

from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import AuditSample, Pair, Sample, Turn

SIZES = {("Relationship", "97-LLVIP"): 200, ("Location", "63-FLIR_ADAS"): 10}


def build_audit_project(target: str, sizes: Mapping[tuple[str, str], int] = SIZES
                        ) -> dict[tuple[str, str], list[int]]:
    """Create the project at ``target``: per (task, source) that many pending Samples, each
    on its own Pair. Returns their ids per (task, source)."""
    ids: dict[tuple[str, str], list[int]] = {}
    with Project.open(target) as project, project.engine.begin() as conn:
        for (task, source), n in sizes.items():
            pairs = [{"rel_path": f"{source}/{task}/{i:05d}.jpg", "source": source,
                      "ir_exists": False, "visible_exists": False, "aligned": True}
                     for i in range(n)]
            pair_ids = [int(p) for p in conn.execute(
                insert(Pair).returning(Pair.id, sort_by_parameter_order=True), pairs).scalars()]
            samples = [{"task": task, "original_id": f"{source}-{i}", "source_file": f"{task}.json",
                        "pair_id": pid, "image": f"{source}/{task}/{i:05d}.jpg",
                        "image_as_list": True, "answer_space": "pixel", "status": "pending",
                        "edited": False} for i, pid in enumerate(pair_ids)]
            sids = [int(s) for s in conn.execute(
                insert(Sample).returning(Sample.id, sort_by_parameter_order=True),
                samples).scalars()]
            conn.execute(insert(Turn), [
                {"sample_id": sid, "idx": idx, "role": role, "original": text, "text": text}
                for sid in sids for idx, (role, text) in enumerate(
                    (("human", "<image>\nIs the person left of the car?"), ("gpt", "Yes.")))])
            ids[(task, source)] = sids
    return ids


def drawn(project: Project, name: str) -> dict[str, list[int]]:
    """The audit's drawn Sample ids per stratum key, sorted."""
    from irtd_annotator.store.schema import Audit

    found: dict[str, list[int]] = {}
    with project.engine.connect() as conn:
        for key, sid in conn.execute(
                select(AuditSample.stratum, AuditSample.sample_id)
                .join(Audit, Audit.id == AuditSample.audit_id).where(Audit.name == name)
                .order_by(AuditSample.sample_id)):
            found.setdefault(key, []).append(sid)
    return found


def set_status(project: Project, ids: list[int], status: str, *, edited: bool = False,
               reason: str | None = None) -> None:
    """Decide Samples directly, as reviewers would have (the tally follows by trigger)."""
    with project.engine.begin() as conn:
        conn.execute(update(Sample).where(Sample.id.in_(ids)).values(
            status=status, edited=edited, reject_reason=reason, decided_by="rev",
            version=Sample.version + 1))
