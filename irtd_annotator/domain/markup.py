"""IR-TD's answer markup: parse it into geometry and values, and write it back exactly.

The writers produce byte-for-byte the strings of the released files, so an unedited answer
written back from its parsed values equals the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.shown import shown
from irtd_annotator.domain.tasks import Task


class MarkupError(ValueError):
    """An answer whose markup cannot be parsed; the message says what is wrong."""


_NUM = r"-?\d+(?:\.\d+)?"
_PAIR_RE = re.compile(rf"\(\s*({_NUM})\s*,\s*({_NUM})\s*\)")
_NUM_TAG_RE = re.compile(r"<num>\s*(-?\d+)\s*</num>")
_OPTION_MARK_RE = re.compile(r"\(([A-Z])\)")
# Tags are found with str.find, not with lazy ``<tag>(.*?)</tag>`` patterns: those rescan the
# rest of the text from every unclosed tag (an answer of 30,000 "<box>[[" took minutes).
_MAX_DIGITS = 30  # a coordinate or count longer than this is not a number of an image
MAX_COUNT = 10**9  # and a count above this is not a count of things in one image
_GROUNDING_LABEL_RE = re.compile(r"bounding box of the (?:nearest )?(\w+)", re.I)
# The released forms of a box and of points (``_FORMS``) with numbers of at most 30
# characters (``_MAX_DIGITS``): nearly every answer. One scan finds their values; any other
# answer takes the general path, which says what is wrong with it.
_SHORT_INT = r"-?\d{1,29}"
_RELEASED_BOX = re.compile(rf"The target bounding box is <box>\[\[({_SHORT_INT}), "
                           rf"({_SHORT_INT}), ({_SHORT_INT}), ({_SHORT_INT})\]\]</box>\.")
_RELEASED_POS = re.compile(rf"<ref>([^<>]+)</ref> at <pos>\[(\({_SHORT_INT}, {_SHORT_INT}\)"
                           rf"(?:, \({_SHORT_INT}, {_SHORT_INT}\))*)\]</pos>")
_SHORT_PAIR = re.compile(rf"\(({_SHORT_INT}), ({_SHORT_INT})\)")


@dataclass(frozen=True)
class ParsedAnswer:
    """What an answer says, in the task's terms."""

    boxes: tuple[Box, ...] = ()
    points: tuple[Point, ...] = ()
    count: int | None = None
    options: tuple[str, ...] = ()  # chosen option letters, e.g. ("A", "D")
    flags: tuple[str, ...] = field(default=())


def _number(text: str) -> float:
    if len(text) > _MAX_DIGITS:
        raise MarkupError(f"the number {shown(text)} has {len(text):,} digits")
    return float(text)


def _tagged(text: str, tag: str, start: int = 0) -> tuple[str, int] | None:
    """The text between the first ``<tag>`` at or after ``start`` and the ``</tag>`` after
    it, and where that closing tag ends; None when there is no such pair."""
    opening = text.find(f"<{tag}>", start)
    if opening < 0:
        return None
    inner = opening + len(tag) + 2
    closing = text.find(f"</{tag}>", inner)
    if closing < 0:
        return None
    return text[inner:closing], closing + len(tag) + 3


def _bracketed(text: str, times: int) -> str | None:
    """``text`` without ``times`` pairs of enclosing brackets (whitespace around them
    allowed), or None when it is not so enclosed."""
    for _ in range(times):
        text = text.strip()
        if not (text.startswith("[") and text.endswith("]")) or len(text) < 2:
            return None
        text = text[1:-1]
    return text


