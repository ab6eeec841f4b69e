"""A word-level difference between the LLM's original text and the current one.

Deleted words are shown red and struck out, inserted words green, the rest as it is. The
difference is computed on word tokens (``difflib.SequenceMatcher``); whitespace and
punctuation are tokens of their own so the original and the current text are both rebuilt
exactly from the chunks.

The work is bounded whatever the texts' size (ADR 0017): the common beginning and end are cut
off at word boundaries first (string comparisons, no tokens), so typing into a 10 MB caption
compares only the words around the change; at most ``MAX_DIFF_WORDS`` words of each side's
changed middle go to the matcher (quadratic), and the view elides long unchanged runs.
"""

from __future__ import annotations

import difflib
import html
import itertools
import re
from dataclasses import dataclass, field

from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

DELETED_COLOUR = "#c62828"
INSERTED_COLOUR = "#2e7d32"
ELIDED_COLOUR = "#757575"

# SequenceMatcher is quadratic: 1,000 words a side is ~50 ms at worst on a slow machine.
MAX_DIFF_WORDS = 1_000
MAX_DIFF_CHARS = 20_000  # a "word" may be long (a run of spaces, a URL): the chars are capped too
# Above this many characters the view elides unchanged runs to CONTEXT characters a side:
# laying out megabytes of rich text takes Qt seconds.
DISPLAY_LIMIT = 20_000
CONTEXT = 400

# A word or punctuation mark with the whitespace before it: a replaced phrase then reads as
# one deletion and one insertion, not word/space/word fragments.
_TOKEN = re.compile(r"\s*(?:\w+(?:['’]\w+)*|[^\w\s])|\s+")
# A token boundary both texts agree on: a whitespace run starts after a non-space character.
_BOUNDARY = re.compile(r"\S(?=\s)")
_BLOCK = 4096
_BOUNDARY_LOOKBACK = 10_000


@dataclass(frozen=True)
class DiffChunk:
    """A run of text that is the same in both, only in the original, or only in the current."""

    op: str  # "equal" | "delete" | "insert"
    text: str

    def __post_init__(self) -> None:
        if self.op not in ("equal", "delete", "insert"):
            raise ValueError(f"diff op must be equal, delete or insert, got {self.op!r}")


@dataclass(frozen=True)
class Difference:
    """The chunks of a difference; when ``shortened``, only the first ``compared`` words of the
    changed part were compared, and ``rest`` / ``rest_new`` are the texts after them."""

    chunks: list[DiffChunk] = field(default_factory=list)
    shortened: bool = False
    compared: int = 0
    rest: str = ""
    rest_new: str = ""


def word_diff(old: str, new: str) -> list[DiffChunk]:
    """The chunks turning ``old`` into ``new``, word by word (a replacement is delete + insert).

    Minimal for changes of up to MAX_DIFF_WORDS words; past them (``difference`` shortened)
    the rest of each text is one deletion and one insertion, so both are still rebuilt."""
    found = difference(old, new)
    if not found.shortened:
        return found.chunks
    return found.chunks + [DiffChunk(op, text) for op, text in
                           (("delete", found.rest), ("insert", found.rest_new)) if text]


def difference(old: str, new: str, *, limit: int = MAX_DIFF_WORDS) -> Difference:
    """The word difference of ``old`` and ``new``, comparing at most ``limit`` changed words a
    side (and MAX_DIFF_CHARS characters): beyond that it is ``shortened``."""
    start = _boundary_before(old, _common_prefix(old, new))
    end = _common_suffix(old, new, start)
    a, used_a, cut_a = _first_tokens(old[start:len(old) - end], limit)
    b, used_b, cut_b = _first_tokens(new[start:len(new) - end], limit)
    chunks: list[DiffChunk] = []

    def add(op: str, tokens: list[str] | str) -> None:
        text = tokens if isinstance(tokens, str) else "".join(tokens)
        if not text:
            return
        if chunks and chunks[-1].op == op:
            chunks[-1] = DiffChunk(op, chunks[-1].text + text)
        else:
            chunks.append(DiffChunk(op, text))

    add("equal", old[:start])
    # autojunk off: captions repeat "the" and "a" far more than its 1% heuristic assumes.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    if not (cut_a or cut_b):
        add("equal", old[len(old) - end:])
        return Difference(chunks)
    return Difference(chunks, shortened=True, compared=max(len(a), len(b)),
                      rest=old[start + used_a:], rest_new=new[start + used_b:])


def _common_prefix(a: str, b: str) -> int:
    """The length of the common beginning, compared a block at a time (C speed)."""
    n = min(len(a), len(b))
    i = 0
    while i + _BLOCK <= n and a[i:i + _BLOCK] == b[i:i + _BLOCK]:
        i += _BLOCK
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _common_suffix(a: str, b: str, start: int) -> int:
    """The length of the common end that starts at a word boundary, not reaching ``start``."""
    n = min(len(a), len(b)) - start
    s = 0
    while s + _BLOCK <= n and a[len(a) - s - _BLOCK:len(a) - s] == b[len(b) - s - _BLOCK:len(b) - s]:
        s += _BLOCK
    while s < n and a[len(a) - s - 1] == b[len(b) - s - 1]:
        s += 1
    if s == 0:
        return 0
    # kept from its first whitespace run after a non-space: a boundary in both texts
    match = _BOUNDARY.search(a, len(a) - s)
    return len(a) - match.end() if match is not None else 0


