"""What the tests of the command line's progress read of its output: the plain lines printed
off a terminal, and what a terminal shows of a bar's carriage returns."""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

from irtd_annotator import cli

# "export: 12,000/40,200 samples (29%)", "importing X: 12.3MB/45.6MB (27%)"
_PLAIN = re.compile(r"^(?P<what>.+): (?P<done>[\d,.]+[kMGT]?B?)/(?P<total>[\d,.]+[kMGT]?B?)"
                    r"(?: (?P<unit>[a-z]+))? \((?P<percent>\d+)%\)$")


@dataclass(frozen=True)
class PlainLine:
    """One progress line printed off a terminal."""

    what: str
    done: str
    total: str
    unit: str | None
    percent: int


def plain_lines(err: str) -> list[PlainLine]:
    """The progress lines among ``err``'s lines (notices and errors left out)."""
    found = []
    for line in err.splitlines():
        match = _PLAIN.match(line)
        if match:
            found.append(PlainLine(match["what"], match["done"], match["total"], match["unit"],
                                   int(match["percent"])))
    return found


def screen(output: str) -> list[str]:
    """The lines a terminal shows of ``output``: a carriage return goes back to the line's
    start and what follows overwrites it (a bar drawn again and again is one line)."""
    lines: list[str] = []
    for raw in output.replace("\r\n", "\n").split("\n"):
        shown: list[str] = []
        for part in raw.split("\r"):
            shown[:len(part)] = part
        lines.append("".join(shown).rstrip())
    return lines


def run_on_terminal(args: list[str], cwd: Path, *, columns: int = 100) -> tuple[int, str]:
    """Run the command with its standard error on a pseudo-terminal ``columns`` wide; its
    exit status and everything the terminal received."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "irtd_annotator.cli", *args], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=follower, env=env)
    os.close(follower)
    received = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            if not ready:
                raise AssertionError(f"no output for 120 s; so far: {received!r}")
            try:
                chunk = os.read(leader, 65536)
            except OSError as exc:  # EIO: the command ended and closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            received += chunk
    finally:
        os.close(leader)
        code = proc.wait(timeout=120)
    return code, received.decode("utf-8")
