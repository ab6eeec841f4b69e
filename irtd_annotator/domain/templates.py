"""The rule-based sample templates of IR-TD: questions and answers made from labelled boxes.

The IR-TD authors generated Grounding, Location, Relationship and the counting tasks from a
source dataset's boxes with fixed templates. These functions reproduce the released prompt
and answer strings byte for byte (checked against ``irtd_json_sft``), including the data's
quirks: the leading space of ``"<image>\\n Locate all ..."``, the doubled "the the" and the
ordinals "6th", "22th" of Relationship.

All functions are pure: boxes (pixels of a ``width`` x ``height`` image) in, samples out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from irtd_annotator.domain.markup import (
    format_box_answer,
    format_count_answer,
    format_location_answer,
)
from irtd_annotator.domain.model import Box, CoordSpace, Point, to_norm1000
from irtd_annotator.domain.tasks import IMAGE_TAG, Task

POSITIONS = ("left", "center", "right")
RELATIONS = ("on the left side of", "on the right side of", "in front of", "behind",
             "near to", "far from")
PEDESTRIAN_LABELS = frozenset({"person", "pedestrian", "people", "persons"})
COUNTING_PROMPT = f"{IMAGE_TAG}\nCalculate the number of pedestrians in the picture."

# IR-TD's thresholds for "near to" / "far from" are not published. Distances are measured
# between box centres in the 0-1000 space (so they do not depend on the image size); these
# two values agree best with the released Relationship answers among simple cut-offs.
NEAR_DISTANCE = 200.0
FAR_DISTANCE = 600.0
# The Relationship questions of IR-TD ask about references up to "34th"; a handful per image
# is enough for review and keeps crowded images from producing hundreds of yes/no samples.
DEFAULT_MAX_REFERENCES = 3

_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth")


@dataclass(frozen=True)
class RuleSample:
    """One generated sample: its task, the human prompt, the gpt answer and its geometry.

    ``boxes`` and ``points`` are pixels of the image. For Location the points are the exact
    box centres; the answer holds them rounded in the 0-1000 space.
    """

    task: Task
    prompt: str
    answer: str
    boxes: tuple[Box, ...] = ()
    points: tuple[Point, ...] = ()
    count: int | None = None
    meta: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.prompt.startswith(IMAGE_TAG + "\n"):
            raise ValueError(f"a prompt starts with '<image>\\n', got {self.prompt[:20]!r}")
        if not self.answer:
            raise ValueError("an answer cannot be empty")
        if self.count is not None and self.count < 0:
            raise ValueError(f"a count cannot be negative, got {self.count}")

    @property
    def pair(self) -> tuple[str, str]:
        """The ``(prompt, answer)`` strings."""
        return (self.prompt, self.answer)


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"the image size must be positive, got {width}x{height}")


def _by_label(boxes: Sequence[Box]) -> dict[str, list[Box]]:
    groups: dict[str, list[Box]] = {}
    for box in boxes:
        if box.space is not CoordSpace.PIXEL:
            raise ValueError(f"template boxes must be in pixels, got {box.space.value}")
        groups.setdefault(box.label, []).append(box)
    return {label: groups[label] for label in sorted(groups) if label}


def left_to_right(boxes: Sequence[Box]) -> list[Box]:
    """Boxes in IR-TD's "from left to right" order: by centre x, then centre y."""
    return sorted(boxes, key=lambda b: (b.centre[0], b.centre[1]))


def position_of(box: Box, *, width: int) -> str:
    """"left", "center" or "right": the third of the image the box centre lies in."""
    x = box.centre[0]
    if x < width / 3:
        return "left"
    return "center" if x < 2 * width / 3 else "right"


def ordinal(n: int) -> str:
    """IR-TD's ordinals: "first" to "fifth", then "6th", "7th", ... ("22th" as in the data)."""
    if n < 1:
        raise ValueError(f"an ordinal starts at 1, got {n}")
    return _ORDINAL_WORDS[n - 1] if n <= len(_ORDINAL_WORDS) else f"{n}th"


def grounding_prompt(label: str, position: str) -> str:
    """``<image>\\nDetect the bounding box of the person located at the right of the image.``"""
    if position not in POSITIONS:
        raise ValueError(f"position must be one of {', '.join(POSITIONS)}, got {position!r}")
    return f"{IMAGE_TAG}\nDetect the bounding box of the {label} located at the {position} of the image."


def grounding_samples(boxes: Sequence[Box], *, width: int, height: int) -> list[RuleSample]:
    """One Grounding sample per (label, third of the image) holding exactly one box.

    A third with two boxes of the same label would make the question ambiguous, so IR-TD
    asks only where the box is unique.
    """
    _check_size(width, height)
    samples: list[RuleSample] = []
    for label, group in _by_label(boxes).items():
        for position in POSITIONS:
            inside = [b for b in group if position_of(b, width=width) == position]
            if len(inside) == 1:
                samples.append(RuleSample(Task.GROUNDING, grounding_prompt(label, position),
                                          format_box_answer(inside[0]), boxes=(inside[0],),
                                          meta=(("label", label), ("position", position))))
    return samples