def _boundary_before(text: str, position: int) -> int:
    """The last word boundary before ``position`` both texts share (0 when none is near).

    ``text[:position]`` is common to both texts, so a whitespace run starting inside it after
    a non-space character starts a token in both."""
    near = list(_BOUNDARY.finditer(text, max(0, position - _BOUNDARY_LOOKBACK), position))
    if near:
        return near[-1].end()
    # no space near: a token may be cut, which only makes the diff coarser, never wrong
    return 0 if position <= _BOUNDARY_LOOKBACK else position


def _first_tokens(text: str, limit: int) -> tuple[list[str], int, bool]:
    """At most ``limit`` tokens (MAX_DIFF_CHARS characters) of ``text``, the characters they
    cover, and True when that is not all of ``text``."""
    matches = list(itertools.islice(_TOKEN.finditer(text, 0, MAX_DIFF_CHARS), limit))
    used = matches[-1].end() if matches else 0
    return [m.group() for m in matches], used, used < len(text)


def diff_html(old: str, new: str) -> str:
    """The difference as HTML: deletions red struck out, insertions green (underlined)."""
    return difference_html(difference(old, new))


def difference_html(found: Difference) -> str:
    """``found`` as HTML; when it is long, unchanged runs are cut to CONTEXT characters a side."""
    size = sum(len(c.text) for c in found.chunks) + len(found.rest)
    elide = size > DISPLAY_LIMIT
    parts = []
    for n, chunk in enumerate(found.chunks):
        if chunk.op == "equal":
            parts.append(_equal_html(chunk.text, elide=elide, head=n > 0,
                                     tail=n < len(found.chunks) - 1 or bool(found.rest)))
            continue
        # The whitespace before a changed phrase stays unmarked: only words are struck out
        # or underlined.
        body = chunk.text.lstrip()
        parts.append(_html_text(chunk.text[:len(chunk.text) - len(body)]))
        if not body:
            continue
        colour, line = (DELETED_COLOUR, "line-through") if chunk.op == "delete" else \
            (INSERTED_COLOUR, "underline")
        parts.append(f'<span style="color:{colour}; text-decoration:{line}">'
                     f"{_html_text(body)}</span>")
    if found.shortened:
        parts.append(_elided_html(f"[difference shown for the first {found.compared:,} changed "
                                  "words only; the rest of the original, not compared:]"))
        parts.append(_equal_html(found.rest, elide=elide, head=True, tail=False,
                                 what="more characters"))
    return '<div style="white-space:pre-wrap">' + "".join(parts) + "</div>"


def _equal_html(text: str, *, elide: bool, head: bool, tail: bool,
                what: str = "unchanged characters") -> str:
    """Unchanged text; when eliding, kept CONTEXT characters where it meets a change."""
    keep_head = CONTEXT if head else 0
    keep_tail = CONTEXT if tail else 0
    if not elide or len(text) <= keep_head + keep_tail + CONTEXT:
        return _html_text(text)
    if not head and not tail:
        keep_head = CONTEXT  # the whole text unchanged: its beginning
    cut = len(text) - keep_head - keep_tail
    return (_html_text(text[:keep_head]) + _elided_html(f"[… {cut:,} {what} …]")
            + _html_text(text[len(text) - keep_tail:]))


def _elided_html(note: str) -> str:
    return f'<span style="color:{ELIDED_COLOUR}; font-style:italic"> {html.escape(note)} </span>'


def _html_text(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


class DiffView(QTextBrowser):
    """Read-only view of the original text with the changes of the current text marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._texts: tuple[str, str] | None = None
        self._shown = Difference()

    def set_texts(self, original: str, current: str) -> None:
        """Show ``original`` with the words ``current`` deleted and inserted."""
        if self._texts == (original, current):
            return  # keeps the scroll position while the user types elsewhere
        self._texts = (original, current)
        bar = self.verticalScrollBar()
        position = bar.value()
        if original == current and len(original) <= DISPLAY_LIMIT:
            self._shown = Difference([DiffChunk("equal", original)] if original else [])
            self.setPlainText(original)  # nothing marked: the text as it is, no HTML to parse
        else:
            self._shown = difference(original, current)
            self.setHtml(difference_html(self._shown))
        bar.setValue(position)

    @property
    def shortened(self) -> bool:
        """True when the difference shown stops after MAX_DIFF_WORDS changed words."""
        return self._shown.shortened

    def chunks(self) -> list[DiffChunk]:
        """What is shown, as chunks (empty before set_texts; without a shortened one's rest)."""
        return list(self._shown.chunks)
