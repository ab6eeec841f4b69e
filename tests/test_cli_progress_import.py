"""The import's progress on the real IR-TD files (issue 16): counted in bytes read against the
files' total size, which never changes within a run, on a terminal and through a pipe.

These fail until the import reports bytes (branch i16-stream): today it reports samples
against an estimate that changes with every file ("0/48,273", "900/40,946" ...)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from irtd_annotator import cli
from progress_output import plain_lines, run_on_terminal

# a redraw of the bar: "...|███▌   | 12.3MB/18.0MB, 2.10MB/s, 00:05, 00:03 left"
_BAR_AMOUNTS = re.compile(r"\| (?P<done>[\d.]+[kMG]?B)/(?P<total>[\d.]+[kMG]?B), "
                          r"(?P<rate>[\d.?]+[kMG]?B/s), ")


def _files(irtd_files: Path) -> list[str]:
    return sorted(str(p) for p in irtd_files.glob("*.json"))


def _size(files: list[str]) -> str:
    """The files' total size as the progress shows it (18.0MB for the released files)."""
    return f"{sum(Path(f).stat().st_size for f in files) / 1e6:.1f}MB"


def test_the_import_through_a_pipe_counts_bytes_against_one_total(
        tmp_path: Path, irtd_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(irtd_files)
    assert cli.main(["import", *files, "--db", str(tmp_path / "p.db")]) == 0
    captured = capsys.readouterr()
    lines = plain_lines(captured.err)
    assert [line.total for line in lines] == [_size(files)] * len(lines), captured.err
    assert 2 <= len(lines) <= 6, captured.err  # a few, not one per file or per chunk
    assert lines[-1].percent == 100 and lines[-1].done == lines[-1].total
    assert "total: 40,200 added" in captured.out


def test_the_import_on_a_terminal_draws_one_total_in_bytes(tmp_path: Path,
                                                            irtd_files: Path) -> None:
    files = _files(irtd_files)
    code, received = run_on_terminal(["import", *files, "--db", str(tmp_path / "p.db")],
                                     tmp_path, columns=200)
    assert code == 0, received
    redraws = [m for m in map(_BAR_AMOUNTS.search, re.split(r"[\r\n]", received)) if m]
    assert redraws, received
    assert {m["total"] for m in redraws} == {_size(files)}, received
    assert redraws[-1]["done"] == _size(files)
    assert redraws[-1]["rate"].endswith("B/s") and "?" not in redraws[-1]["rate"]
