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


def _dump(target: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the mapped tables, in primary-key order, read the same way on both stores."""
    from sqlalchemy import select

    from irtd_annotator.store.schema import Base

    with Project.open(target, create=False) as project, project.engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


def test_reimport_keeps_a_reviewers_work_on_each_store(store_target: str, irtd_files: Path,
                                                       tmp_path: Path) -> None:
    """ADR 0014 on both stores: an unchanged file changes no row; changed LLM text under a
    reviewed Sample keeps the review and marks a conflict; an untouched one takes the text."""
    from irtd_annotator.domain.model import CoordSpace, Point
    from irtd_annotator.services.review.editing import AnswerEditing

    samples = json.loads((irtd_files / "PedestrianCounting.json").read_text())[:20]
    path = tmp_path / "PedestrianCounting.json"
    path.write_text(json.dumps(samples, indent=4))
    _import(store_target, path)
    with Project.open(store_target, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        first, second = session.query_ids(QueueFilter())[:2]
        AnswerEditing(project, annotator="Ada").set_markers(
            first, [Point(10, 10, "", CoordSpace.PIXEL), Point(20, 20, "", CoordSpace.PIXEL)])
        session.set_status(first, "rejected", reason="wrong count", note="one hidden")
    before = _dump(store_target)
    _import(store_target, path)
    assert _dump(store_target) == before

    changed = [dict(s, conversations=[dict(t) for t in s["conversations"]]) for s in samples]
    for s in changed[:2]:
        s["conversations"][1]["value"] = "<num>99</num>"
    path.write_text(json.dumps(changed, indent=4))
    _import(store_target, path)
    with Project.open(store_target, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        kept, taken = session.sample(first), session.sample(second)
        markers = _dump(store_target)["shapes"]
    assert (kept.status, kept.reject_reason, kept.note) == ("rejected", "wrong count",
                                                            "one hidden")
    assert "reimport-conflict" in kept.warnings
    assert kept.turns[1].original == "<num>99</num>" != kept.turns[1].text
    assert sum(1 for row in markers if "marker" in row) == 2
    assert taken.status == "pending" and taken.turns[1].text == "<num>99</num>"
    assert "reimport-conflict" not in taken.warnings
