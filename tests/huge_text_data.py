"""A project whose one Caption sample has a huge answer, built through the real importer from a
small JSON file. Shared by tests/test_huge_text.py and tests/perf/bench_huge_text.py."""

from __future__ import annotations

from pathlib import Path

from import_support import flir_image, sample, write_samples
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project

CAPTION_PROMPT = "<image>\nDescribe this picture in detail."
# Infrared words ("red", "brightly lit") in every sentence: the hints have work everywhere.
SENTENCE = "A red car is parked beside a brightly lit sign. Two people walk past; their bodies are warm. "


def huge_caption(size: int, *, paragraph: int | None = None) -> str:
    """``size`` characters of caption sentences; a newline every ``paragraph`` characters (at a
    sentence end) or one single paragraph."""
    if paragraph is None:
        return (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    per = max(1, paragraph // len(SENTENCE))
    block = SENTENCE * per
    block = block[:-1] + "\n"
    return (block * (size // len(block) + 1))[:size]


def build_huge_project(folder: Path, caption: str) -> Path:
    """A project at ``folder``/huge.db with one Caption sample answering ``caption``."""
    source = write_samples(folder / "Caption.json",
                           [sample("1", [flir_image(1)], CAPTION_PROMPT, caption)])
    db = folder / "huge.db"
    with Project.open(db) as project:
        report = import_files(project, [source], options=ImportOptions())
    assert report.ok and report.total("added") == 1, report.summary()
    return db
