"""The command line's progress display for long work (import, export, review, report, check,
audit accept, folders): one printer, given to a service as its ``progress(done, total, what)``.

On a terminal it draws a tqdm bar (ADR 0025): the total, the rate, the time spent and the
time left. Anywhere else (a pipe, CI, a file) a bar's carriage returns would fill the log
with hundreds of half lines, so it prints a few plain lines instead, each with done/total and
the percent, the last at 100%. ``--quiet`` prints nothing of the progress; notices (``say``)
still print. A bar is cleared before an error message, so no half-drawn line is left above it.

Use it as a context manager around the work, made when the work starts (its time is counted
from then): leaving it closes the bar (drawn to its end when the work finished, erased when
it failed).
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

BYTES = "B"  # the unit of a progress counted in bytes: drawn scaled, "12.3MB/45.6MB"
SAMPLES = "samples"
STEPS = "steps"
# Off a terminal: a line when the work starts and each time it passes another quarter.
PLAIN_STEP_PERCENT = 25
DRAW_SECONDS = 0.1  # on a terminal: the least time between two draws of the same phase
# A terminal that does not say its size (a new pseudo-terminal says 0x0, and tqdm then draws
# nothing at all: it takes the bar for below the last row).
_FALLBACK_SIZE = os.terminal_size((80, 24))


class ProgressPrinter:
    """Shows the progress of one command on ``stream`` (standard error by default).

    ``unit`` says what ``done`` and ``total`` count (``BYTES`` are drawn scaled: kB, MB, GB).
    A call with ``total`` 0 is a message (a service saying what it waits for), shown as a
    line of its own. A total that changes within a run is drawn as it comes (a service
    should not: a stable total is what makes the time left mean something).
    """

    def __init__(self, *, quiet: bool = False, unit: str = SAMPLES,
                 stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = _is_terminal(self.stream)
        self._bar: tqdm[None] | None = None
        self._next_percent = 0  # off a terminal: the percent of the next plain line
        self._last: tuple[int, int] | None = None  # off a terminal: (done, total) last printed
        self._started = time.time()  # the clock tqdm times a bar by

    # -- what the services call ------------------------------------------------------------

    def __call__(self, done: int, total: int, what: str) -> None:
        if self.quiet:
            return
        if total <= 0:
            self.say(what)
            return
        if self.terminal:
            self._draw(done, total, what)
        else:
            self._line(done, total, what)

    def say(self, message: str) -> None:
        """A notice on its own line (also with ``quiet``: it explains a wait, not progress);
        a bar on the screen is lifted out of the way and drawn again below it."""
        if self._bar is not None:
            self._bar.write(f"irtd-annotator: {message}", file=self.stream)
        else:
            say(message, self.stream)

    # -- the end -----------------------------------------------------------------------------

    def close(self, *, failed: bool = False) -> None:
        """End the bar: left drawn at its end, or erased when the work ``failed`` (the error
        message follows on a clean line)."""
        bar, self._bar = self._bar, None
        if bar is None:
            return
        if failed:
            bar.leave = False
        bar.close()

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(failed=kind is not None)

    # -- on a terminal: a bar ----------------------------------------------------------------

    def _draw(self, done: int, total: int, what: str) -> None:
        bar = self._bar
        if bar is None:
            bar = self._bar = _new_bar(total, what, self.unit, self.stream)
            # Timed from the printer's start: a service calls first after its first chunk,
            # which would otherwise count as done in no time (a rate of millions a second).
            bar.start_t = bar.last_print_t = self._started
        changed = bar.total != total or bar.desc != what
        bar.total = total
        bar.set_description_str(what, refresh=False)
        if done != bar.n:
            bar.update(done - bar.n)  # drawn at most every DRAW_SECONDS (a step back too)
        if changed or done >= total:
            # A new text or total, and an end, are always drawn: a state left undrawn is one
            # a user (or tests/test_import_kill.py, killing at one) never sees.
            bar.refresh()

    # -- anywhere else: a few plain lines ----------------------------------------------------

    def _line(self, done: int, total: int, what: str) -> None:
        percent = min(100, done * 100 // total)
        if self._last is not None and (total != self._last[1] or done < self._last[0]):
            self._next_percent = 0  # another phase, or a total that changed: counted anew
        if percent < self._next_percent or (done, total) == self._last:
            return
        self._last = (done, total)
        self._next_percent = (percent // PLAIN_STEP_PERCENT + 1) * PLAIN_STEP_PERCENT
        print(f"{what}: {self._amount(done)}/{self._amount(total)} {self._unit_word()}"
              f"({percent}%)", file=self.stream, flush=True)

    def _amount(self, count: int) -> str:
        return _scaled_bytes(count) if self.unit == BYTES else f"{count:,}"

    def _unit_word(self) -> str:
        return "" if self.unit == BYTES else f"{self.unit} "


def say(message: str, stream: TextIO | None = None) -> None:
    """A notice on standard error, for a command that draws no progress (also with --quiet:
    it explains a wait, not progress)."""
    print(f"irtd-annotator: {message}", file=stream or sys.stderr, flush=True)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stream without one, or closed
        return False


def _terminal_size(stream: TextIO) -> os.terminal_size:
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return _FALLBACK_SIZE
    return os.terminal_size((size.columns or _FALLBACK_SIZE.columns,
                             size.lines or _FALLBACK_SIZE.lines))


def _new_bar(total: int, what: str, unit: str, stream: TextIO) -> tqdm[None]:
    # Imported here: off a terminal (and with --quiet) the command never loads tqdm.
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[type-arg]
        monitor_interval = 0  # no monitor thread: the bar is drawn from the calls alone

    # bytes scaled by 1,000 (MB as a disk's size says it, as the plain lines); counts in full
    amounts = ("{n_fmt}{unit}/{total_fmt}{unit}" if unit == BYTES
               else "{n:,}/{total:,}{unit}")
    size = _terminal_size(stream)
    # the rate never inverted: "0.9 checks/s", not tqdm's "1.10s/ checks"
    layout = ("{desc}: {percentage:3.0f}%|{bar}| " + amounts
              + ", {rate_noinv_fmt}, {elapsed}, {remaining} left")
    return Bar(total=total, desc=what, unit=unit if unit == BYTES else f" {unit}",
               unit_scale=True, unit_divisor=1000, bar_format=layout, file=stream,
               ncols=size.columns, nrows=size.lines, leave=True, dynamic_ncols=False,
               # a draw costs ~0.3 ms: a service calling often is drawn 10 times a second
               mininterval=DRAW_SECONDS, miniters=1)


def _scaled_bytes(count: int) -> str:
    """``count`` bytes as a person reads them: 950B, 12.3kB, 45.6MB, 1.2GB."""
    if count < 1000:
        return f"{count}B"
    value = count / 1000
    for prefix in ("k", "M", "G"):
        if value < 999.95:
            return f"{value:.1f}{prefix}B"
        value /= 1000
    return f"{value:.1f}TB"
