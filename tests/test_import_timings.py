"""The import's seconds per stage, printed on request (IRTD_ANNOTATOR_IMPORT_TIMINGS=1) to
compare the stages' cost per sample at two sizes; silent otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from import_support import PREFIX, sample, write_samples
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.importing.timings import TIMINGS_SETTING
from irtd_annotator.services.project import Project

CAPTION = "<image>\nDescribe this picture."


def files(folder: Path) -> list[Path]:
    image = [f"{PREFIX}23-RGBTCrowdCounting/train/1_Grey.jpg"]
    return [write_samples(folder / "Caption.json",
                          [sample(str(n), image, CAPTION, f"A car, {n}.") for n in range(3)])]


def test_the_stages_are_printed_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(TIMINGS_SETTING, "1")
    with Project.open(str(tmp_path / "p.db")) as project:
        import_files(project, files(tmp_path), options=ImportOptions())
    lines = capsys.readouterr().err.splitlines()
    stages = [line.split()[2] for line in lines if line.startswith("import stage ")]
    for stage in ("read", "write", "risk", "all,"):
        assert stage in stages, lines
    assert all(line.endswith("us/sample") for line in lines if line.startswith("import stage"))


def test_nothing_is_printed_otherwise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(TIMINGS_SETTING, raising=False)
    with Project.open(str(tmp_path / "p.db")) as project:
        import_files(project, files(tmp_path), options=ImportOptions())
    assert "import stage" not in capsys.readouterr().err