def parse_boxes(answer: str, *, label: str = "") -> tuple[Box, ...]:
    """The boxes of ``<box>[[x1, y1, x2, y2]]</box>`` markup, in pixels."""
    released = _RELEASED_BOX.fullmatch(answer)
    if released is not None:
        x1, y1, x2, y2 = map(float, released.groups())
        if x2 >= x1 and y2 >= y1:  # (reversed corners: the general path's error)
            return (Box(x1, y1, x2, y2, label, CoordSpace.PIXEL),)
    boxes: list[Box] = []
    at = 0
    while (tagged := _tagged(answer, "box", at)) is not None:
        content, at = tagged
        inner = _bracketed(content, 2)
        if inner is None:
            raise MarkupError(f"a <box> needs [[x1, y1, x2, y2]] inside, found "
                              f"{shown(content.strip())!r}")
        for group in re.split(r"\]\s*,\s*\[", inner):
            parts = [p.strip() for p in group.split(",")]
            if len(parts) != 4 or not all(re.fullmatch(_NUM, p) for p in parts):
                raise MarkupError("a <box> needs four numbers [x1, y1, x2, y2], found "
                                  f"[{shown(group.strip())}]")
            x1, y1, x2, y2 = (_number(p) for p in parts)
            try:
                boxes.append(Box(x1, y1, x2, y2, label, CoordSpace.PIXEL))
            except ValueError as exc:
                raise MarkupError(f"invalid <box> [{shown(group.strip())}]: {exc}") from None
    if "<box>" in answer and not boxes:
        raise MarkupError("a <box> tag without [[x1, y1, x2, y2]] inside")
    return tuple(boxes)


def parse_points(answer: str, *, space: CoordSpace = CoordSpace.NORM1000) -> tuple[Point, ...]:
    """The points of ``<ref>label</ref> at <pos>[(x, y), ...]</pos>`` markup."""
    released = _RELEASED_POS.fullmatch(answer)
    if released is not None:
        label = released.group(1).strip()
        return tuple(Point(float(x), float(y), label, space)
                     for x, y in _SHORT_PAIR.findall(released.group(2)))
    tagged = _tagged(answer, "pos")
    inner = _bracketed(tagged[0], 1) if tagged is not None else None
    if inner is None:
        if "<pos>" in answer:
            raise MarkupError("a <pos> tag without [(x, y), ...] and </pos>")
        return ()
    label = (ref_label(answer) or "").strip()
    try:
        points = [Point(_number(x), _number(y), label, space)
                  for x, y in _PAIR_RE.findall(inner)]
    except ValueError as exc:  # a coordinate too large for a float, an empty label...
        raise MarkupError(f"invalid <pos>: {exc}") from None
    leftover = _PAIR_RE.sub("", inner).replace(",", "").strip()
    if leftover:
        raise MarkupError("<pos> holds something that is not an (x, y) pair: "
                          f"{shown(leftover)!r}")
    return tuple(points)


def ref_label(answer: str) -> str | None:
    """The text of the first ``<ref>...</ref>`` of ``answer`` as written, or None."""
    tagged = _tagged(answer, "ref")
    return tagged[0] if tagged is not None else None


def parse_count(answer: str) -> int | None:
    """The number of ``<num>N</num>``, or None without the tag."""
    match = _NUM_TAG_RE.search(answer)
    if match is None:
        if "<num>" in answer:
            raise MarkupError("a <num> tag without a whole number and </num>")
        return None
    digits = match.group(1)
    if len(digits.lstrip("-")) > len(str(MAX_COUNT)) or abs(int(digits)) > MAX_COUNT:
        raise MarkupError(f"the count {shown(digits)} is too large (at most {MAX_COUNT:,})")
    return int(digits)


def parse_options(text: str) -> dict[str, str]:
    """Option letters to their text, from ``(A) person (B) duck`` (a prompt or an answer)."""
    line = text.strip().splitlines()[-1] if text.strip() else ""
    # Each option's text runs to the next "(X)" or the end and holds no other parenthesis.
    # Split at the markers rather than with one lazy pattern: that one backtracked
    # quadratically on a long run of spaces (50,000 took minutes).
    marks = list(_OPTION_MARK_RE.finditer(line))
    ends = [m.start() for m in marks[1:]] + [len(line)]
    options: dict[str, str] = {}
    for mark, end in zip(marks, ends):
        value = line[mark.end():end]
        if "(" not in value and ")" not in value:
            options[mark.group(1)] = value.strip()
    return options


