"""Values of a bad input as a one-line message shows them: short, printable, encodable.

A value of a hostile file may be megabytes long, nested a thousand levels deep, or hold lone
surrogates and control characters that a terminal or SQLite cannot take.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = _BRIEF.maxlong = 40
_BRIEF.maxlevel, _BRIEF.maxlist, _BRIEF.maxdict = 2, 4, 4


def brief(value: Any) -> str:
    """A short repr of ``value`` (reprlib: bounded length and depth)."""
    return _BRIEF.repr(value)


def shown(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, control characters and lone surrogates escaped."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    if not text.isprintable():
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
