"""The release manifest's "audits" section (issue 14), on both stores: each audit by which
exported samples came in, with its plan, counts, interval and verdict per stratum, who
accepted when, and the IR-TD ids of the exported samples it accepted; none without."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from audit_data import build_audit_project, drawn, set_status
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, export_release
from irtd_annotator.services.review.audits import accept_audit, create_audit
from irtd_annotator.store.schema import Sample

REL = "Relationship|97-LLVIP"


def _export(project: Project, out: Path) -> dict[str, object]:
    # "all": the accepted status itself comes to the export's options with the accepted slice
    export_release(project, out, options=ExportOptions(statuses=("all",),
                                                       tasks=("Relationship",)))
    manifest: dict[str, object] = json.loads((out / "manifest.json").read_text())
    return manifest


def test_the_manifest_records_each_audit_and_the_samples_it_accepted(
        store_target: str, tmp_path: Path) -> None:
    build_audit_project(store_target)
    with Project.open(store_target, create=False) as project:
        for name in ("a1", "unused"):
            create_audit(project, name, QueueFilter(tasks=("Relationship",)), max_error=0.05,
                         confidence=0.95, seed=5, by=("task", "source"), who="lead")
        assert _export(project, tmp_path / "r0")["audits"] == []  # nothing came in by audit
        set_status(project, drawn(project, "a1")[REL], "approved")
        done = accept_audit(project, "a1", who="carol")
        assert done.total == 149
        with project.engine.begin() as conn:  # a reviewer approves one accepted sample after all
            looked = conn.execute(select(Sample.id).where(Sample.status == "accepted")
                                  .order_by(Sample.id)).scalars().first()
        set_status(project, [looked], "approved")
        with project.engine.connect() as conn:
            expected = sorted(conn.execute(select(Sample.original_id).where(
                Sample.status == "accepted")).scalars())
        [record] = _export(project, tmp_path / "r1")["audits"]  # type: ignore[misc]
    assert {k: record[k] for k in ("name", "max_error", "confidence", "seed", "by",
                                   "created_by", "accepted_by", "samples")} == {
        "name": "a1", "max_error": 0.05, "confidence": 0.95, "seed": 5,
        "by": ["task", "source"], "created_by": "lead", "accepted_by": "carol", "samples": 148}
    assert record["accepted_at"] and record["filters"]["tasks"] == ["Relationship"]
    [stratum] = record["strata"]
    assert {k: v for k, v in stratum.items() if k != "interval"} == {
        "stratum": "Relationship / 97-LLVIP", "key": ["Relationship", "97-LLVIP"],
        "population": 200, "planned": 51, "drawn": 51, "reviewed": 51, "errors": 0,
        "estimate": 0.0, "verdict": "accept", "accepted": 148, "accepted_in_release": 148}
    assert stratum["interval"][0] == 0.0 and 0.06 < stratum["interval"][1] < 0.08
    assert sorted(record["ids"]["Relationship"]) == expected and list(record["ids"]) == [
        "Relationship"]
