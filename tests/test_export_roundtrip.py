"""The acceptance line: import the 8 released files, approve all, export: the same samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from conftest import RELEASED_COUNTS
from export_support import read_release_file
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, ExportReport, export_release
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


def test_the_seven_valid_released_files_come_back_byte_for_byte(
        exported: tuple[Path, ExportReport], irtd_files: Path) -> None:
    out, _ = exported
    # Each in its own layout: "[{" or "[" alone, "}]" with or without a final newline,
    # ReID.json indented one level deeper (remembered at import).
    for name in RELEASED_COUNTS:
        if name != "Detection.json":
            assert (out / name).read_bytes() == (irtd_files / name).read_bytes(), name
    # Detection.json is not valid JSON as released: valid now, in the nearest layout.
    original = (irtd_files / "Detection.json").read_text(encoding="utf-8")
    written = (out / "Detection.json").read_text(encoding="utf-8")
    assert written == "[\n" + original.removesuffix(",\n") + "\n]\n"


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


@pytest.mark.parametrize("dumps", [
    dict(indent=2, ensure_ascii=True), dict(indent="\t"), dict(indent=None),
])
def test_other_layouts_come_back_byte_for_byte(tmp_path: Path, dumps: dict[str, object],
                                               irtd_files: Path) -> None:
    samples = json.loads((irtd_files / "Recognition.json").read_text(encoding="utf-8"))[:3]
    samples[1]["conversations"][1]["value"] = "(A) caf\u00e9 \u2014 \u00e9t\u00e9"
    name = "Recognition.json"
    text = json.dumps(samples, **dumps)  # type: ignore[arg-type]
    (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    with Project.open(tmp_path / "p.db") as project:
        import_files(project, [tmp_path / name], options=ImportOptions())
        export_release(project, tmp_path / "out", options=ExportOptions(statuses=["all"]))
    written = (tmp_path / "out" / name).read_bytes()
    if dumps.get("indent") == "\t":  # not json.dumps' own: the nearest, still the same samples
        assert json.loads(written) == samples
    else:
        assert written == (tmp_path / name).read_bytes()
