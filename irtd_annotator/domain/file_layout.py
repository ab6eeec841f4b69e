"""How a sample file is laid out (brackets, indentation, separators), to write it back so.

The released IR-TD files differ in layout only (``[{`` or ``[`` on its own line, ``}]`` with
or without a final newline, ReID.json indented one level deeper), so an export that writes
each file as it was imported shows in a ``diff`` exactly the human edits and nothing else.
The layout is read off the file's first object and the text around its objects (ADR 0016).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
SETTING_PREFIX = "file_layout:"  # the settings key of a file's layout: prefix + file name


@dataclass(frozen=True)
class FileLayout:
    """A sample file's layout: ``head`` + objects joined by ``separator`` + ``tail``.

    Each object is ``json.dumps(obj, indent=indent, ensure_ascii=ensure_ascii)`` with
    ``margin`` put before each of its lines but the first (the first has it in the head
    or the separator).
    """

    head: str = "[\n"
    separator: str = ",\n"
    tail: str = "\n]"
    indent: int | None = 4
    margin: str = ""
    ensure_ascii: bool = False

    @property
    def plain(self) -> bool:
        """True when the objects are json.dumps(indent=4, ensure_ascii=False) as they are."""
        return self.indent == 4 and not self.margin and not self.ensure_ascii

    def as_setting(self) -> dict[str, Any]:
        """The layout as a JSON-serialisable dict (the value of its setting)."""
        return asdict(self)

    @classmethod
    def from_setting(cls, value: Any) -> FileLayout | None:
        """The layout stored by ``as_setting``; None when the value is not one."""
        if not isinstance(value, dict):
            return None
        try:
            layout = cls(**value)
        except TypeError:
            return None
        strings = (layout.head, layout.separator, layout.tail, layout.margin)
        if not all(isinstance(s, str) and not s.strip(" \t\r\n,[]") for s in strings):
            return None
        if layout.indent is not None and not (isinstance(layout.indent, int)
                                              and 0 <= layout.indent <= 16):
            return None
        return layout.valid()

    def valid(self) -> FileLayout:
        """The nearest layout that writes a valid JSON array (Detection.json has none)."""
        head, tail = self.head, self.tail
        if head.count("[") != 1 or "," in head:
            head = "[\n" + self.margin
        if tail.count("]") != 1 or "," in tail:
            tail = "\n]" + ("\n" if tail.endswith("\n") else "")
        separator = self.separator if self.separator.count(",") == 1 else ",\n" + self.margin
        return FileLayout(head, separator, tail, self.indent, self.margin, self.ensure_ascii)


def _dumps(value: Any, indent: int | None, ensure_ascii: bool, margin: str) -> str:
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    return text.replace("\n", "\n" + margin) if margin else text


def detect_layout(text: str) -> FileLayout | None:
    """The layout of a file of JSON objects (an array, or objects joined by commas), read
    off its first object and the text between and around the objects; None when its objects
    are not laid out as ``json.dumps`` writes them (or it holds none)."""
    return layout_of(text, tail=text[text.rfind("}") + 1:],
                     ensure_ascii=text.isascii() and "\\u" in text)


def layout_of(head: str, *, tail: str, ensure_ascii: bool) -> FileLayout | None:
    """The layout of a file read in pieces: ``head`` is its text at least up to the first
    character of its second object (or to its end), ``tail`` its text after its last ``}``,
    ``ensure_ascii`` whether all its text is ASCII with ``\\u`` escapes somewhere."""
    try:
        return _detect_layout(head, tail, ensure_ascii)
    except (ValueError, RecursionError, MemoryError):
        return None  # the reader that follows says what is wrong with such a file


def _detect_layout(text: str, tail: str, ensure_ascii: bool) -> FileLayout | None:
    start = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if start < len(text) and text[start] == "[":
        start = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
    try:
        value, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    head = text[:start]
    line_start = head.rfind("\n") + 1
    margin = head[line_start:] if not head[line_start:].strip() else ""
    following = _WS.match(text, end).end()  # type: ignore[union-attr]
    if following < len(text) and text[following] == ",":
        following = _WS.match(text, following + 1).end()  # type: ignore[union-attr]
    separator = (text[end:following] if following < len(text) and text[following] == "{"
                 else ",\n" + margin)
    if head.strip(" \t\r\n[") or tail.strip(" \t\r\n,]") or separator.strip(" \t\r\n,"):
        return None
    raw = text[start:end]
    second = raw.split("\n", 2)[1] if raw.count("\n") >= 2 else ""
    indent = len(second) - len(second.lstrip(" ")) - len(margin) if second else None
    if indent is not None and indent > 0 and _dumps(value, indent, ensure_ascii, margin) == raw:
        return FileLayout(head, separator, tail, indent, margin, ensure_ascii)
    if indent is None and json.dumps(value, ensure_ascii=ensure_ascii) == raw:
        return FileLayout(head, separator, tail, None, margin, ensure_ascii)
    return None
