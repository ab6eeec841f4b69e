"""The acceptance line: import the 8 released files, approve all, export: the same samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from conftest import RELEASED_COUNTS
from export_support import read_release_file
from irtd_annotator.services.export import ExportOptions, ExportReport, export_release
from irtd_annotator.services.importing import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Sample


ORIGINAL_PREFIX = "/mnt/jixie16t/zhe/Dataset/Datasets/Data4MLLM/"


@pytest.fixture(scope="module")
def releases(irtd_files: Path,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, ExportReport]]:
    """Import the 8 files, approve all, export as imported, then as JSON Lines with a prefix."""
    base = tmp_path_factory.mktemp("roundtrip")
    with Project.open(base / "p.db") as project:
        files = sorted(irtd_files.glob("*.json"))
        assert len(files) == 8
        import_files(project, files, options=ImportOptions())
        with project.engine.begin() as conn:
            conn.execute(update(Sample).values(status="approved"))
        first = export_release(project, base / "release", options=ExportOptions(prefix=None))
        second = export_release(project, base / "jsonl", options=ExportOptions(
            prefix=ORIGINAL_PREFIX, format="jsonl"))
    return {"json": (base / "release", first), "jsonl": (base / "jsonl", second)}


@pytest.fixture()
def exported(releases: dict[str, tuple[Path, ExportReport]]) -> tuple[Path, ExportReport]:
    return releases["json"]


def test_every_released_file_comes_back_sample_for_sample(
        exported: tuple[Path, ExportReport], irtd_files: Path) -> None:
    out, report = exported
    assert not report.left_out
    assert sum(report.by_task.values()) == 40_200
    for name, count in RELEASED_COUNTS.items():
        original = read_release_file(irtd_files / name)
        written = json.loads((out / name).read_text(encoding="utf-8"))  # a valid JSON array
        assert len(written) == count, name
        assert written == original, name
        assert [list(o) for o in written[:3]] == [["id", "image", "conversations"]] * 3


def test_released_layout_is_kept_where_the_original_has_it(
        exported: tuple[Path, ExportReport], irtd_files: Path) -> None:
    out, _ = exported
    # Location.json is written exactly as released; the others differ in brackets only.
    assert (out / "Location.json").read_bytes() == (irtd_files / "Location.json").read_bytes()


def test_manifest_of_the_full_release(exported: tuple[Path, ExportReport]) -> None:
    out, report = exported
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["samples"] == 40_200
    by_file = {f["name"]: f["samples"] for f in manifest["files"] if f["task"]}
    assert by_file == RELEASED_COUNTS
    assert manifest["by_source"]["63-FLIR_ADAS"] == 2789 + 14979 + 5205 + 7859
    assert report.changes is None


def test_prefix_and_json_lines_rebuild_the_same_samples(
        releases: dict[str, tuple[Path, ExportReport]], irtd_files: Path) -> None:
    out, report = releases["jsonl"]
    for name in RELEASED_COUNTS:
        jsonl = out / name.replace(".json", ".jsonl")
        assert read_release_file(jsonl) == read_release_file(irtd_files / name), name
    # Same JSON as the first release, sample for sample: nothing changed.
    assert report.changes is not None
    assert (report.changes.added, report.changes.removed, report.changes.changed) == (0, 0, 0)
