"""Issue 14's acceptance on the 40,200 real IR-TD samples: an audit of Relationship whose
drawn samples are all approved ends in accept and ``audit accept`` accepts the rest, so the
export of approved and accepted holds all of Relationship; an audit whose drawn samples are
rejected ends in reject and ``audit accept`` refuses with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from irtd_annotator import cli
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, export_release
from irtd_annotator.store.schema import Revision, Sample


def _counts(db: Path, task: str) -> dict[str, int]:
    with Project.open(db, create=False) as project, project.engine.connect() as conn:
        return {str(k): int(v) for k, v in conn.execute(
            select(Sample.status, func.count()).where(Sample.task == task)
            .group_by(Sample.status))}


def _status(db: Path, name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert cli.main(["audit", "status", "--db", str(db), "--name", name, "--json"]) == 0
    [status] = json.loads(capsys.readouterr().out)
    return dict(status)


def test_real_audits_accept_relationship_and_refuse_a_rejected_one(
        tmp_path: Path, irtd_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "irtd.db"
    with Project.open(db) as project:
        assert import_files(project, sorted(irtd_files.glob("*.json")),
                            options=ImportOptions()).total("added") == 40_200
    relationship = sum(_counts(db, "Relationship").values())
    audit = ["audit", "create", "--db", str(db), "--max-error", "0.05", "--confidence", "0.95",
             "--seed", "14"]
    assert cli.main([*audit, "--name", "rel", "--task", "Relationship"]) == 0
    plan = capsys.readouterr().out
    assert f"{relationship:,}" in plan.splitlines()[-2]  # the total line: population, sample
    assert cli.main(["review", "--db", str(db), "--audit", "rel", "--approve", "--yes",
                     "--annotator", "ann"]) == 0
    capsys.readouterr()
    status = _status(db, "rel", capsys)
    strata = status["strata"]
    assert isinstance(strata, list) and strata
    assert {s["verdict"] for s in strata} == {"accept"}
    drawn = sum(s["drawn"] for s in strata)
    assert all(s["drawn"] == s["reviewed"] and s["errors"] == 0 for s in strata)

    assert cli.main(["audit", "accept", "--db", str(db), "--name", "rel", "--yes",
                     "--annotator", "lead"]) == 0
    assert f"accepted {relationship - drawn:,} samples by audit rel:" in capsys.readouterr().out
    assert _counts(db, "Relationship") == {"approved": drawn, "accepted": relationship - drawn}
    with Project.open(db, create=False) as project:
        with project.engine.connect() as conn:
            assert conn.execute(select(func.count()).where(
                Revision.new == "accepted (by audit rel)")).scalar_one() == relationship - drawn
        report = export_release(project, tmp_path / "out", options=ExportOptions(
            statuses=("all",), tasks=("Relationship",)))
    # every Relationship sample is approved or accepted now, so "all" here is approved+accepted
    assert report.by_task == {"Relationship": relationship}
    [record] = report.manifest["audits"]
    assert record["samples"] == relationship - drawn

    # a second audit whose drawn samples are rejected: reject, and accept refuses
    assert cli.main([*audit, "--name", "sec", "--task", "Security"]) == 0
    assert cli.main(["review", "--db", str(db), "--audit", "sec", "--reject", "hallucination",
                     "--yes"]) == 0
    capsys.readouterr()
    assert {s["verdict"] for s in _status(db, "sec", capsys)["strata"]} == {"reject"}
    before = _counts(db, "Security")
    assert cli.main(["audit", "accept", "--db", str(db), "--name", "sec", "--yes"]) == 1
    out = capsys.readouterr().out
    assert "accepted 0 samples by audit sec:" in out
    assert "verdict reject:" in out and "the error rate is above 5.0% at 95% confidence" in out
    assert _counts(db, "Security") == before
