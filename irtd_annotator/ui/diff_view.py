"""A word-level difference between the LLM's original text and the current one.

Deleted words are shown red and struck out, inserted words green, the rest as it is. The
difference is computed on word tokens (``difflib.SequenceMatcher``); whitespace and
punctuation are tokens of their own so the original and the current text are both rebuilt
exactly from the chunks.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

DELETED_COLOUR = "#c62828"
INSERTED_COLOUR = "#2e7d32"

# A word or punctuation mark with the whitespace before it: a replaced phrase then reads as
# one deletion and one insertion, not word/space/word fragments.
_TOKEN = re.compile(r"\s*(?:\w+(?:['’]\w+)*|[^\w\s])|\s+")


@dataclass(frozen=True)
class DiffChunk:
    """A run of text that is the same in both, only in the original, or only in the current."""

    op: str  # "equal" | "delete" | "insert"
    text: str

    def __post_init__(self) -> None:
        if self.op not in ("equal", "delete", "insert"):
            raise ValueError(f"diff op must be equal, delete or insert, got {self.op!r}")


def word_tokens(text: str) -> list[str]:
    """Words and single punctuation marks, each with the whitespace before it (and any trailing
    whitespace as a last token); joined they give ``text``."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[DiffChunk]:
    """The chunks turning ``old`` into ``new``, word by word (a replacement is delete + insert)."""
    a, b = word_tokens(old), word_tokens(new)
    chunks: list[DiffChunk] = []

    def add(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if chunks and chunks[-1].op == op:
            chunks[-1] = DiffChunk(op, chunks[-1].text + text)
        else:
            chunks.append(DiffChunk(op, text))

    # autojunk off: captions repeat "the" and "a" far more than its 1% heuristic assumes.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", a[i1:i2])
        else:
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return chunks


def diff_html(old: str, new: str) -> str:
    """The difference as HTML: deletions red struck out, insertions green (underlined)."""
    parts = []
    for chunk in word_diff(old, new):
        if chunk.op != "equal":
            # The whitespace before a changed phrase stays unmarked: only words are struck out
            # or underlined.
            body = chunk.text.lstrip()
            parts.append(_html_text(chunk.text[:len(chunk.text) - len(body)]))
            if not body:
                continue
        else:
            body = chunk.text
        text = _html_text(body)
        if chunk.op == "delete":
            parts.append(f'<span style="color:{DELETED_COLOUR}; text-decoration:line-through">'
                         f"{text}</span>")
        elif chunk.op == "insert":
            parts.append(f'<span style="color:{INSERTED_COLOUR}; text-decoration:underline">'
                         f"{text}</span>")
        else:
            parts.append(text)
    return '<div style="white-space:pre-wrap">' + "".join(parts) + "</div>"


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

    def set_texts(self, original: str, current: str) -> None:
        """Show ``original`` with the words ``current`` deleted and inserted."""
        if self._texts == (original, current):
            return  # keeps the scroll position while the user types elsewhere
        self._texts = (original, current)
        bar = self.verticalScrollBar()
        position = bar.value()
        if original == current:
            self.setPlainText(original)  # nothing marked: the text as it is, no HTML to parse
        else:
            self.setHtml(diff_html(original, current))
        bar.setValue(position)

    def chunks(self) -> list[DiffChunk]:
        """What is shown, as chunks (empty before set_texts)."""
        return word_diff(*self._texts) if self._texts is not None else []