def location_prompt(label: str) -> str:
    """``<image>\\n Locate all person from left to right.`` (the leading space is IR-TD's)."""
    return f"{IMAGE_TAG}\n Locate all {label} from left to right."


def location_samples(boxes: Sequence[Box], *, width: int, height: int) -> list[RuleSample]:
    """One Location sample per label: box centres in 0-1000, rounded, left to right."""
    _check_size(width, height)
    samples: list[RuleSample] = []
    for label, group in _by_label(boxes).items():
        centres = [Point(*b.centre, label=label) for b in group]
        normed = [to_norm1000(p, width=width, height=height) for p in centres]
        # Keep the pixel points in the answer's order, which sorts the rounded values.
        order = sorted(range(len(centres)), key=lambda i: (normed[i].x, normed[i].y))
        samples.append(RuleSample(
            Task.LOCATION, location_prompt(label), format_location_answer(label, normed),
            points=tuple(centres[i] for i in order), meta=(("label", label),)))
    return samples


def pedestrian_counting_samples(boxes: Sequence[Box], *, width: int, height: int) -> list[RuleSample]:
    """One Pedestrian Counting sample: the number of person boxes (0 is a valid answer)."""
    _check_size(width, height)
    people = tuple(b for b in boxes if b.label.lower() in PEDESTRIAN_LABELS)
    return [RuleSample(Task.PEDESTRIAN_COUNTING, COUNTING_PROMPT, format_count_answer(len(people)),
                       boxes=people, count=len(people))]


def relationship_prompt(target: str, relation: str, *, n: int, reference: str) -> str:
    """``<image>\\nIs there a car on the right side of the the first person from left to right?``"""
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {', '.join(RELATIONS)}, got {relation!r}")
    article = "an" if target[:1].lower() in "aeiou" else "a"
    return (f"{IMAGE_TAG}\nIs there {article} {target} {relation} the the {ordinal(n)} "
            f"{reference} from left to right?")


def _norm_centre(box: Box, width: int, height: int) -> tuple[float, float]:
    x, y = box.centre
    return (x / width * 1000.0, y / height * 1000.0)


def relation_holds(relation: str, target: Box, reference: Box, *, width: int, height: int) -> bool:
    """Whether ``target`` stands in ``relation`` to ``reference``, by IR-TD's conventions.

    Left/right compare centre x. "In front of" means farther from the camera, i.e. higher in
    the image (smaller centre y), and "behind" lower: that is how the released answers use
    the words (the views are from a camera looking ahead and down). Near/far compare the
    centre distance in the 0-1000 space with NEAR_DISTANCE / FAR_DISTANCE.
    """
    tx, ty = _norm_centre(target, width, height)
    rx, ry = _norm_centre(reference, width, height)
    if relation == "on the left side of":
        return tx < rx
    if relation == "on the right side of":
        return tx > rx
    if relation == "in front of":
        return ty < ry
    if relation == "behind":
        return ty > ry
    if relation == "near to":
        return math.dist((tx, ty), (rx, ry)) < NEAR_DISTANCE
    if relation == "far from":
        return math.dist((tx, ty), (rx, ry)) > FAR_DISTANCE
    raise ValueError(f"relation must be one of {', '.join(RELATIONS)}, got {relation!r}")


def relationship_samples(boxes: Sequence[Box], *, width: int, height: int,
                         max_references: int = DEFAULT_MAX_REFERENCES) -> list[RuleSample]:
    """Yes/no questions: is there a <target label> <relation> the n-th <reference label>?

    As in IR-TD, target and reference are of different labels (the released questions pair
    car with person and car with bike, never a label with itself), so an image with one
    label gets no Relationship samples. The answer is "yes" when at least one box of the
    target label stands in the relation, which is what the question literally asks. IR-TD
    seems to have sampled one target box per question, so some of its "no" answers cannot
    be derived from the boxes alone; the "yes" answers of its left/right questions can.
    """
    _check_size(width, height)
    if max_references < 1:
        raise ValueError(f"max_references must be 1 or more, got {max_references}")
    groups = _by_label(boxes)
    samples: list[RuleSample] = []
    for reference_label, references in groups.items():
        ordered = left_to_right(references)
        for n, reference in enumerate(ordered[:max_references], start=1):
            for target_label, targets in groups.items():
                if target_label == reference_label:
                    continue
                for relation in RELATIONS:
                    hits = tuple(b for b in targets if relation_holds(
                        relation, b, reference, width=width, height=height))
                    samples.append(RuleSample(
                        Task.RELATIONSHIP,
                        relationship_prompt(target_label, relation, n=n, reference=reference_label),
                        "yes" if hits else "no", boxes=(reference, *hits),
                        meta=(("relation", relation), ("reference", f"{reference_label} {n}"))))
    return samples


def rule_based_samples(boxes: Sequence[Box], *, width: int, height: int,
                       max_references: int = DEFAULT_MAX_REFERENCES) -> list[RuleSample]:
    """Every template applied to one image's boxes: Grounding, Location, Relationship, counting."""
    return [
        *grounding_samples(boxes, width=width, height=height),
        *location_samples(boxes, width=width, height=height),
        *relationship_samples(boxes, width=width, height=height, max_references=max_references),
        *pedestrian_counting_samples(boxes, width=width, height=height),
    ]
