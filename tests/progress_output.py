"""What the tests of the command line's progress read of its output: the plain lines printed
off a terminal, and what a terminal shows of a bar's carriage returns."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
