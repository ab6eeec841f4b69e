"""The same reviewer's path on both kinds of store: an SQLite file and a PostgreSQL server.

The PostgreSQL half runs against the server `.ci/run` starts (``pg_url`` in conftest.py) and
is skipped, with one line saying why, where none is running.
"""

from __future__ import annotations

import json
from pathlib import Path

from irtd_annotator.cli import main
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, export_release
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.stats import project_stats


def _import(target: str, *files: Path) -> None:
    assert main(["import", *map(str, files), "--db", target, "--quiet"]) == 0


def test_import_review_and_export_on_each_store(store_target: str, irtd_files: Path,
                                                tmp_path: Path) -> None:
    _import(store_target, irtd_files / "PedestrianCounting.json")
    with Project.open(store_target, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        ids = session.query_ids(QueueFilter())
        assert len(ids) == 1030
        for sample_id in ids[:3]:
            session.set_status(sample_id, "approved")
        session.set_status(ids[3], "rejected", reason="wrong count", note="two hidden")
        stats = project_stats(project).as_dict()
        report = export_release(project, tmp_path / "release", options=ExportOptions())
        approved = [session.sample(i).original_id for i in ids[:3]]
    assert stats["by_status"] == {"approved": 3, "pending": 1026, "rejected": 1}
    assert report.sample_count == 3
    exported = json.loads((tmp_path / "release" / "PedestrianCounting.json").read_text())
    original = {s["id"]: s for s in json.loads(
        (irtd_files / "PedestrianCounting.json").read_text())}
    assert [s["id"] for s in exported] == approved
    assert all(s == original[s["id"]] for s in exported)


def test_reimport_of_the_same_file_changes_nothing_on_each_store(store_target: str,
                                                                 irtd_files: Path) -> None:
    _import(store_target, irtd_files / "PedestrianCounting.json")
    with Project.open(store_target, create=False) as project:
        before = project_stats(project).as_dict()
    _import(store_target, irtd_files / "PedestrianCounting.json")
    with Project.open(store_target, create=False) as project:
        assert project_stats(project).as_dict() == before
