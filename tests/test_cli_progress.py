"""The command line's progress printer (issue 16, ADR 0025): a bar on a terminal, a few plain
lines anywhere else, nothing with --quiet; a bar never leaves a half-drawn line above an
error or a notice."""

from __future__ import annotations

import errno
import io
import time
from pathlib import Path

import pytest

from irtd_annotator import cli
from irtd_annotator.cli_progress import BYTES, ProgressPrinter
from progress_output import plain_lines, run_on_terminal, screen


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal, and keeps what was drawn on it."""

    def isatty(self) -> bool:
        return True


def test_off_a_terminal_a_few_plain_lines_with_done_total_and_percent() -> None:
    out = io.StringIO()
    with ProgressPrinter(stream=out) as show:
        for done in range(0, 10_001, 100):  # a service calling once per 100 samples
            show(done, 10_000, "export")
    lines = plain_lines(out.getvalue())
    assert out.getvalue().splitlines()[0] == "export: 0/10,000 samples (0%)"
    assert [line.percent for line in lines] == [0, 25, 50, 75, 100]
    assert {line.total for line in lines} == {"10,000"}
    assert "\r" not in out.getvalue()


def test_bytes_are_scaled_in_the_plain_lines() -> None:
    out = io.StringIO()
    with ProgressPrinter(stream=out, unit=BYTES) as show:
        show(12_300_000, 45_600_000, "importing Location.json, 12,000 samples")
        show(45_600_000, 45_600_000, "importing Security.json, 40,200 samples")
    assert out.getvalue().splitlines() == [
        "importing Location.json, 12,000 samples: 12.3MB/45.6MB (26%)",
        "importing Security.json, 40,200 samples: 45.6MB/45.6MB (100%)"]


def test_quiet_prints_no_progress_but_still_the_notices() -> None:
    out = FakeTerminal()
    with ProgressPrinter(quiet=True, stream=out) as show:
        show(5, 10, "export")
        show.say("waiting for another import of this project to finish")
        show(10, 10, "export")
    assert out.getvalue() == ("irtd-annotator: waiting for another import of this project "
                              "to finish\n")


def test_on_a_terminal_a_bar_with_total_rate_elapsed_and_time_left() -> None:
    out = FakeTerminal()
    with ProgressPrinter(stream=out) as show:
        for done in range(0, 10_001, 2_000):
            show(done, 10_000, "export")
    [bar, end] = screen(out.getvalue())
    assert bar.startswith("export: 100%|")
    assert "| 10,000/10,000 samples, " in bar
    assert " samples/s, " in bar and bar.endswith(" left")
    assert end == ""  # the finished bar is left on its own line, the summary follows


def test_the_rate_counts_from_the_start_not_from_the_first_call(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A service calls first after its first chunk: that chunk took time too."""
    import tqdm.std

    now = [1000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    monkeypatch.setattr(tqdm.std, "time", lambda: now[0])  # tqdm's clock
    out = FakeTerminal()
    with ProgressPrinter(stream=out) as show:
        now[0] += 2.0
        show(2_000, 10_000, "export")  # 2,000 samples in the first 2 s
        bar = screen(out.getvalue())[0]
    assert ", 1.00k samples/s, 00:02, " in bar, bar


def test_a_bar_in_bytes_is_scaled_on_a_terminal() -> None:
    out = FakeTerminal()
    with ProgressPrinter(stream=out, unit=BYTES) as show:
        show(12_300_000, 45_600_000, "importing")
    assert "| 12.3MB/45.6MB, " in screen(out.getvalue())[0]
    assert "B/s, " in screen(out.getvalue())[0]


def test_a_new_text_or_total_at_the_same_count_is_drawn_at_once() -> None:
    """What tests/test_import_kill.py kills at: the import's writing starting (0 written)."""
    out = FakeTerminal()
    with ProgressPrinter(stream=out) as show:
        show(0, 1, "reading Detection.json")
        show(0, 2_789, "importing Detection.json")
        assert "importing Detection.json:   0%|" in screen(out.getvalue())[0]
        assert screen(out.getvalue())[0].count("| 0/2,789 samples") == 1


def test_a_failure_erases_the_bar_so_the_error_starts_a_clean_line() -> None:
    out = FakeTerminal()
    with pytest.raises(OSError), ProgressPrinter(stream=out) as show:
        show(2_000, 10_000, "export")
        raise OSError(errno.ENOSPC, "No space left on device")
    out.write("irtd-annotator: error: no space left on the device\n")
    shown = [line for line in screen(out.getvalue()) if line]
    assert shown == ["irtd-annotator: error: no space left on the device"]


def test_a_notice_during_a_bar_gets_its_own_line_and_the_bar_goes_on_below() -> None:
    out = FakeTerminal()
    with ProgressPrinter(stream=out) as show:
        show(2_000, 10_000, "importing")
        show.say("the search index is built in the background")
        show(10_000, 10_000, "importing")
    lines = [line for line in screen(out.getvalue()) if line]
    assert lines[0] == "irtd-annotator: the search index is built in the background"
    assert lines[1].startswith("importing: 100%|") and len(lines) == 2


def test_a_message_without_a_total_is_a_notice_line() -> None:
    out = io.StringIO()
    with ProgressPrinter(stream=out) as show:
        show(0, 0, "waiting for another import of this project to finish")
    assert out.getvalue() == ("irtd-annotator: waiting for another import of this project "
                              "to finish\n")


def test_export_on_a_terminal_draws_a_bar_with_a_rate(tmp_path: Path, irtd_files: Path) -> None:
    db = str(tmp_path / "p.db")
    assert cli.main(["import", str(irtd_files / "AerialCounting.json"), "--db", db,
                     "--quiet"]) == 0
    code, received = run_on_terminal(["export", "--db", db, "--out", str(tmp_path / "rel"),
                                       "--status", "all"], tmp_path)
    assert code == 0
    bars = [line for line in screen(received) if line.startswith("export:")]
    assert bars and bars[-1].startswith("export: 100%|")
    assert "| 900/900 samples, " in bars[-1] and " samples/s, " in bars[-1]
    assert bars[-1].endswith(" left") and len(bars[-1]) <= 100


def test_an_import_failing_after_a_bar_shows_the_error_on_a_clean_screen_line(
        tmp_path: Path, irtd_files: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "x", "image": "a.jpg", "conversations": '
                   '[{"from": "human", "value": "hi"}]}]', encoding="utf-8")
    code, received = run_on_terminal(["import", str(irtd_files / "AerialCounting.json"),
                                      str(bad), "--db", str(tmp_path / "p.db")], tmp_path)
    assert code == 2
    assert "|" in received  # a bar was drawn before the error
    assert [line for line in screen(received) if line] == [
        f"irtd-annotator: error: {bad.name}, sample x, line 1: conversations must hold an even "
        "number of turns (human, gpt, ...), found 1"]