def prompt_options(prompt: str) -> dict[str, str]:
    """The options a multiple-choice prompt offers (its last line)."""
    return parse_options(prompt)


# The whole answer of each task, exactly as the released files write it (docs/irtd-format.md
# section 2): anything before or after the markup ("<num>1</num> (checked)", "...</box>. ok")
# would be exported as the answer, so such an answer has the bad-markup warning. Coordinates and counts are integers.
_INT = r"-?\d+"
_OPTION = r"\([A-Z]\) [^()\s](?:[^()]*[^()\s])?"
_FORMS: dict[Task, tuple[re.Pattern[str], str]] = {
    Task.GROUNDING: (re.compile(rf"The target bounding box is <box>\[\[{_INT}, {_INT}, {_INT}, "
                                rf"{_INT}\]\]</box>\."),
                     "The target bounding box is <box>[[x1, y1, x2, y2]]</box>."),
    Task.LOCATION: (re.compile(rf"<ref>[^<>]+</ref> at <pos>\[\({_INT}, {_INT}\)"
                               rf"(?:, \({_INT}, {_INT}\))*\]</pos>"),
                    "<ref>label</ref> at <pos>[(x, y), (x, y)]</pos>"),
    Task.AERIAL_COUNTING: (re.compile(rf"<num>{_INT}</num>"), "<num>N</num>"),
    Task.PEDESTRIAN_COUNTING: (re.compile(rf"<num>{_INT}</num>"), "<num>N</num>"),
    Task.RECOGNITION: (re.compile(_OPTION), "(A) person"),
    Task.SCENE: (re.compile(_OPTION), "(A) field"),
    Task.SECURITY: (re.compile(rf"{_OPTION}(?: {_OPTION})*"), "(A) scooter (B) motor (D) hydrant"),
    Task.RELATIONSHIP: (re.compile(r"yes|no"), "yes"),
    Task.REID: (re.compile(r"[2-8]"), "8"),
}


def released_form(task: Task) -> str | None:
    """How an answer of ``task`` looks in the released files; None for free-text tasks."""
    form = _FORMS.get(task)
    return form[1] if form is not None else None


def form_problem(task: Task, answer: str) -> str | None:
    """None when ``answer`` is the whole of ``task``'s released form (or the task is free
    text); else what differs and how the released form looks."""
    form = _FORMS.get(task)
    if form is None or form[0].fullmatch(answer):
        return None
    pattern, example = form
    found = pattern.search(answer)
    if found is None:
        what = f"'{shown(answer)}' is not in the released form"
    else:  # the markup is there, with more around it (a full match returned above)
        extra = [f"'{shown(part)}' {where}" for part, where in
                 ((answer[:found.start()], "before it"), (answer[found.end():], "after it"))
                 if part]
        what = "the answer has " + " and ".join(extra)
    return f"{what}; a {task.value} answer reads exactly like {example}"


def parse_answer(task: Task, *, prompt: str, answer: str,
                 location_space: CoordSpace = CoordSpace.NORM1000) -> ParsedAnswer:
    """Parse the answer of one single-turn task sample; raise MarkupError when it does not parse.

    Parsing finds the values; whether the whole answer is in the released form is
    ``form_problem``'s question (a bad-markup warning, not a refusal).
    """
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
            raise MarkupError(f"a Relationship answer is yes or no, found {shown(answer)!r}")
        return ParsedAnswer()
    if task is Task.REID:
        if not re.fullmatch(r"[2-8]", answer.strip()):
            raise MarkupError(f"a Re-ID answer is one digit 2-8, found {shown(answer)!r}")
        return ParsedAnswer(options=(answer.strip(),))
    return ParsedAnswer()


def _fmt(value: float) -> str:
    # The released files write integers only.
    return str(round(value))


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
