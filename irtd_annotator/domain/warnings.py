"""Consistency warnings of a Sample: what a reviewer should look at twice.

Pure rules over plain values; the services gather the values from the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from irtd_annotator.domain.markup import prompt_options, released_form
from irtd_annotator.domain.model import Box, Point
from irtd_annotator.domain.tasks import Task

OUTSIDE_IMAGE = "outside-image"
ZERO_AREA = "zero-area"
POINTS_VS_BOXES = "points-vs-boxes"
COUNT_VS_MARKERS = "count-vs-markers"
SECURITY_CONTRADICTION = "security-contradiction"
UNKNOWN_OPTION = "unknown-option"
BAD_MARKUP = "bad-markup"
NEGATIVE_COUNT = "negative-count"
# Set by a re-import, not derived by any rule: the file's LLM text changed under a Sample a
# person had worked on (ADR 0014). Every refresh keeps it; a review decision settles it.
REIMPORT_CONFLICT = "reimport-conflict"
KEPT_CODES = frozenset({REIMPORT_CONFLICT})

HINTS: dict[str, str] = {
    OUTSIDE_IMAGE: "a box or point lies outside the image",
    ZERO_AREA: "a box has zero area",
    POINTS_VS_BOXES: "the number of points differs from the boxes of that category on this image",
    COUNT_VS_MARKERS: "the count differs from the markers placed on the image",
    SECURITY_CONTRADICTION: "the answer says an object is absent that another sample of this image shows",
    UNKNOWN_OPTION: "the answer picks an option the prompt does not offer",
    BAD_MARKUP: "the answer does not parse, or is not exactly in the released form",
    NEGATIVE_COUNT: "the answer counts fewer than zero",
    REIMPORT_CONFLICT: "a re-import brought new LLM text for this reviewed or edited sample; "
                       "the review was kept: compare with the original (the new text), "
                       "then decide again",
}


def hint(code: str, task: Task | None = None) -> str:
    """What warning ``code`` means for a Sample of ``task``: the bad-markup one names the
    released form the answer needs ("... reads exactly like <num>N</num>"), as the message
    when such an answer is saved does, so that the reviewer knows what to type."""
    text = HINTS.get(code, "")
    form = released_form(task) if code == BAD_MARKUP and task is not None else None
    if form is None or task is None:
        return text
    return f"{text}: a {task.value} answer reads exactly like {form}"


def keep_codes(computed: str | None, stored: str | None) -> str | None:
    """The warnings to store ("; "-joined, None for none): the ``computed`` ones, then the
    KEPT_CODES ``stored`` holds, which no rule derives and so no refresh may drop."""
    if not stored or not any(code in stored for code in KEPT_CODES):
        return computed
    kept = [c for c in stored.split("; ") if c in KEPT_CODES]
    codes = [c for c in (computed or "").split("; ") if c and c not in KEPT_CODES]
    return "; ".join(codes + kept) or None


def drop_code(stored: str | None, code: str) -> str | None:
    """``stored`` ("; "-joined warnings) without ``code``."""
    return "; ".join(c for c in (stored or "").split("; ") if c and c != code) or None


def add_code(stored: str | None, code: str) -> str:
    """``stored`` ("; "-joined warnings) with ``code`` last, once (e.g. the bad-markup
    warning of answer text saved although it does not parse)."""
    return "; ".join([c for c in (stored or "").split("; ") if c and c != code] + [code])


@dataclass(frozen=True)
class SampleFacts:
    """What the warning rules look at for one Sample."""

    task: Task
    prompt: str
    answer: str
    boxes: tuple[Box, ...] = ()
    points: tuple[Point, ...] = ()
    width: int | None = None
    height: int | None = None
    options: tuple[str, ...] = ()
    count: int | None = None
    markers: int | None = None  # click-to-count markers, when the reviewer placed some
    # labels -> number of boxes of that label known for the same image (other samples, source)
    boxes_by_label: dict[str, int] | None = None
    # labels other samples of the same image show as present (Grounding/Location/source boxes)
    present_labels: frozenset[str] = frozenset()


def sample_warnings(facts: SampleFacts) -> tuple[str, ...]:
    """The warning codes of one Sample, in a stable order."""
    found: list[str] = []
    if any(b.outside(facts.width, facts.height) for b in facts.boxes) or any(
            p.outside(facts.width, facts.height) for p in facts.points):
        found.append(OUTSIDE_IMAGE)
    if any(b.area <= 0 for b in facts.boxes):
        found.append(ZERO_AREA)
    if facts.task is Task.LOCATION and facts.boxes_by_label and facts.points:
        label = facts.points[0].label
        known = facts.boxes_by_label.get(label)
        if known is not None and known != len(facts.points):
            found.append(POINTS_VS_BOXES)
    if facts.markers is not None and facts.count is not None and facts.markers != facts.count:
        found.append(COUNT_VS_MARKERS)
    if facts.count is not None and facts.count < 0:
        found.append(NEGATIVE_COUNT)
    if facts.task in (Task.RECOGNITION, Task.SECURITY, Task.SCENE) and facts.options:
        offered = prompt_options(facts.prompt)
        if any(letter not in offered for letter in facts.options):
            found.append(UNKNOWN_OPTION)
        if facts.task is Task.SECURITY and facts.present_labels:
            absent = {offered.get(letter, "").lower() for letter in facts.options}
            if absent & {label.lower() for label in facts.present_labels}:
                found.append(SECURITY_CONTRADICTION)
    return tuple(found)
