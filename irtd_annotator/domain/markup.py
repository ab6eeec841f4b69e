"""IR-TD's answer markup: parse it into geometry and values, and write it back exactly.

The writers produce byte-for-byte the strings of the released files, so an unedited answer
written back from its parsed values equals the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task


class MarkupError(ValueError):
    """An answer whose markup cannot be parsed; the message says what is wrong."""


_NUM = r"-?\d+(?:\.\d+)?"
_BOX_RE = re.compile(r"<box>\s*\[\s*\[(.*?)\]\s*\]\s*</box>", re.S)
_POS_RE = re.compile(r"<pos>\s*\[(.*?)\]\s*</pos>", re.S)
_REF_RE = re.compile(r"<ref>(.*?)</ref>", re.S)
_PAIR_RE = re.compile(rf"\(\s*({_NUM})\s*,\s*({_NUM})\s*\)")
_NUM_TAG_RE = re.compile(r"<num>\s*(-?\d+)\s*</num>")
_OPTION_RE = re.compile(r"\(([A-Z])\)\s*([^()]*?)\s*(?=\([A-Z]\)|$)", re.S)
_GROUNDING_LABEL_RE = re.compile(r"bounding box of the (?:nearest )?(\w+)", re.I)


@dataclass(frozen=True)
class ParsedAnswer:
    """What an answer says, in the task's terms."""

    boxes: tuple[Box, ...] = ()
    points: tuple[Point, ...] = ()
    count: int | None = None
    options: tuple[str, ...] = ()  # chosen option letters, e.g. ("A", "D")
    flags: tuple[str, ...] = field(default=())


def _number(text: str) -> float:
    return float(text)


def parse_boxes(answer: str, *, label: str = "") -> tuple[Box, ...]:
    """The boxes of ``<box>[[x1, y1, x2, y2]]</box>`` markup, in pixels."""
    boxes: list[Box] = []
    for match in _BOX_RE.finditer(answer):
        inner = match.group(1)
        for group in re.split(r"\]\s*,\s*\[", inner):
            parts = [p.strip() for p in group.split(",")]
            if len(parts) != 4 or not all(re.fullmatch(_NUM, p) for p in parts):
                raise MarkupError(f"a <box> needs four numbers [x1, y1, x2, y2], found [{group.strip()}]")
            x1, y1, x2, y2 = (_number(p) for p in parts)
            try:
                boxes.append(Box(x1, y1, x2, y2, label, CoordSpace.PIXEL))
            except ValueError as exc:
                raise MarkupError(f"invalid <box> [{group.strip()}]: {exc}") from None
    if "<box>" in answer and not boxes:
        raise MarkupError("a <box> tag without [[x1, y1, x2, y2]] inside")
    return tuple(boxes)


def parse_points(answer: str, *, space: CoordSpace = CoordSpace.NORM1000) -> tuple[Point, ...]:
    """The points of ``<ref>label</ref> at <pos>[(x, y), ...]</pos>`` markup."""
    pos = _POS_RE.search(answer)
    if pos is None:
        if "<pos>" in answer:
            raise MarkupError("a <pos> tag without [(x, y), ...] and </pos>")
        return ()
    ref = _REF_RE.search(answer)
    label = ref.group(1).strip() if ref else ""
    inner = pos.group(1)
    points = [Point(_number(x), _number(y), label, space) for x, y in _PAIR_RE.findall(inner)]
    leftover = _PAIR_RE.sub("", inner).replace(",", "").strip()
    if leftover:
        raise MarkupError(f"<pos> holds something that is not an (x, y) pair: {leftover!r}")
    return tuple(points)


def parse_count(answer: str) -> int | None:
    """The number of ``<num>N</num>``, or None without the tag."""
    match = _NUM_TAG_RE.search(answer)
    if match is None:
        if "<num>" in answer:
            raise MarkupError("a <num> tag without a whole number and </num>")
        return None
    return int(match.group(1))


