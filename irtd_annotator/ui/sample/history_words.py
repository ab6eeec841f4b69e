"""What a revision changed, in words (issue 13): "status: pending → approved", "box 1 moved",
"answer edited", and whether an undo or a redo wrote it.

The revision log keeps the old and the new text of each change; the words are read from them
here, for the history only, so nothing is stored twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from irtd_annotator.domain.markup import MarkupError, parse_boxes, parse_count, parse_points
from irtd_annotator.domain.model import Box, Point

__all__ = ["Wording", "what_changed"]

_TURN = re.compile(r"turn (\d+)")
_BY_AUDIT = re.compile(r"(\w+) \(by audit (.+)\)$")  # decided_words: "accepted (by audit R1)"
_SHAPES_UP_TO = 20_000  # characters of an answer looked at for its boxes and points
_STEP_WORDS = {"undo": "Undo", "redo": "Redo"}
_IMPORTS = {"import": "imported", "import-source": "imported from the source dataset",
            "reimport": "the LLM's text changed in a re-import"}


@dataclass(frozen=True)
class Wording:
    """A revision in words: ``what`` it changed, and ``step`` ("undo", "redo" or None)."""

    what: str
    step: str | None = None

    @property
    def text(self) -> str:
        """What the history's What column says: "Undo: status: approved → pending"."""
        return f"{_STEP_WORDS[self.step]}: {self.what}" if self.step else self.what


def what_changed(action: str, target: str | None, old: str | None, new: str | None,
                 *, step: str | None = None) -> Wording:
    """The words of one revision (``target`` without its undo/redo mark, given as ``step``)."""
    if action == "undo" and step is None:
        step = "undo"  # geometry put back before undo marks existed
    if action == "status":
        return Wording(_status(target, old, new), step)
    if action in _IMPORTS:
        return Wording(f"{_IMPORTS[action]}{f' ({target})' if target and action != 'reimport' else ''}",
                       step)
    if action == "markers":
        return Wording(f"markers: {_count_words(old)} → {_count_words(new)}", step)
    if action == "source boxes":
        return Wording("source dataset boxes edited", step)
    if action == "alignment":
        return Wording(f"alignment of {target} set" if target else "alignment set", step)
    turn = _TURN.fullmatch(target or "")
    if turn is not None:
        return Wording(_turn_words(int(turn.group(1)), old or "", new or ""), step)
    return Wording(f"{action} · {target}" if target else action, step)


def _status(target: str | None, old: str | None, new: str | None) -> str:
    was, now = _status_words(old), _status_words(new)
    if target == "reimport-conflict":
        return f"decided again after a re-import: {now}"
    return f"status: {was} → {now}"


def _status_words(label: str | None) -> str:
    """The status of a status label ("rejected (wrong count): note" -> "rejected"), with the
    audit that decided it ("accepted (by audit R1)" -> "accepted (audit R1)")."""
    audit = _BY_AUDIT.match(label or "")
    if audit is not None:
        return f"{audit.group(1)} (audit {audit.group(2)})"
    return (label or "—").split(" ", 1)[0].split(":", 1)[0]


def _count_words(text: str | None) -> str:
    return (text or "0").replace(" marker(s)", "")


def _turn_words(idx: int, old: str, new: str) -> str:
    """Turn ``idx`` (0: the first question, 1: its answer, ...) changed from ``old`` to
    ``new``: the shapes that moved when only geometry changed, else which text was edited."""
    # answers with shapes are short: a huge text (a 10 MB caption) is not parsed for them
    shapes = _shape_words(old, new) if max(len(old), len(new)) <= _SHAPES_UP_TO else ""
    if shapes:
        return shapes
    try:
        was, now = parse_count(old), parse_count(new)
    except MarkupError:
        was = now = None
    if was is not None and now is not None and was != now:
        return f"count: {was} → {now}"
    kind = "answer" if idx % 2 else "question"
    number = f" {idx // 2 + 1}" if idx > 1 else ""
    return f"{kind}{number} edited"


def _shape_words(old: str, new: str) -> str:
    """ "box 1 moved", "point 2 added" ... when ``old`` and ``new`` differ only in their
    geometry; empty otherwise (or when either does not parse)."""
    for noun, read in (("box", _boxes), ("point", _points)):
        before, after = read(old), read(new)
        if before is None or after is None or (not before and not after):
            continue
        if _strip_shapes(old) != _strip_shapes(new):
            return ""  # the words changed too: an edit of the answer
        words = []
        for n in range(max(len(before), len(after))):
            if n >= len(before):
                words.append(f"{noun} {n + 1} added")
            elif n >= len(after):
                words.append(f"{noun} {n + 1} removed")
            elif before[n] != after[n]:
                words.append(f"{noun} {n + 1} {_how(before[n], after[n])}")
        if words:
            return ", ".join(words)
    return ""


def _how(before: tuple[float, ...], after: tuple[float, ...]) -> str:
    """A box whose size stayed was moved; otherwise resized. A point moves."""
    if len(before) == 4:
        same_size = (before[2] - before[0], before[3] - before[1]) == \
            (after[2] - after[0], after[3] - after[1])
        return "moved" if same_size else "resized"
    return "moved"


def _boxes(text: str) -> list[tuple[float, ...]] | None:
    try:
        found: tuple[Box, ...] = parse_boxes(text)
    except MarkupError:
        return None
    return [(b.x1, b.y1, b.x2, b.y2) for b in found]


def _points(text: str) -> list[tuple[float, ...]] | None:
    try:
        found: tuple[Point, ...] = parse_points(text)
    except MarkupError:
        return None
    return [(p.x, p.y) for p in found]


def _strip_shapes(text: str) -> str:
    """``text`` with what its box and pos tags hold taken out."""
    return re.sub(r"<(box|pos)>.*?</\1>", r"<\1/>", text, flags=re.S)
