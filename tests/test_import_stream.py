"""An import reads its files in pieces and writes them in parts (issue 16): memory holds one
part, whatever the files' sizes, and nothing a user sees changes.

Read in pieces of a few bytes, every form and quirk of the files (Detection.json's objects
joined by commas with a trailing one, arrays, JSON Lines, a BOM, characters cut between two
pieces) gives the same samples, lines, layout and errors as the file read whole; written in
parts of a few samples, an import stores what it stores in one piece, and a bad sample in a
later part still leaves the store as it was, naming its file, sample and line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import import_support as data
from import_support import dump_store, query, sample, write_samples
from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.file_layout import detect_layout
from irtd_annotator.importers import irtd_json, json_stream
from irtd_annotator.importers.irtd_json import iter_objects, read_samples, stream_samples
from irtd_annotator.importers.json_stream import Buffer, TextSource, stream_values
from irtd_annotator.services import risk
from irtd_annotator.services.importing import files as importing
from irtd_annotator.services.importing import prepare
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project


def _in_pieces(path: Path, size: int) -> list[tuple[int, Any]]:
    """``(line, value)`` of every top-level value of ``path`` read ``size`` bytes at a time."""
    with path.open("rb") as handle:
        return list(stream_values(Buffer(TextSource(handle, file=path.name, chunk=size)),
                                  file=path.name))


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 7 bytes, text dropped once 16 characters are behind: every boundary is met."""
    monkeypatch.setattr(json_stream, "CHUNK_BYTES", 7)
    # drop() compares with CHUNK_BYTES: the buffer is cut all the time


def _quirky_samples() -> list[dict[str, Any]]:
    return [sample(str(i), [data.flir_image(i)], data.SECURITY_PROMPT,
                   f"(A) scooter é 雪 \U0001f600 \\u {'x' * (i * 5)}") for i in range(12)]


@pytest.mark.parametrize("form", ["array", "concat", "jsonl"])
def test_every_form_read_in_tiny_pieces_gives_what_the_whole_text_gives(
        tmp_path: Path, form: str, small_pieces: None) -> None:
    path = write_samples(tmp_path / "Security.json", _quirky_samples(), form=form)
    text = path.read_text(encoding="utf-8")
    expected = list(iter_objects(text, file="Security.json"))
    assert len(expected) == 12
    for size in (1, 2, 3, 7, 64):
        assert _in_pieces(path, size) == expected, size
    read = read_samples(path, name="Security.json")
    assert [(s.original_id, s.line) for s in read.samples] == [
        (obj["id"], line) for line, obj in expected]
    assert read.layout == detect_layout(text)


def test_a_bom_and_characters_cut_between_pieces_are_read_as_text(
        tmp_path: Path, small_pieces: None) -> None:
    path = tmp_path / "Security.json"
    samples = _quirky_samples()
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(samples, indent=4, ensure_ascii=False)
                     .encode("utf-8"))
    read = read_samples(path, name="Security.json")
    assert [s.turns[1][1] for s in read.samples] == [
        s["conversations"][1]["value"] for s in samples]


def test_the_real_files_read_in_pieces_give_what_the_whole_text_gives(
        irtd_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_stream, "CHUNK_BYTES", 4096)
    for name in ("Detection.json", "ReID.json"):  # the concatenated quirk; the deeper indent
        path = irtd_files / name
        text = path.read_text(encoding="utf-8")
        assert _in_pieces(path, 4096) == list(iter_objects(text, file=name))
        assert read_samples(path, name=name).layout == detect_layout(text)


@pytest.mark.parametrize(("data", "line", "reason"), [
    (b'[\n{"id": "1"},\n\n{"id": "2"}\n{"id": "3"}\n]', 5, "expected , or ]"),
    (b'[\n{"id": "1"},\n{"id": "2",\n "image": \xff}\n]', 4, "not UTF-8"),
    (b'[\n{"id": "1"},\n{"id": "2", "image": [1 2]}\n]', 3, "invalid JSON"),
    (b'[\n{"id": "1"},\n{"id": "2"},\n', 4, "not closed"),
    (b'[{"id": "1"}]\n\n x', 3, "after the closing ]"),
])
def test_errors_late_in_a_file_read_in_pieces_name_their_line(
        tmp_path: Path, data: bytes, line: int, reason: str, small_pieces: None) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(data)
    with pytest.raises(BadInputError) as caught:
        _in_pieces(path, 3)
    assert (caught.value.line, caught.value.file) == (line, "a.json")
    assert reason in str(caught.value)


def test_a_file_is_handed_on_in_parts_and_only_the_last_knows_the_layout(
        tmp_path: Path) -> None:
    path = write_samples(tmp_path / "Security.json", _quirky_samples())
    parts = list(stream_samples(path, name="Security.json", part=5))
    assert [len(p.samples) for p in parts] == [5, 5, 2]
    assert [p.last for p in parts] == [False, False, True]
    assert [p.layout is None for p in parts] == [True, True, False]
    assert parts[-1].bytes_read == path.stat().st_size
    whole = read_samples(path, name="Security.json")
    assert [s for p in parts for s in p.samples] == whole.samples