def parse_options(text: str) -> dict[str, str]:
    """Option letters to their text, from ``(A) person (B) duck`` (a prompt or an answer)."""
    line = text.strip().splitlines()[-1] if text.strip() else ""
    return {m.group(1): m.group(2).strip() for m in _OPTION_RE.finditer(line)}


def prompt_options(prompt: str) -> dict[str, str]:
    """The options a multiple-choice prompt offers (its last line)."""
    return parse_options(prompt)


def parse_answer(task: Task, *, prompt: str, answer: str,
                 location_space: CoordSpace = CoordSpace.NORM1000) -> ParsedAnswer:
    """Parse the answer of one single-turn task sample; raise MarkupError when it does not parse."""
    if task is Task.GROUNDING:
        label_match = _GROUNDING_LABEL_RE.search(prompt)
        boxes = parse_boxes(answer, label=label_match.group(1) if label_match else "")
        if len(boxes) != 1:
            raise MarkupError(f"a Grounding answer needs exactly one <box>, found {len(boxes)}")
        return ParsedAnswer(boxes=boxes)
    if task is Task.LOCATION:
        if "<pos>" not in answer:
            raise MarkupError("a Location answer needs <ref>label</ref> at <pos>[(x, y), ...]</pos>")
        return ParsedAnswer(points=parse_points(answer, space=location_space))
    if task in (Task.AERIAL_COUNTING, Task.PEDESTRIAN_COUNTING):
        count = parse_count(answer)
        if count is None:
            raise MarkupError("a counting answer needs <num>N</num>")
        return ParsedAnswer(count=count)
    if task in (Task.RECOGNITION, Task.SECURITY, Task.SCENE):
        chosen = parse_options(answer)
        if not chosen:
            raise MarkupError("a multiple-choice answer needs at least one option like (A) person")
        if task is not Task.SECURITY and len(chosen) != 1:
            raise MarkupError(f"a {task.value} answer picks exactly one option, found {len(chosen)}")
        return ParsedAnswer(options=tuple(chosen))
    if task is Task.RELATIONSHIP:
        if answer.strip().lower() not in ("yes", "no"):
            raise MarkupError(f"a Relationship answer is yes or no, found {answer!r}")
        return ParsedAnswer()
    if task is Task.REID:
        if not re.fullmatch(r"[2-8]", answer.strip()):
            raise MarkupError(f"a Re-ID answer is one digit 2-8, found {answer!r}")
        return ParsedAnswer(options=(answer.strip(),))
    return ParsedAnswer()


def _fmt(value: float) -> str:
    # The released files write integers only.
    return str(int(round(value)))


def format_box_answer(box: Box) -> str:
    """``The target bounding box is <box>[[x1, y1, x2, y2]]</box>.`` with integer pixels."""
    return (f"The target bounding box is <box>[[{_fmt(box.x1)}, {_fmt(box.y1)}, "
            f"{_fmt(box.x2)}, {_fmt(box.y2)}]]</box>.")


def format_location_answer(label: str, points: list[Point] | tuple[Point, ...]) -> str:
    """``<ref>label</ref> at <pos>[(x, y), ...]</pos>``, points sorted left to right."""
    ordered = sorted(points, key=lambda p: (p.x, p.y))
    inner = ", ".join(f"({_fmt(p.x)}, {_fmt(p.y)})" for p in ordered)
    return f"<ref>{label}</ref> at <pos>[{inner}]</pos>"


def format_count_answer(count: int) -> str:
    """``<num>N</num>``."""
    if count < 0:
        raise ValueError(f"a count cannot be negative, got {count}")
    return f"<num>{count}</num>"


def format_options_answer(options: dict[str, str], chosen: list[str] | tuple[str, ...]) -> str:
    """``(A) scooter (B) motor (D) hydrant``: the chosen options in option order."""
    unknown = [c for c in chosen if c not in options]
    if unknown:
        raise ValueError(f"option(s) {', '.join(unknown)} are not among the prompt's options")
    return " ".join(f"({letter}) {options[letter]}" for letter in sorted(options) if letter in chosen)
