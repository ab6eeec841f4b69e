"""The release writers and the review report, without a store."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from export_support import read_release_file
from irtd_annotator.domain.tasks import Task
from irtd_annotator.exporters.irtd_json import (
    ReleaseFileWriter,
    ReleaseSample,
    format_indented,
    release_file_name,
    write_release_file,
)
from irtd_annotator.exporters.report import (
    ReportRow,
    ReviewReportWriter,
    edit_distance,
    levenshtein,
)
from irtd_annotator.services.release.stream import DigestSpill


def _sample(obj: dict) -> ReleaseSample:
    image = obj["image"]
    return ReleaseSample(obj["id"], image[0] if isinstance(image, list) else image,
                         isinstance(image, list),
                         tuple((t["from"], t["value"]) for t in obj["conversations"]))


def test_fast_layout_equals_json_dumps_on_every_real_sample(irtd_files: Path) -> None:
    checked = 0
    for path in sorted(irtd_files.glob("*.json")):
        for obj in read_release_file(path):
            assert format_indented(_sample(obj)) == json.dumps(obj, indent=4, ensure_ascii=False)
            checked += 1
    assert checked == 40_200


@pytest.mark.parametrize("obj", [
    {"id": "7", "image": "plain/string.jpg",
     "conversations": [{"from": "human", "value": "<image>\nQuote \" back\\slash \t tab"},
                       {"from": "gpt", "value": "Wärme des Motors – 热 \u2028 \x01"}]},
    {"id": "8", "image": ["a.jpg"], "conversations": []},
])
def test_fast_layout_equals_json_dumps_on_awkward_samples(obj: dict) -> None:
    assert format_indented(_sample(obj)) == json.dumps(obj, indent=4, ensure_ascii=False)


def test_rewriting_location_json_reproduces_the_released_bytes(irtd_files: Path,
                                                               tmp_path: Path) -> None:
    original = irtd_files / "Location.json"
    samples = [_sample(obj) for obj in read_release_file(original)]
    out = tmp_path / "Location.json"
    assert write_release_file(out, samples) == 14_979
    assert out.read_bytes() == original.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_writer_output_parses_back_to_the_samples(tmp_path: Path, fmt: str) -> None:
    objs = [{"id": str(i), "image": [f"63-FLIR_ADAS/{i}.jpeg"],
             "conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "ü"}]}
            for i in range(5)]
    path = tmp_path / release_file_name(Task.GROUNDING, fmt)
    assert path.name == ("Detection.json" if fmt == "json" else "Detection.jsonl")
    write_release_file(path, [_sample(o) for o in objs], fmt=fmt)
    assert read_release_file(path) == objs
    assert [list(o) for o in read_release_file(path)] == [["id", "image", "conversations"]] * 5


def test_empty_release_file_is_an_empty_array(tmp_path: Path) -> None:
    write_release_file(tmp_path / "x.json", [])
    assert json.loads((tmp_path / "x.json").read_text()) == []


def test_a_writer_left_by_an_exception_is_not_finished(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    with pytest.raises(RuntimeError), ReleaseFileWriter(path) as writer:
        writer.write(ReleaseSample("0", "a.jpg", True, (("human", "q"),)))
        raise RuntimeError("boom")
    with pytest.raises(json.JSONDecodeError):
        json.loads(path.read_text())


def test_digest_follows_the_exported_content() -> None:
    def sample(image: str, answer: str) -> ReleaseSample:
        return ReleaseSample("0", image, True, (("human", "q"), ("gpt", answer)))

    assert sample("a.jpg", "yes").digest() == sample("a.jpg", "yes").digest()
    assert sample("a.jpg", "yes").digest() != sample("a.jpg", "no").digest()
    assert sample("a.jpg", "yes").digest() != sample("b.jpg", "yes").digest()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_writer_returns_the_digest_whatever_the_format(tmp_path: Path, fmt: str) -> None:
    sample = ReleaseSample("3", "a.jpg", True, (("human", "q"), ("gpt", "ja")))
    with ReleaseFileWriter(tmp_path / f"x.{fmt}", fmt=fmt) as writer:
        assert writer.write(sample) == sample.digest()


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("same", "same", 0),
    ("flaw", "lawn", 2), ("The red car is parked.", "The warm car is parked.", 4),
    ("<num>21</num>", "<num>12</num>", 2),
])
def test_levenshtein(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance
    assert levenshtein(b, a) == distance


def _reference_levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def test_levenshtein_agrees_with_the_textbook_algorithm() -> None:
    rng = random.Random(7)
    for _ in range(300):
        a = "".join(rng.choice("abcde ") for _ in range(rng.randrange(0, 90)))
        b = "".join(rng.choice("abcde ") for _ in range(rng.randrange(0, 90)))
        assert levenshtein(a, b) == _reference_levenshtein(a, b), (a, b)


def test_levenshtein_of_long_rewritten_texts_is_exact() -> None:
    a = "The red car is parked near the lit sign. " * 15  # 615 characters, > 64 bits
    b = "A warm engine glows near the dark sign! " * 15
    assert levenshtein(a, b) == levenshtein(b, a) == _reference_levenshtein(a, b)


def test_edit_distance_counts_prompt_and_answer_turns() -> None:
    turns = [("human", "question", "changed question"), ("gpt", "kitten", "sitting"),
             ("human", "x", "x"), ("gpt", "abc", "abd")]
    assert edit_distance(turns) == 8 + 4


def _row(i: int, **kw: object) -> ReportRow:
    values = dict(task="Grounding", source="63-FLIR_ADAS", id=str(i), sample_id=i,
                  status="approved", reason=None, annotator=None, edited=False,
                  edit_distance=0, problems="")
    values.update(kw)
    return ReportRow(**values)  # type: ignore[arg-type]


def test_report_written_in_chunks_loads_with_pandas(tmp_path: Path) -> None:
    with ReviewReportWriter(tmp_path, chunk_rows=3) as writer:
        for i in range(7):
            writer.add(_row(i, edited=i == 4, edit_distance=5 if i == 4 else 0,
                            annotator="alice" if i == 4 else None))
    csv = pd.read_csv(writer.csv_path, dtype={"id": str})
    parquet = pd.read_parquet(writer.parquet_path)
    for frame in (csv, parquet):
        assert len(frame) == 7
        assert list(frame["id"]) == [str(i) for i in range(7)]
        assert frame.loc[4, "edit_distance"] == 5 and bool(frame.loc[4, "edited"])
        assert frame.loc[4, "annotator"] == "alice"
        assert int(frame["edit_distance"].sum()) == 5


def test_empty_report_has_the_columns(tmp_path: Path) -> None:
    with ReviewReportWriter(tmp_path) as writer:
        pass
    assert list(pd.read_csv(writer.csv_path).columns) == list(pd.read_parquet(
        writer.parquet_path).columns)
    assert len(pd.read_parquet(writer.parquet_path)) == 0


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_batches_write_what_single_samples_write_and_checksum_it(tmp_path: Path,
                                                                 fmt: str) -> None:
    samples = [ReleaseSample(str(i), f"{i}.jpg", i % 2 == 0,
                             (("human", f"q{i}"), ("gpt", f"Wärme {i}")) if i != 3 else ())
               for i in range(7)]
    with ReleaseFileWriter(tmp_path / f"one.{fmt}", fmt=fmt) as one:
        single = [one.write(s) for s in samples]
    with ReleaseFileWriter(tmp_path / f"batch.{fmt}", fmt=fmt) as batch:
        batched = batch.write_batch(samples[:2]) + batch.write_batch([]) + batch.write_batch(
            samples[2:])
    data = (tmp_path / f"batch.{fmt}").read_bytes()
    assert data == (tmp_path / f"one.{fmt}").read_bytes()
    assert batched == single == [s.digest() for s in samples]
    assert (batch.count, batch.bytes, batch.sha256) == (7, len(data), hashlib.sha256(
        data).hexdigest())
    # Turns as the store hands them: (role, text, original or None, sample id).
    with ReleaseFileWriter(tmp_path / f"rows.{fmt}", fmt=fmt) as rows:
        rows.write_batch([(s.original_id, s.image, s.image_as_list,
                           [(role, text, None, 1) for role, text in s.turns]) for s in samples])
    assert (tmp_path / f"rows.{fmt}").read_bytes() == data


def test_digest_spill_gives_back_what_it_was_given(tmp_path: Path) -> None:
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2_500)]
    with DigestSpill(tmp_path) as spill:
        spill.add(list(range(1_000)), digests[:1_000])
        spill.add([], [])
        spill.add(list(range(1_000, 2_500)), digests[1_000:])
        assert list(spill.rows(batch=700)) == list(zip(range(2_500), digests))
        assert spill.count == 2_500
        with pytest.raises(ValueError, match="64-character digest"):
            spill.add([1], ["abc"])
        with pytest.raises(ValueError, match="64-character digest"):
            spill.add([1, 2], digests[:1])


def test_report_by_rows_or_by_columns_is_the_same_file(tmp_path: Path) -> None:
    rows = [_row(i, edited=i == 4, edit_distance=5 if i == 4 else 0,
                 annotator="alice" if i == 4 else None) for i in range(7)]
    (tmp_path / "rows").mkdir()
    (tmp_path / "columns").mkdir()
    with ReviewReportWriter(tmp_path / "rows", chunk_rows=3) as by_rows:
        for row in rows:
            by_rows.add(row)
    with ReviewReportWriter(tmp_path / "columns", chunk_rows=3) as by_columns:
        by_columns.add_columns([list(values) for values in zip(*rows[:5])])
        by_columns.add_rows([tuple(r[:7]) + (int(r.edited), r.edit_distance, r.problems,
                                             r.decided_by) for r in rows[5:]])
        with pytest.raises(ValueError, match="differ in length"):
            by_columns.add_columns([[1]] * 10 + [[]])
    assert by_columns.rows == by_rows.rows == 7
    assert by_columns.csv_path.read_bytes() == by_rows.csv_path.read_bytes()
    assert pd.read_parquet(by_columns.parquet_path).equals(pd.read_parquet(by_rows.parquet_path))
