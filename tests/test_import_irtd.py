"""Importing IR-TD JSON: the 8 real files, re-import, bad files, --skip-bad, conflicts, the CLI."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import RELEASED_COUNTS
from import_support import (
    GROUNDING_PROMPT,
    LOCATION_PROMPT,
    SECURITY_PROMPT,
    box_answer,
    dump_store,
    flir_image,
    grounding,
    points_answer,
    query,
    sample,
    write_samples,
)
from irtd_annotator import cli
from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.tasks import task_from_file_name
from irtd_annotator.services.importing.files import (
    ImportCancelled,
    ImportOptions,
    ImportReport,
    import_files,
)
from irtd_annotator.services.project import Project


def run_import(db: Path, files: list[Path], **options: Any) -> ImportReport:
    with Project.open(db) as project:
        return import_files(project, files, options=ImportOptions(**options))


# ---------------------------------------------------------------- the 8 released files


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, irtd_files: Path) -> dict[str, Any]:
    """The 8 real files imported once, then once again; the store dumped between."""
    db = tmp_path_factory.mktemp("real") / "irtd.db"
    files = sorted(irtd_files.glob("*.json"))
    first = run_import(db, files)
    before = dump_store(db)
    second = run_import(db, files)
    return {"db": db, "first": first, "second": second, "before": before, "after": dump_store(db)}


def test_real_files_give_40200_samples_with_the_released_counts(real: dict[str, Any]) -> None:
    report: ImportReport = real["first"]
    assert report.ok and report.total("added") == 40_200 == sum(RELEASED_COUNTS.values())
    added = {f.file: f.added for f in report.files}
    assert added == RELEASED_COUNTS
    for f in report.files:
        assert f.tasks == {task_from_file_name(f.file).value: RELEASED_COUNTS[f.file]}
    per_file = dict(query(real["db"], "SELECT source_file, count(*) FROM samples GROUP BY source_file"))
    assert per_file == RELEASED_COUNTS
    per_task = dict(query(real["db"], "SELECT task, count(*) FROM samples GROUP BY task"))
    assert per_task["Grounding"] == 2789 and per_task["Re-ID"] == 3733
    # 40,200 samples on 17,227 images: one Pair per image.
    assert query(real["db"], "SELECT count(*) FROM pairs") == [(17_227,)]


def test_every_grounding_sample_has_one_box_and_every_location_sample_its_points(
        real: dict[str, Any]) -> None:
    db = real["db"]
    boxes = query(db, "SELECT s.id, count(h.id) FROM samples s LEFT JOIN shapes h "
                      "ON h.sample_id = s.id AND h.kind = 'box' WHERE s.task = 'Grounding' "
                      "GROUP BY s.id")
    assert len(boxes) == 2789 and {n for _id, n in boxes} == {1}
    rows = query(db, "SELECT t.text, (SELECT count(*) FROM shapes h WHERE h.sample_id = s.id "
                     "AND h.kind = 'point') FROM samples s JOIN turns t ON t.sample_id = s.id "
                     "AND t.idx = 1 WHERE s.task = 'Location'")
    assert len(rows) == 14979
    for answer, points in rows:
        assert points == len(re.findall(r"\(\s*-?\d", answer)) > 0
    # The first samples of the files, as printed in the format notes.
    assert query(db, "SELECT h.label, h.space, h.x1, h.y1, h.x2, h.y2, h.outside FROM shapes h "
                     "JOIN samples s ON s.id = h.sample_id WHERE s.task='Grounding' "
                     "AND s.original_id='0'") == [("person", "pixel", 500, 223, 512, 238, 0)]
    assert query(db, "SELECT h.label, h.space, h.x1, h.y1 FROM shapes h JOIN samples s "
                     "ON s.id = h.sample_id WHERE s.task='Location' AND s.original_id='0' "
                     "AND h.idx = 0") == [("car", "norm1000", 48, 628)]
    assert query(db, "SELECT answer_space FROM samples WHERE task='Location' LIMIT 1") == [("norm1000",)]
    assert query(db, "SELECT count, options FROM samples WHERE task='Aerial Counting' "
                     "AND original_id='0'") == [(21, None)]
    assert query(db, "SELECT options FROM samples WHERE task='Security' AND original_id='0'") == [("ABD",)]


def test_real_pairs_know_their_source_visible_counterpart_and_missing_images(
        real: dict[str, Any]) -> None:
    db = real["db"]
    flir = query(db, "SELECT rel_path, source, ir_path, visible_path, aligned, ir_exists FROM pairs "
                     "WHERE rel_path = '63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg'")
    # No image root given: the images are looked for where the file names them.
    authors = "/mnt/jixie16t/zhe/Dataset/Datasets/Data4MLLM/63-FLIR_ADAS/training/"
    assert flir == [("63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg", "63-FLIR_ADAS",
                     authors + "PreviewData/FLIR_02410.jpeg", authors + "RGB/FLIR_02410.jpg", 0, 0)]
    assert query(db, "SELECT count(*) FROM pairs WHERE source LIKE '%-LLCM' AND visible_path IS NOT NULL") == [(0,)]
    assert query(db, "SELECT count(*) FROM pairs WHERE source = '23-RGBTCrowdCounting' "
                     "AND visible_path NOT LIKE '%\\_RGB.jpg' ESCAPE '\\'") == [(0,)]
    assert query(db, "SELECT count(*) FROM samples WHERE status = 'pending' AND edited = 0") == [(40_200,)]


def test_second_import_of_the_same_files_changes_nothing(real: dict[str, Any]) -> None:
    second: ImportReport = real["second"]
    assert second.total("added") == 0 and second.total("updated") == 0
    assert {f.file: f.unchanged for f in second.files} == RELEASED_COUNTS
    assert "40,200 unchanged" in second.summary()
    assert real["after"] == real["before"]  # not a row more, not a value changed


def test_one_import_revision_per_file_with_its_counts(real: dict[str, Any]) -> None:
    revisions = query(real["db"], "SELECT who, action, target, new FROM revisions")
    assert sorted(r[2] for r in revisions) == sorted(RELEASED_COUNTS)
    for who, action, target, new in revisions:
        assert (who, action) == ("import", "import")
        assert json.loads(new)["added"] == RELEASED_COUNTS[target]


# ---------------------------------------------------------------- file forms


def test_detection_quirk_string_image_json_lines_and_multi_turn(tmp_path: Path) -> None:
    concat = write_samples(tmp_path / "Detection.json",
                           [grounding(0, 1, (1, 2, 3, 4)), grounding(1, 2, (5, 6, 7, 8))],
                           form="concat")
    assert concat.read_text().rstrip().endswith("},")  # no [ ], a trailing comma
    lines = write_samples(tmp_path / "Location.jsonl", [
        sample(7, flir_image(3), LOCATION_PROMPT, points_answer((10, 20))),  # int id, string image
        sample("8", [flir_image(3)], LOCATION_PROMPT, points_answer((30, 40), (50, 60)),
               "And the persons?", "<ref>person</ref> at <pos>[(70, 80)]</pos>"),
    ], form="jsonl")
    db = tmp_path / "p.db"
    report = run_import(db, [concat, lines])
    assert [(f.file, f.added) for f in report.files] == [("Detection.json", 2), ("Location.jsonl", 2)]
    assert query(db, "SELECT task, original_id, image, image_as_list FROM samples ORDER BY id") == [
        ("Grounding", "0", flir_image(1), 1), ("Grounding", "1", flir_image(2), 1),
        ("Location", "7", flir_image(3), 0), ("Location", "8", flir_image(3), 1)]
    turns = query(db, "SELECT t.idx, t.role, t.text FROM turns t JOIN samples s ON s.id = t.sample_id "
                      "WHERE s.original_id = '8' ORDER BY t.idx")
    assert [(i, r) for i, r, _t in turns] == [(0, "human"), (1, "gpt"), (2, "human"), (3, "gpt")]
    assert turns[3][2] == "<ref>person</ref> at <pos>[(70, 80)]</pos>"
    # The first exchange carries the task's geometry.
    assert query(db, "SELECT count(*) FROM shapes h JOIN samples s ON s.id = h.sample_id "
                     "WHERE s.original_id = '8'") == [(2,)]
    assert query(db, "SELECT count(*) FROM pairs") == [(3,)]  # FLIR_00003 shared by both


# ---------------------------------------------------------------- bad files


@pytest.fixture()
def filled(tmp_path: Path) -> Path:
    """A project that already holds samples (and a Pair, a revision, settings)."""
    db = tmp_path / "filled.db"
    good = write_samples(tmp_path / "Detection.json", [grounding(i, i, (1, 2, 30, 40)) for i in range(3)])
    run_import(db, [good], image_roots={"*": str(tmp_path / "images")})
    return db


GOOD = grounding(0, 10, (1, 2, 3, 4))
# In a pretty-printed array, "[" is line 1 and GOOD fills the lines after it.
BAD_SAMPLE_LINE = 2 + len(json.dumps(GOOD, indent=4).split("\n"))


@pytest.mark.parametrize("case", [
    "invalid-json", "no-conversations", "id-type", "conversations-type", "value-type",
    "turn-order", "odd-turns", "bad-markup", "reversed-box", "escaping-path", "absolute-path",
])
def test_bad_file_names_file_sample_and_line_and_leaves_the_store_as_it_was(
        tmp_path: Path, filled: Path, case: str) -> None:
    bad = grounding(41, 11, (1, 2, 3, 4))
    reason = {
        "no-conversations": "has no conversations",
        "id-type": "id must be",
        "conversations-type": "conversations must be a list",
        "value-type": "turn 1 value must be a string",
        "turn-order": "turn 0 must be from 'human'",
        "odd-turns": "even number of turns",
        "bad-markup": "cannot be parsed",
        "reversed-box": "cannot be parsed",
        "escaping-path": "escapes its image root",
        "absolute-path": "is absolute",
        "invalid-json": "invalid JSON",
    }[case]
    sample_id = "41"
    if case == "no-conversations":
        del bad["conversations"]
    elif case == "id-type":
        bad["id"], sample_id = ["41"], None
    elif case == "conversations-type":
        bad["conversations"] = {"from": "human"}
    elif case == "value-type":
        bad["conversations"][1]["value"] = 12
    elif case == "turn-order":
        bad["conversations"].reverse()
    elif case == "odd-turns":
        bad["conversations"].append({"from": "human", "value": "more?"})
    elif case == "bad-markup":
        bad["conversations"][1]["value"] = "The target bounding box is <box>[[1, 2, 3]]</box>."
    elif case == "reversed-box":
        bad["conversations"][1]["value"] = box_answer(30, 2, 10, 4)
    elif case == "escaping-path":
        bad["image"] = ["/mnt/x/Data4MLLM/63-FLIR_ADAS/../../../etc/passwd"]
    elif case == "absolute-path":
        bad["image"] = ["/etc/passwd"]
    path = write_samples(tmp_path / "Detection.json", [GOOD, bad, GOOD | {"id": "42"}])
    if case == "invalid-json":  # a comma missing between two keys of sample 41
        text = path.read_text()
        at = text.index('"image"', text.index('"41"'))
        path.write_text(text[:at - 10] + text[at - 10:at].replace(",", "") + text[at:])
    line = BAD_SAMPLE_LINE
    if case == "invalid-json":
        line += 2  # where the parser stops: the "image" key after the missing comma
    before = dump_store(filled)
    with pytest.raises(BadInputError) as caught:
        run_import(filled, [path])
    message = str(caught.value)
    assert message.startswith("Detection.json") and reason in message
    assert f"line {line}" in message
    if sample_id is not None:
        assert f"sample {sample_id}," in message
    assert dump_store(filled) == before


def test_unknown_task_names_the_task_sample_and_line(tmp_path: Path, filled: Path) -> None:
    path = write_samples(tmp_path / "mystery.json", [
        sample("0", [flir_image(1)], SECURITY_PROMPT, "(A) scooter"),
        sample("1", [flir_image(1)], "<image>\nTell me a joke.", "No."),
    ])
    before = dump_store(filled)
    line = 2 + len(json.dumps(sample("0", [flir_image(1)], SECURITY_PROMPT, "(A) scooter"),
                              indent=4).split("\n"))
    with pytest.raises(BadInputError,
                       match=rf"^mystery.json, sample 1, line {line}: unknown task 'mystery'"):
        run_import(filled, [path])
    assert dump_store(filled) == before
    # Given the task, the same file imports (the prompt pattern alone decided sample 0 before).
    report = run_import(filled, [path], task="Relationship", skip_bad=True)
    assert report.files[0].added == 0 and len(report.files[0].rejected) == 2  # answers not yes/no


def test_a_bad_second_file_writes_nothing_of_the_first(tmp_path: Path, filled: Path) -> None:
    good = write_samples(tmp_path / "Location.json",
                         [sample("0", [flir_image(5)], LOCATION_PROMPT, points_answer((1, 2)))])
    bad = write_samples(tmp_path / "Security.json", [sample("0", [flir_image(5)], SECURITY_PROMPT, 5)])
    before = dump_store(filled)
    with pytest.raises(BadInputError, match=r"Security\.json, sample 0, line 2: turn 1 value"):
        run_import(filled, [good, bad])
    assert dump_store(filled) == before


def test_skip_bad_imports_the_good_samples_and_writes_the_report(tmp_path: Path, filled: Path) -> None:
    path = write_samples(tmp_path / "Detection.json", [
        grounding(10, 10, (1, 2, 3, 4)),
        sample("11", [flir_image(11)], GROUNDING_PROMPT, "no box here"),
        grounding(12, 12, (1, 2, 3, 4)),
        sample("13", "../outside.jpg", GROUNDING_PROMPT, box_answer(1, 2, 3, 4)),
        grounding(12, 14, (5, 6, 7, 8)),  # a duplicate id
    ], form="jsonl")
    report_csv = tmp_path / "rejects.csv"
    report = run_import(filled, [path], skip_bad=True, report_path=report_csv)
    assert not report.ok and report.files[0].added == 2 and len(report.files[0].rejected) == 3
    assert query(filled, "SELECT count(*) FROM samples") == [(5,)]
    with report_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["sample_id"], r["line"]) for r in rows] == [
        ("Detection.json", "11", "2"), ("Detection.json", "13", "4"), ("Detection.json", "12", "5")]
    assert "duplicate id '12' (first at line 3)" in rows[2]["reason"]
    assert f"rejected samples listed in {report_csv}" in report.summary()
    # JSON Lines report, and the default place beside the project.
    jsonl = tmp_path / "rejects.jsonl"
    run_import(filled, [path], skip_bad=True, report_path=jsonl)
    assert [json.loads(x)["line"] for x in jsonl.read_text().splitlines()] == [2, 4, 5]
    report = run_import(filled, [path], skip_bad=True)
    assert report.report_path is not None and report.report_path.parent == filled.parent
    assert report.report_path.name.startswith("filled.db.import-rejects-")


def test_skip_bad_with_a_syntax_error_keeps_what_came_before(tmp_path: Path) -> None:
    path = write_samples(tmp_path / "Detection.json", [grounding(i, i, (1, 2, 3, 4)) for i in range(3)])
    text = path.read_text()
    path.write_text(text[:text.index('"2"')] + "oops" + text[text.index('"2"'):])
    report = run_import(tmp_path / "p.db", [path], skip_bad=True)
    assert report.files[0].added == 2
    (message,) = report.files[0].rejected
    assert "invalid JSON" in message and "the rest of the file was not read" in message


# ---------------------------------------------------------------- re-import, conflicts


def test_reviewed_samples_are_conflicts_that_keep_their_work_untouched_one_is_updated(
        tmp_path: Path) -> None:
    """ADR 0014 (was 0011: an approved, unedited sample went back to pending)."""
    db = tmp_path / "p.db"
    first = [grounding(0, 0, (1, 2, 3, 4)), grounding(1, 1, (10, 20, 30, 40)),
             grounding(2, 2, (5, 5, 9, 9)), grounding(3, 3, (7, 7, 8, 8))]
    path = write_samples(tmp_path / "Detection.json", first)
    run_import(db, [path])
    person_text = box_answer(2, 2, 4, 4)
    query(db, "UPDATE samples SET status = 'approved' WHERE original_id IN ('0', '1')")
    query(db, "UPDATE samples SET edited = 1 WHERE original_id = '0'")
    query(db, "UPDATE turns SET text = ? WHERE idx = 1 AND sample_id = "
              "(SELECT id FROM samples WHERE original_id = '0')", person_text)
    second = [grounding(0, 0, (100, 2, 300, 4)), grounding(1, 1, (11, 21, 31, 41)), first[2],
              grounding(3, 3, (70, 70, 80, 80))]
    write_samples(path, second)
    report = run_import(db, [path], annotator="ana")
    f = report.files[0]
    assert (f.added, f.unchanged, f.updated, f.conflicts) == (
        0, 1, 1, [("Grounding", "0"), ("Grounding", "1")])
    assert "2 conflict(s)" in report.summary() and "Grounding 0, Grounding 1" in report.summary()
    # the person's text and decision kept; the new LLM text is the original to compare with
    edited = query(db, "SELECT t.original, t.text, s.status FROM turns t JOIN samples s "
                       "ON s.id = t.sample_id WHERE s.original_id = '0' AND t.idx = 1")
    assert edited == [(box_answer(100, 2, 300, 4), person_text, "approved")]
    approved = query(db, "SELECT t.original, t.text, s.status FROM turns t JOIN samples s "
                         "ON s.id = t.sample_id WHERE s.original_id = '1' AND t.idx = 1")
    assert approved == [(box_answer(11, 21, 31, 41), box_answer(10, 20, 30, 40), "approved")]
    assert query(db, "SELECT h.x1, h.y1, h.x2, h.y2 FROM shapes h JOIN samples s ON s.id = h.sample_id "
                     "WHERE s.original_id = '1'") == [(10, 20, 30, 40)]
    # nobody had looked at 3: simply the new text and its box
    untouched = query(db, "SELECT t.original, t.text, s.status FROM turns t JOIN samples s "
                          "ON s.id = t.sample_id WHERE s.original_id = '3' AND t.idx = 1")
    assert untouched == [(box_answer(70, 70, 80, 80),) * 2 + ("pending",)]
    assert query(db, "SELECT h.x1, h.y1, h.x2, h.y2 FROM shapes h JOIN samples s ON s.id = h.sample_id "
                     "WHERE s.original_id = '3'") == [(70, 70, 80, 80)]
    assert query(db, "SELECT who, target FROM revisions WHERE action = 'import'") == [
        ("import", "Detection.json"), ("ana", "Detection.json")]
    assert query(db, "SELECT s.original_id, r.who, r.old FROM revisions r JOIN samples s "
                     "ON s.id = r.sample_id WHERE r.action = 'reimport' ORDER BY s.id") == [
        ("0", "ana", box_answer(1, 2, 3, 4)), ("1", "ana", box_answer(10, 20, 30, 40)),
        ("3", "ana", box_answer(7, 7, 8, 8))]


# ---------------------------------------------------------------- progress, cancel, CLI


def test_progress_reports_and_cancel_rolls_the_file_back(tmp_path: Path, filled: Path) -> None:
    path = write_samples(tmp_path / "Location.json",
                         [sample(str(i), [flir_image(i)], LOCATION_PROMPT, points_answer((i, i)))
                          for i in range(50)])
    (tmp_path / "more").mkdir()
    other = write_samples(tmp_path / "more" / "Security.json",
                          [sample(str(i), [flir_image(i)], SECURITY_PROMPT, "(A) scooter")
                           for i in range(30)])
    size = path.stat().st_size + other.stat().st_size
    seen: list[tuple[int, int, str]] = []
    with Project.open(filled) as project:
        import_files(project, [path, other], options=ImportOptions(),
                     progress=lambda done, total, what: seen.append((done, total, what)))
    # One stable total (the files' bytes), reached once both files are written.
    assert seen[0] == (0, size, "reading Location.json")
    assert {total for _done, total, _what in seen} == {size}
    assert [done for done, _t, _w in seen] == sorted(done for done, _t, _w in seen)
    assert (path.stat().st_size, size, "reading Security.json") in seen
    importing = [(done, what) for done, _total, what in seen if what.startswith("importing")]
    assert importing[-1] == (size, "importing Security.json: 80 samples")
    assert (path.stat().st_size, "importing Location.json: 50 samples") in importing
    path2 = write_samples(tmp_path / "Security.json",
                          [sample("0", [flir_image(1)], SECURITY_PROMPT, "(A) scooter")])
    before = dump_store(filled)
    calls = iter([False, False, False, True])  # cancel while writing
    with Project.open(filled) as project, pytest.raises(ImportCancelled, match="rolled back"):
        import_files(project, [path2], options=ImportOptions(), cancel=lambda: next(calls))
    assert dump_store(filled) == before


def test_cli_import_prints_the_summary_and_a_bad_file_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_samples(tmp_path / "Detection.json", [grounding(0, 0, (1, 2, 3, 4))], form="concat")
    db = tmp_path / "cli.db"
    assert cli.main(["import", str(path), "--db", str(db), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Detection.json (Grounding 1): 1 added, 0 unchanged" in out
    bad = write_samples(tmp_path / "Security.json", [sample("3", [flir_image(1)], SECURITY_PROMPT)])
    assert cli.main(["import", str(bad), "--db", str(db), "--quiet"]) != 0
    captured = capsys.readouterr()
    assert captured.err.strip() == ("irtd-annotator: error: Security.json, sample 3, line 2: "
                                    "conversations must hold an even number of turns "
                                    "(human, gpt, ...), found 1")
    assert "Traceback" not in captured.err + captured.out
    assert cli.main(["import", str(tmp_path / "missing.json"), "--db", str(db)]) != 0
    assert "missing.json: cannot read the file" in capsys.readouterr().err
