"""Exporting a release from a store: filters, edits, validation, safety, manifest, history."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete, func, select, text, update

from export_support import PREFIX, add_sample, counting, grounding, read_release_file
from irtd_annotator import cli
from irtd_annotator.domain.errors import UserError
from irtd_annotator.exporters import irtd_json
from irtd_annotator.exporters import report as report_module
from irtd_annotator.exporters.report import levenshtein
from irtd_annotator.services.project import Project
from irtd_annotator.services.release import export as export_service
from irtd_annotator.services.release import query as export_query
from irtd_annotator.services.release.export import (
    ExportCancelled,
    ExportError,
    ExportOptionError,
    ExportOptions,
    export_release,
    list_releases,
)
from irtd_annotator.store.engine import head_revision
from irtd_annotator.store.schema import Release, ReleaseSample, Sample, Shape, Turn

EDITED_ANSWER = "The target bounding box is <box>[[480, 220, 530, 260]]</box>."
ORIGINAL_ANSWER = "The target bounding box is <box>[[500, 223, 512, 238]]</box>."


@pytest.fixture()
def project(tmp_path: Path) -> Iterator[Project]:
    """Grounding 0-3 (0 edited by alice), Pedestrian Counting 0-2; one pending, one rejected."""
    with Project.open(tmp_path / "p.db") as proj:
        with proj.engine.begin() as conn:
            edited = grounding(conn, "0", (500, 223, 512, 238), frame="FLIR_02410")
            grounding(conn, "1", (10, 20, 30, 40), frame="FLIR_01615")
            grounding(conn, "2", (100, 100, 200, 200), frame="FLIR_00003", status="pending")
            grounding(conn, "3", (1, 2, 3, 4), frame="FLIR_00004", status="rejected")
            counting(conn, "0", 77, updated_by="bob")
            counting(conn, "1", 42)
            counting(conn, "2", 5, status="flagged")
            conn.execute(update(Sample).where(Sample.status == "rejected")
                         .values(reject_reason="wrong geometry"))
            _edit(conn, edited, EDITED_ANSWER, (480, 220, 530, 260), who="alice")
        yield proj


def _edit(conn: Any, sample_id: int, answer: str, box: tuple[float, float, float, float] | None,
          *, who: str = "alice") -> None:
    """Change the answer (and its box) as the review service does."""
    conn.execute(update(Turn).where(Turn.sample_id == sample_id, Turn.idx == 1)
                 .values(text=answer))
    if box is not None:
        x1, y1, x2, y2 = box
        conn.execute(update(Shape).where(Shape.sample_id == sample_id)
                     .values(x1=x1, y1=y1, x2=x2, y2=y2, outside=x2 > 640 or y2 > 512))
    conn.execute(update(Sample).where(Sample.id == sample_id)
                 .values(edited=True, updated_by=who, updated_at="2026-11-27T10:00:00.000+00:00"))


def _sample_id(project: Project, task: str, original_id: str) -> int:
    with project.engine.connect() as conn:
        return int(conn.execute(select(Sample.id).where(
            Sample.task == task, Sample.original_id == original_id)).scalar_one())


def _release_count(project: Project) -> int:
    with project.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Release)).scalar_one())


def _ids(path: Path) -> list[str]:
    return [obj["id"] for obj in read_release_file(path)]


def _siblings(out: Path) -> list[str]:
    """Whatever the export left beside the release folder (besides the project)."""
    return sorted(p.name for p in out.parent.iterdir() if not p.name.startswith("p.db"))


def test_default_export_holds_the_approved_samples_with_their_edits(project: Project,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "release"
    report = export_release(project, out, options=ExportOptions(annotator="carol"))
    assert report.by_task == {"Grounding": 2, "Pedestrian Counting": 2}
    assert sorted(p.name for p in out.iterdir()) == [
        "Detection.json", "PedestrianCounting.json", "manifest.json",
        "review_report.csv", "review_report.parquet"]
    detection = read_release_file(out / "Detection.json")
    assert [o["id"] for o in detection] == ["0", "1"]  # pending 2 and rejected 3 left out
    assert detection[0]["conversations"][1]["value"] == EDITED_ANSWER
    assert detection[0]["image"] == [PREFIX + "63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg"]
    assert json.loads((out / "Detection.json").read_text())  # a valid JSON array
    assert _ids(out / "PedestrianCounting.json") == ["0", "1"]  # flagged 2 left out
    assert _siblings(out) == ["release"]


def test_status_all_exports_every_status(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "all"
    export_release(project, out, options=ExportOptions(statuses=["all"]))
    assert _ids(out / "Detection.json") == ["0", "1", "2", "3"]
    assert _ids(out / "PedestrianCounting.json") == ["0", "1", "2"]
    export_release(project, tmp_path / "two", options=ExportOptions(statuses=["pending,flagged"]))
    assert _ids(tmp_path / "two" / "Detection.json") == ["2"]
    assert _ids(tmp_path / "two" / "PedestrianCounting.json") == ["2"]


def test_filters_by_task_source_and_annotator(project: Project, tmp_path: Path) -> None:
    export_release(project, tmp_path / "t", options=ExportOptions(tasks=["detection"]))
    assert [p.name for p in (tmp_path / "t").glob("*.json") if p.name != "manifest.json"] == [
        "Detection.json"]
    export_release(project, tmp_path / "s", options=ExportOptions(sources=["RGBTCrowdCounting"]))
    assert not (tmp_path / "s" / "Detection.json").exists()
    assert _ids(tmp_path / "s" / "PedestrianCounting.json") == ["0", "1"]
    report = export_release(project, tmp_path / "a", options=ExportOptions(annotators=["alice",
                                                                                       "bob"]))
    assert report.by_task == {"Grounding": 1, "Pedestrian Counting": 1}


def test_prefix_and_json_lines(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "jl"
    export_release(project, out, options=ExportOptions(prefix="/data/Data4MLLM/", format="jsonl"))
    lines = (out / "Detection.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == ["id", "image", "conversations"]
    assert first["image"] == ["/data/Data4MLLM/63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg"]
    export_release(project, tmp_path / "np", options=ExportOptions(prefix="/data"))
    assert read_release_file(tmp_path / "np" / "PedestrianCounting.json")[0]["image"] == [
        "/data/23-RGBTCrowdCounting/train/0_Grey.jpg"]


def test_manifest_matches_the_files_and_reports_match_the_samples(project: Project,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "release"
    export_release(project, out, options=ExportOptions(annotator="carol"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["created_by"] == "carol"
    assert manifest["schema_revision"] == head_revision()
    assert manifest["application"]["version"]
    assert manifest["filters"]["statuses"] == ["approved"]
    assert manifest["samples"] == 4
    assert manifest["by_task"] == {"Grounding": 2, "Pedestrian Counting": 2}
    assert manifest["by_source"] == {"23-RGBTCrowdCounting": 2, "63-FLIR_ADAS": 2}
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == {p.name for p in out.iterdir()} - {"manifest.json"}
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        if entry["task"]:
            assert entry["samples"] == len(read_release_file(out / name))

    csv = pd.read_csv(out / "review_report.csv", dtype={"id": str})
    parquet = pd.read_parquet(out / "review_report.parquet")
    for frame in (csv, parquet):
        assert len(frame) == 4
        edited = frame[frame["edited"]]
        assert list(edited["id"]) == ["0"] and list(edited["task"]) == ["Grounding"]
        # [[500, 223, 512, 238]] -> [[480, 220, 530, 260]]: 7 characters change
        # (5->4 0->8, 3->0, 12->30, 38->60)
        assert edited["edit_distance"].tolist() == [7]
        assert edited["annotator"].tolist() == ["alice"]
        assert int(frame["edit_distance"].sum()) == 7


def test_invalid_samples_are_left_out_and_listed_or_included(project: Project,
                                                             tmp_path: Path) -> None:
    outside = _sample_id(project, "Grounding", "1")
    garbled = _sample_id(project, "Pedestrian Counting", "1")
    with project.engine.begin() as conn:
        _edit(conn, outside, "The target bounding box is <box>[[600, 20, 700, 40]]</box>.",
              (600, 20, 700, 40))
        _edit(conn, garbled, "about forty people", None)
    report = export_release(project, tmp_path / "strict")
    assert report.by_task == {"Grounding": 1, "Pedestrian Counting": 1}
    problems = {(s.task, s.id): s.problems for s in report.left_out}
    assert set(problems) == {("Grounding", "1"), ("Pedestrian Counting", "1")}
    assert "outside the 640x512 image" in problems[("Grounding", "1")][0]
    assert "unparseable answer" in problems[("Pedestrian Counting", "1")][0]
    assert "Grounding #1" in report.summary()
    manifest = json.loads((tmp_path / "strict" / "manifest.json").read_text())
    assert {(s["task"], s["id"]) for s in manifest["left_out"]} == set(problems)
    assert _ids(tmp_path / "strict" / "Detection.json") == ["0"]

    report = export_release(project, tmp_path / "lax", options=ExportOptions(include_invalid=True))
    assert report.by_task == {"Grounding": 2, "Pedestrian Counting": 2}
    assert not report.left_out and len(report.included_invalid) == 2
    frame = pd.read_parquet(tmp_path / "lax" / "review_report.parquet")
    assert sorted(frame[frame["problems"] != ""]["id"]) == ["1", "1"]


def test_unedited_sample_outside_the_image_is_exported_as_released(tmp_path: Path) -> None:
    # FLIR boxes reach x=641 in the released data: kept, since nobody changed them.
    with Project.open(tmp_path / "p.db") as project:
        with project.engine.begin() as conn:
            grounding(conn, "0", (600, 10, 641, 30))
        report = export_release(project, tmp_path / "r")
    assert report.by_task == {"Grounding": 1} and not report.left_out


def test_failure_midway_leaves_nothing(project: Project, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = irtd_json.ReleaseFileWriter.write_batch
    calls = {"n": 0}

    def failing_write(self: irtd_json.ReleaseFileWriter, samples: Any) -> list[str]:
        calls["n"] += 1  # the first task's file is written, the second one fails
        if calls["n"] > 1:
            raise OSError("disk full")
        return real_write(self, samples)

    monkeypatch.setattr(irtd_json.ReleaseFileWriter, "write_batch", failing_write)
    out = tmp_path / "release"
    with pytest.raises(ExportError, match=f"could not write the release to {out}: disk full"):
        export_release(project, out)
    assert _siblings(out) == []
    assert _release_count(project) == 0

    calls["n"] = -10**9  # writes work again; now an interrupt arrives while writing the report
    monkeypatch.setattr(report_module.ReviewReportWriter, "add_columns",
                        lambda self, columns: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        export_release(project, out)
    assert _siblings(out) == []
    assert _release_count(project) == 0


@pytest.mark.parametrize("cancel_on_call", [1, 2])
def test_cancel_leaves_nothing(project: Project, tmp_path: Path, cancel_on_call: int) -> None:
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] >= cancel_on_call

    out = tmp_path / "release"
    with pytest.raises(ExportCancelled):
        export_release(project, out, cancel=cancel)
    assert calls["n"] == cancel_on_call  # 1: while streaming, 2: just before the rename
    assert _siblings(out) == []
    assert _release_count(project) == 0


def test_failed_recording_puts_the_old_release_back(project: Project, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "release"
    export_release(project, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(export_service, "record_release", broken)
    with pytest.raises(UserError, match="could not be recorded"):
        export_release(project, out, options=ExportOptions(statuses=["all"], force=True))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _siblings(out) == ["release"]
    assert _release_count(project) == 1


def test_non_empty_folder_needs_force(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "release"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for force in (False, True):  # not a release: never replaced, and --force is not offered
        with pytest.raises(UserError, match="not a release of irtd-annotator") as refused:
            export_release(project, out, options=ExportOptions(force=force))
        assert "--force" not in str(refused.value)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert _release_count(project) == 0

    (out / "notes.txt").unlink()
    export_release(project, out)
    with pytest.raises(UserError, match="holds a release; use --force"):
        export_release(project, out)
    export_release(project, out, options=ExportOptions(force=True, statuses=["all"]))
    assert (out / "manifest.json").exists()
    assert _siblings(out) == ["release"]

    empty = tmp_path / "empty"
    empty.mkdir()
    export_release(project, empty)  # an empty folder is simply used
    assert (empty / "Detection.json").exists()


def test_the_project_folder_and_unwritable_places_are_refused(project: Project,
                                                              tmp_path: Path) -> None:
    with pytest.raises(UserError, match="holds the project"):
        export_release(project, tmp_path, options=ExportOptions(force=True))
    assert (tmp_path / "p.db").exists()
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ExportError, match="could not write the release"):
        export_release(project, tmp_path / "a-file" / "release")
    assert _release_count(project) == 0


def test_nothing_to_export_is_a_user_error(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        with project.engine.begin() as conn:
            counting(conn, "0", 3, status="pending")
        with pytest.raises(UserError, match="no sample matches status approved"):
            export_release(project, tmp_path / "r")
    assert _siblings(tmp_path / "r") == []


def test_bad_options_are_user_errors() -> None:
    with pytest.raises(ExportOptionError, match="unknown status"):
        ExportOptions(statuses=["aproved"])
    with pytest.raises(ExportOptionError, match="unknown task"):
        ExportOptions(tasks=["Segmentation"])
    with pytest.raises(ExportOptionError, match="unknown format"):
        ExportOptions(format="xml")
    assert ExportOptions(tasks=["detection", "ReID", "aerial counting"]).tasks == (
        "Grounding", "Re-ID", "Aerial Counting")
    assert ExportOptions(statuses=["approved", "all"]).status_filter is None


def test_second_release_says_what_changed(project: Project, tmp_path: Path) -> None:
    first = export_release(project, tmp_path / "r1")
    assert first.changes is None
    with project.engine.begin() as conn:
        _edit(conn, _sample_id(project, "Pedestrian Counting", "0"), "<num>78</num>", None)
        conn.execute(update(Sample).where(Sample.task == "Grounding", Sample.original_id == "2")
                     .values(status="approved"))
        conn.execute(update(Sample).where(Sample.task == "Grounding", Sample.original_id == "1")
                     .values(status="rejected"))
    second = export_release(project, tmp_path / "r2")
    assert second.changes is not None
    assert (second.changes.previous_id, second.changes.added, second.changes.removed,
            second.changes.changed) == (first.release_id, 1, 1, 1)
    assert second.changes.examples == {"added": ("Grounding #2",), "removed": ("Grounding #1",),
                                       "changed": ("Pedestrian Counting #0",)}
    with project.engine.connect() as conn:
        counts = dict(conn.execute(select(ReleaseSample.release_id, func.count())
                                   .group_by(ReleaseSample.release_id)).all())
        assert counts == {first.release_id: 4, second.release_id: 4}
    table = list_releases(project)
    assert table.count("approved") == 2 and str(tmp_path / "r2") in table


def test_cli_export_and_releases(project: Project, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "p.db")
    out = str(tmp_path / "cli-release")
    assert cli.main(["releases", "--db", db]) == 0
    assert "no releases yet" in capsys.readouterr().out
    assert cli.main(["export", "--db", db, "--out", out, "--annotator", "dora", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "4 samples exported" in printed and "first release" in printed
    assert _ids(Path(out) / "Detection.json") == ["0", "1"]

    assert cli.main(["export", "--db", db, "--out", out]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli.main(["export", "--db", db, "--out", out, "--force", "--status", "all",
                     "--task", "Detection"]) == 0
    printed = capsys.readouterr().out
    assert "since release 1" in printed and "2 added, 2 removed, 0 changed" in printed
    assert cli.main(["export", "--db", db, "--out", out, "--status", "maybe"]) == 2
    assert "unknown status maybe" in capsys.readouterr().err

    assert cli.main(["releases", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "dora" in listing and "all" in listing
    with project.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM releases")).scalar() == 2


def test_a_sample_of_an_unknown_task_is_left_out_whatever_the_options(project: Project,
                                                                       tmp_path: Path) -> None:
    with project.engine.begin() as conn:
        add_sample(conn, task="Segmentation", original_id="0", rel_path="9-X/a.jpg",
                   turns=[("human", "<image>\nSegment."), ("gpt", "done")])
    report = export_release(project, tmp_path / "r", options=ExportOptions(include_invalid=True))
    assert [(s.task, s.problems) for s in report.left_out] == [
        ("Segmentation", ("unknown task 'Segmentation'",))]
    assert report.by_task == {"Grounding": 2, "Pedestrian Counting": 2}


def test_a_turn_changed_without_the_edited_flag_is_checked_and_reported(project: Project,
                                                                       tmp_path: Path) -> None:
    sample_id = _sample_id(project, "Grounding", "1")
    outside = "The target bounding box is <box>[[600, 500, 700, 600]]</box>."
    with project.engine.begin() as conn:  # the text differs from the original; edited stays off
        conn.execute(update(Turn).where(Turn.sample_id == sample_id, Turn.idx == 1)
                     .values(text=outside))
        original = conn.execute(select(Turn.original).where(
            Turn.sample_id == sample_id, Turn.idx == 1)).scalar_one()
    report = export_release(project, tmp_path / "r")
    assert [(s.task, s.id, s.problems) for s in report.left_out] == [
        ("Grounding", "1", ("box [600, 500, 700, 600] lies outside the 640x512 image",))]
    report = export_release(project, tmp_path / "r2",
                            options=ExportOptions(include_invalid=True))
    frame = pd.read_csv(tmp_path / "r2" / "review_report.csv", dtype={"id": str})
    row = frame[(frame["task"] == "Grounding") & (frame["id"] == "1")]
    assert row["edit_distance"].tolist() == [levenshtein(original, outside)]
    assert "outside the 640x512 image" in row["problems"].tolist()[0]


def test_every_sample_keeps_its_own_turns_across_chunks(project: Project, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_query, "CHUNK", 2)  # 6 approved samples: 3 chunks
    with project.engine.begin() as conn:
        bare = counting(conn, "3", 9)
        counting(conn, "4", 11)
        conn.execute(delete(Turn).where(Turn.sample_id == bare))  # a sample without turns
    calls: list[tuple[int, int]] = []
    export_release(project, tmp_path / "r",
                   progress=lambda done, total, _what: calls.append((done, total)))
    assert calls == [(2, 6), (4, 6), (6, 6)]
    counted = read_release_file(tmp_path / "r" / "PedestrianCounting.json")
    assert [(o["id"], [t["value"] for t in o["conversations"]][1:]) for o in counted] == [
        ("0", ["<num>77</num>"]), ("1", ["<num>42</num>"]), ("3", []), ("4", ["<num>11</num>"])]
    grounded = read_release_file(tmp_path / "r" / "Detection.json")
    assert [(o["id"], o["conversations"][1]["value"]) for o in grounded] == [
        ("0", EDITED_ANSWER), ("1", "The target bounding box is <box>[[10, 20, 30, 40]]</box>.")]


def test_report_edit_distance_counts_prompt_edits(project: Project, tmp_path: Path) -> None:
    sample_id = _sample_id(project, "Grounding", "1")
    with project.engine.begin() as conn:
        conn.execute(update(Turn).where(Turn.sample_id == sample_id, Turn.idx == 0)
                     .values(text=Turn.text + " Look closely."))
        conn.execute(update(Sample).where(Sample.id == sample_id).values(edited=True))
    export_release(project, tmp_path / "r")
    report = pd.read_csv(tmp_path / "r" / "review_report.csv", dtype={"id": str})
    distances = dict(zip(report["task"] + " #" + report["id"], report["edit_distance"]))
    assert distances["Grounding #1"] == len(" Look closely.")