def _location(n: int) -> list[dict[str, Any]]:
    return [sample(str(i), [data.flir_image(i % 7)], data.LOCATION_PROMPT,
                   data.points_answer((i, i))) for i in range(n)]


def test_an_import_in_parts_stores_what_one_piece_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [write_samples(tmp_path / "Location.json", _location(23)),
             write_samples(tmp_path / "Detection.json",
                           [data.grounding(i, i % 5, (1, 2, 30, 40)) for i in range(9)],
                           form="concat")]
    whole, parts = tmp_path / "whole.db", tmp_path / "parts.db"
    with Project.open(whole) as project:
        first = import_files(project, files, options=ImportOptions())
    monkeypatch.setattr(irtd_json, "PART", 4)
    monkeypatch.setattr(prepare, "LOCATED_LIMIT", 2)  # the caches of mapped images and
    monkeypatch.setattr(prepare, "ANSWERS_LIMIT", 2)  # parsed answers cleared between parts
    with Project.open(parts) as project:
        second = import_files(project, files, options=ImportOptions())
    assert second.summary() == first.summary()
    one, other = dump_store(whole), dump_store(parts)
    # the revisions' times differ: compared by what they say
    assert [r[2:3] + r[4:] for r in other.pop("revisions")] == [
        r[2:3] + r[4:] for r in one.pop("revisions")]
    assert other == one


def test_a_bad_sample_in_a_later_part_leaves_the_store_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(irtd_json, "PART", 4)
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, [write_samples(tmp_path / "Security.json", [
            sample("s", [data.flir_image(1)], data.SECURITY_PROMPT, "(A) scooter")])],
            options=ImportOptions())
    before = dump_store(db)
    samples = _location(30)
    samples[26]["conversations"][1]["value"] = "no points here"
    path = write_samples(tmp_path / "Location.json", samples)
    written: list[str] = []
    monkeypatch.setattr(importing, "write_plan", _counting(importing.write_plan, written))
    with Project.open(db) as project, pytest.raises(BadInputError) as caught:
        import_files(project, [path], options=ImportOptions())
    assert len(written) == 6  # six parts of four were written before the bad one was read
    assert (caught.value.file, caught.value.sample_id) == ("Location.json", "26")
    text = path.read_text()
    assert caught.value.line == text[:text.index('"id": "26"')].count("\n")  # its {
    assert dump_store(db) == before


def _counting(write: Any, written: list[str]) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        written.append(args[1].name)
        return write(*args, **kwargs)
    return counted


def _checked_files(folder: Path) -> list[Path]:
    """Samples the warnings and risk rules fire on, several per image: counts that disagree,
    points outside the image, Security answers denying what a sibling locates, captions with
    colours and of unusual lengths."""
    image = data.PREFIX + "23-RGBTCrowdCounting/train/{}_Grey.jpg"
    count = "<image>\nCalculate the number of pedestrians in the picture."
    denies = ("<image>\nWhat object does not appear in the picture?\n"
              "(A) person (B) motor (C) car (D) hydrant")
    counts, located, captions, security = [], [], [], []
    for n in range(12):
        counts += [sample(f"{n}a", [image.format(n)], count, "<num>3</num>"),
                   sample(f"{n}b", [image.format(n)], count, f"<num>{3 + n % 3}</num>")]
        located.append(sample(str(n), [image.format(n)],
                              "<image>\n Locate all person from left to right.",
                              data.points_answer((100, 200), (300, 400), (1100 + n % 2, 600),
                                            label="person")))
        captions.append(sample(str(n), [image.format(n + n % 2)], "<image>\nDescribe it.",
                               ("A red car waits." if n % 4 else "Two people walk past.")
                               * (1 + n % 5)))
        security.append(sample(str(n), [image.format(n)], denies, "(A) person"))
    return [write_samples(folder / "PedestrianCounting.json", counts),
            write_samples(folder / "Location.json", located),
            write_samples(folder / "Caption.json", captions),
            write_samples(folder / "Security.json", security)]


def test_warnings_and_risk_refreshed_a_few_pairs_at_a_time_are_those_of_one_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``KNOWN_LIMIT`` samples an import refreshes the warnings, and always the risk,
    a span of Pairs at a time (memory stays flat): every rule looks at one Pair's Samples and
    the project's medians, so the spans store what one pass stores."""
    files = _checked_files(tmp_path)
    whole, spans = tmp_path / "whole.db", tmp_path / "spans.db"
    with Project.open(whole) as project:
        first = import_files(project, files, options=ImportOptions())
    monkeypatch.setattr(importing, "KNOWN_LIMIT", 5)
    monkeypatch.setattr(importing, "WARNING_SPAN", 2)
    monkeypatch.setattr(risk, "SPAN", 2)
    with Project.open(spans) as project:
        second = import_files(project, files, options=ImportOptions())
    assert second.summary() == first.summary()
    assert set(first.warnings) >= {"outside-image", "security-contradiction"}
    scored = query(whole, "SELECT DISTINCT risk_parts FROM samples")
    assert len(scored) >= 4  # several risk rules fired
    one, other = dump_store(whole), dump_store(spans)
    # the revisions' times differ: compared by what they say
    assert [r[2:3] + r[4:] for r in other.pop("revisions")] == [
        r[2:3] + r[4:] for r in one.pop("revisions")]
    assert other == one
