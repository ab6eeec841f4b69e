"""The text of a sample file read in pieces, and its top-level JSON values decoded as they come.

An import of 2.6 million samples (1.5 GB of JSON) held every file whole (its bytes, its text,
its decoded objects): gigabytes. Here a file is read ``CHUNK_BYTES`` at a time, decoded as
UTF-8 incrementally, and each top-level value is decoded with ``json.JSONDecoder.raw_decode``
from a buffer that keeps only the text not yet decoded; so memory holds a chunk and a sample,
whatever the file's size. The forms and quirks are the ones ``irtd_json`` documents (an
array, JSON Lines, objects joined by commas with a trailing one); each value comes with the
line it starts on, and every error names the file and the line.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.shown import shown

CHUNK_BYTES = 1 << 20  # read at a time: large enough that Python's work per read is nothing
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# A lone surrogate (half of a UTF-16 pair) can only come from a JSON escape such as \ud800
# (the bytes are strict UTF-8): it cannot be stored (SQLite) nor printed (a terminal).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
ID = re.compile(r'"id"\s*:\s*(?:"([^"\\]*)"|(-?\d+))')
_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 4300  # Python's limit
_LONG_NUMBER = re.compile(rf"\d{{{_INT_DIGITS + 1},}}")
_CUT = 16  # a syntax error this close to the end of the text read may be a value cut there


class TextSource:
    """The UTF-8 text of an open binary file, one piece at a time (a BOM removed).

    Counts the bytes read (for progress), whether the whole text is ASCII holding ``\\u``
    escapes (the file's layout keeps that) and whether any escape is half of a UTF-16 pair.
    A bad byte raises BadInputError naming its line.
    """

    def __init__(self, handle: BinaryIO, *, file: str, chunk: int | None = None) -> None:
        self._handle, self._file, self._chunk = handle, file, chunk or CHUNK_BYTES
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._lines = 0  # newlines in the text given so far
        self._last = ""  # the previous piece's end (an escape may straddle two pieces)
        self.bytes_read = 0
        self.ended = False
        self.ascii = True
        self.escapes = False
        self.surrogates = False

    def read(self) -> str:
        """The next piece of text ("" at the end: then ``ended`` is true)."""
        while not self.ended:
            data = self._handle.read(self._chunk)
            if self.bytes_read == 0 and (data.startswith((b"\xff\xfe", b"\xfe\xff"))
                                         or b"\x00" in data[:4]):
                raise BadInputError("UTF-16 or UTF-32 text, not UTF-8: save the file as UTF-8",
                                    file=self._file, line=1)
            self.bytes_read += len(data)
            self.ended = not data
            pending = self._decoder.getstate()[0]  # an incomplete character: never a newline
            try:
                text = self._decoder.decode(data, final=self.ended)
            except UnicodeDecodeError as exc:
                line = self._lines + data.count(b"\n", 0, max(0, exc.start - len(pending))) + 1
                raise BadInputError(f"not UTF-8 text ({exc.reason})", file=self._file,
                                    line=line) from None
            if text:
                self._lines += text.count("\n")
                self.ascii = self.ascii and text.isascii()
                joined = self._last + text
                self.escapes = self.escapes or "\\u" in joined
                self.surrogates = self.surrogates or (
                    self.escapes and SURROGATE_ESCAPE.search(joined) is not None)
                self._last = text[-5:]
                return text
        return ""


class Buffer:
    """The text not yet consumed, read from a ``TextSource`` on demand, with line numbers."""

    def __init__(self, source: TextSource | None, text: str = "") -> None:
        self.source = source  # None: ``text`` is all there is
        self.text = text
        self._line = 1  # the line at position ``_counted`` of ``text``
        self._counted = 0

    def more(self, at_least: int = 1) -> bool:
        """Append at least ``at_least`` characters (fewer at the end); False at the end."""
        pieces, added = [], 0
        while added < at_least and self.source is not None:
            piece = self.source.read()
            if not piece:
                break
            pieces.append(piece)
            added += len(piece)
        if pieces:
            self.text += "".join(pieces)
        return bool(pieces)

    @property
    def ended(self) -> bool:
        """Whether all the text is in the buffer (or was consumed)."""
        return self.source is None or self.source.ended

    def char(self, pos: int) -> str | None:
        """The character at ``pos`` (reading on when needed); None past the end."""
        while pos >= len(self.text):
            if not self.more():
                return None
        return self.text[pos]

    def skip_ws(self, pos: int) -> int:
        """The first position at or after ``pos`` that is not JSON whitespace."""
        while True:
            match = _WS.match(self.text, pos)
            pos = match.end() if match else pos
            if pos < len(self.text) or not self.more():
                return pos

    def line_at(self, pos: int) -> int:
        """The line of ``pos`` (counted from the last position asked for: they mostly move
        forward)."""
        if pos >= self._counted:
            self._line += self.text.count("\n", self._counted, pos)
        else:
            self._line -= self.text.count("\n", pos, self._counted)
        self._counted = pos
        return self._line

    def drop(self, pos: int, *, before: int | None = None) -> int:
        """Forget the text before ``before`` (default ``pos``) once it is long; the new
        position of ``pos``."""
        cut = pos if before is None else before
        if cut < CHUNK_BYTES:
            return pos
        self.line_at(cut)
        self.text = self.text[cut:]
        self._counted = 0
        return pos - cut

    def decode(self, pos: int, *, file: str) -> tuple[Any, int]:
        """The JSON value starting at ``pos`` and where it ends, reading on while the value
        may be cut at the end of the text read so far."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, pos)
            except json.JSONDecodeError as exc:
                # Not yet a syntax error if the value may go on in the text not read yet:
                # read at least as much again (a huge value is decoded a few times, not
                # hundreds). An error well before the end is one whatever follows.
                cut = (exc.pos >= len(self.text) - _CUT
                       or exc.msg.startswith("Unterminated string"))
                if cut and self.more(max(len(self.text) - pos, CHUNK_BYTES)):
                    continue
                raise self._syntax_error(exc, pos, file=file) from None
            except (ValueError, RecursionError) as exc:
                raise undecodable(exc, self.text, pos, file=file,
                                  line=self.line_at(pos)) from None
            if end < len(self.text) or not self.more():  # a number may go on
                return value, end

    def _syntax_error(self, exc: json.JSONDecodeError, pos: int, *, file: str) -> BadInputError:
        # Name the sample when its id was read before the error.
        found = ID.search(self.text, pos, exc.pos)
        found_id = (found.group(1) or found.group(2)) if found else None
        return BadInputError(f"invalid JSON: {exc.msg}", file=file,
                             sample_id=shown(found_id) if found_id else None,
                             line=self.line_at(exc.pos))

    def lines(self) -> Iterator[tuple[int, str]]:
        """``(number, text)`` of every line, split at ``\\n`` only (a JSON string may hold
        U+2028 and friends)."""
        pos = 0
        while True:
            end = self.text.find("\n", pos)
            if end < 0:
                if self.more(CHUNK_BYTES):
                    continue
                if pos < len(self.text):
                    yield self.line_at(pos), self.text[pos:]
                return
            yield self.line_at(pos), self.text[pos:end]
            pos = self.drop(end + 1)


def stream_values(buffer: Buffer, *, file: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for every top-level sample of an array, JSON Lines or
    comma-separated concatenated objects (a trailing comma is accepted in both comma forms).

    Raises BadInputError naming the file and the line at the first syntax error.
    """
    pos = buffer.skip_ws(0)
    in_array = buffer.char(pos) == "["
    if in_array:
        pos = buffer.skip_ws(pos + 1)
    while True:
        char = buffer.char(pos)
        if in_array and char == "]":
            rest = buffer.skip_ws(pos + 1)
            if rest < len(buffer.text):
                raise BadInputError("unexpected text after the closing ]", file=file,
                                    line=buffer.line_at(rest))
            return
        if char is None:
            if in_array:
                raise BadInputError("invalid JSON: the array is not closed with ]", file=file,
                                    line=buffer.line_at(pos))
            return
        line = buffer.line_at(pos)
        value, end = buffer.decode(pos, file=file)
        yield line, value
        pos = buffer.skip_ws(end)
        char = buffer.char(pos)
        if char == ",":
            pos = buffer.skip_ws(pos + 1)
        elif in_array and char != "]":
            raise BadInputError("invalid JSON: expected , or ] after a sample", file=file,
                                line=buffer.line_at(pos))
        # what follows the last value is the file's tail (its layout): kept
        pos = buffer.drop(pos, before=end)


def peek_head(buffer: Buffer, *, file: str) -> str | None:
    """The file's text up to its first value, the value, and what follows it up to the next
    value's first character (the file's layout is read off it), read ahead without consuming
    anything; None when the first value cannot be decoded (reading it will say why)."""
    pos = buffer.skip_ws(0)
    if buffer.char(pos) == "[":
        pos = buffer.skip_ws(pos + 1)
    try:
        _value, end = buffer.decode(pos, file=file)
    except BadInputError:
        return None
    pos = buffer.skip_ws(end)
    if buffer.char(pos) == ",":
        pos = buffer.skip_ws(pos + 1)
    buffer.char(pos)
    return buffer.text[:pos + 1]


def undecodable(exc: ValueError | RecursionError, text: str, pos: int, *, file: str,
                line: int) -> BadInputError:
    """What the decoder cannot build, which is not a syntax error: a value nested deeper
    than Python's recursion limit, an integer longer than Python converts."""
    if isinstance(exc, RecursionError):
        return BadInputError("invalid JSON: nested too deeply (more than about "
                             f"{sys.getrecursionlimit():,} levels of [ and {{)", file=file,
                             line=line)
    long = _LONG_NUMBER.search(text, pos)
    if long is not None:
        line += text.count("\n", pos, long.start())
        return BadInputError(f"invalid JSON: a number of {long.end() - long.start():,} digits",
                             file=file, line=line)
    return BadInputError(f"invalid JSON: {exc}", file=file, line=line)
