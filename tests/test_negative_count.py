"""A negative count (``<num>-3</num>``) is imported with a warning, not in silence; an export
keeps it as released unless a person changed the sample (ADR 0008)."""

from __future__ import annotations

from pathlib import Path

from export_support import read_release_file
from import_support import PREFIX, query, sample, write_samples
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import ExportOptions, export_release
from irtd_annotator.services.review.session import ReviewSession

PROMPT = "<image>\nCalculate the number of pedestrians in the picture."


def counting_file(tmp_path: Path) -> Path:
    image = f"{PREFIX}23-RGBTCrowdCounting/train/{{}}_Grey.jpg"
    return write_samples(tmp_path / "PedestrianCounting.json", [
        sample("0", [image.format(1)], PROMPT, "<num>-3</num>"),
        sample("1", [image.format(2)], PROMPT, "<num>4</num>"),
        sample("2", [image.format(3)], PROMPT, "There are <num> -12 </num> people.")])


def warnings_by_id(db: Path) -> dict[str, str | None]:
    return dict(query(db, "SELECT original_id, warnings FROM samples ORDER BY id"))


def test_a_negative_count_is_imported_with_a_warning_in_the_summary(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        report = import_files(project, [counting_file(tmp_path)], options=ImportOptions())
    assert report.ok and report.total("added") == 3  # imported, nothing refused
    assert report.warnings == {"negative-count": 2}
    assert "samples with warnings (queue filter 'Warnings'): negative-count 2" in report.summary()
    assert warnings_by_id(db) == {"0": "negative-count", "1": None, "2": "negative-count"}
    assert query(db, "SELECT count FROM samples ORDER BY id") == [(-3,), (4,), (-12,)]


def test_an_edit_to_a_negative_count_warns_and_the_export_leaves_it_out(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, [counting_file(tmp_path)], options=ImportOptions())
        ids = dict(query(db, "SELECT original_id, id FROM samples"))
        session = ReviewSession(project, annotator="Ada")
        session.edit_turn(ids["1"], 1, "<num>-4</num>")  # a typo
        session.edit_turn(ids["2"], 1, "<num>12</num>")  # the fix of a released one
        assert warnings_by_id(db) == {"0": "negative-count", "1": "negative-count", "2": None}
        report = export_release(project, tmp_path / "out",
                                options=ExportOptions(statuses=["all"]))
    # The released sample is exported as released (ADR 0008); the edited one is checked.
    exported = read_release_file(tmp_path / "out" / "PedestrianCounting.json")
    assert [(s["id"], s["conversations"][1]["value"]) for s in exported] == [
        ("0", "<num>-3</num>"), ("2", "<num>12</num>")]
    (left,) = report.left_out
    assert left.id == "1" and any("negative" in p for p in left.problems)
