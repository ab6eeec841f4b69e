"""IR-TD's rule-based templates reproduce the released prompts and answers."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from irtd_annotator.domain.markup import parse_answer
from irtd_annotator.domain.model import Box, to_norm1000
from irtd_annotator.domain.tasks import Task, task_from_prompt
from irtd_annotator.domain.templates import (
    RELATIONS,
    RuleSample,
    grounding_samples,
    location_samples,
    ordinal,
    pedestrian_counting_samples,
    relationship_samples,
    rule_based_samples,
)


def _released(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8").strip()
    if not text.startswith("["):  # Detection.json: objects with commas, no brackets
        text = "[" + text.rstrip(",") + "]"
    return json.loads(text)


@pytest.fixture(scope="module")
def released(irtd_files: Path) -> dict[str, list[tuple[str, str, str]]]:
    """(image, prompt, answer) of the four released files the templates make."""
    out = {}
    for name in ("Detection.json", "Location.json", "Relationship.json", "PedestrianCounting.json"):
        out[name] = [(s["image"][0], s["conversations"][0]["value"], s["conversations"][1]["value"])
                     for s in _released(irtd_files / name)]
    return out


def _prompts(released: dict, name: str) -> set[str]:
    return {prompt for _image, prompt, _answer in released[name]}


# FLIR-like streets on a 640x512 image: people and cars; cars and bikes (the label pairs
# IR-TD's Relationship questions use).
STREET = [
    Box(20, 200, 60, 300, "person"), Box(300, 210, 330, 290, "person"),
    Box(500, 223, 512, 238, "person"), Box(100, 250, 200, 330, "car"),
    Box(560, 180, 600, 210, "car"),
]
BIKES = [Box(380, 240, 420, 280, "bike"), Box(100, 250, 200, 330, "car"),
         Box(560, 180, 600, 210, "car")]


def test_every_generated_prompt_is_a_released_prompt_verbatim(released: dict) -> None:
    samples = [*rule_based_samples(STREET, width=640, height=512),
               *rule_based_samples(BIKES, width=640, height=512)]
    files = {Task.GROUNDING: "Detection.json", Task.LOCATION: "Location.json",
             Task.RELATIONSHIP: "Relationship.json", Task.PEDESTRIAN_COUNTING: "PedestrianCounting.json"}
    assert {s.task for s in samples} == set(files)
    # 5 + 3 unique (label, third) boxes; one Location per label; 6 relations per reference
    # (3 people and 2 cars, then 1 bike and 2 cars); one count per image.
    assert Counter(s.task for s in samples) == {
        Task.GROUNDING: 8, Task.LOCATION: 4, Task.RELATIONSHIP: 48, Task.PEDESTRIAN_COUNTING: 2}
    for sample in samples:
        assert sample.prompt in _prompts(released, files[sample.task]), sample.prompt
        assert task_from_prompt(sample.prompt) is sample.task


def test_answers_have_the_released_shape_and_parse_back_to_their_geometry(released: dict) -> None:
    shapes = {
        Task.GROUNDING: r"The target bounding box is <box>\[\[\d+, \d+, \d+, \d+\]\]</box>\.",
        Task.LOCATION: r"<ref>\w+</ref> at <pos>\[\(\d+, \d+\)(, \(\d+, \d+\))*\]</pos>",
        Task.RELATIONSHIP: r"yes|no",
        Task.PEDESTRIAN_COUNTING: r"<num>\d+</num>",
    }
    files = {Task.GROUNDING: "Detection.json", Task.LOCATION: "Location.json",
             Task.RELATIONSHIP: "Relationship.json", Task.PEDESTRIAN_COUNTING: "PedestrianCounting.json"}
    for task, name in files.items():  # the patterns really are the released files' shapes
        assert all(re.fullmatch(shapes[task], a) for _i, _p, a in released[name]), name
    for sample in rule_based_samples(STREET, width=640, height=512):
        assert re.fullmatch(shapes[sample.task], sample.answer), sample.answer
        parsed = parse_answer(sample.task, prompt=sample.prompt, answer=sample.answer)
        if sample.task is Task.GROUNDING:
            assert parsed.boxes == sample.boxes
        elif sample.task is Task.LOCATION:
            assert parsed.points == tuple(to_norm1000(p, width=640, height=512) for p in sample.points)
        elif sample.task is Task.PEDESTRIAN_COUNTING:
            assert parsed.count == sample.count == 3


def test_location_gives_the_integers_of_the_released_data(released: dict) -> None:
    # Detection.json sample 0: the person [500, 223, 512, 238] at the right of FLIR_02410,
    # whose centre (506, 230.5) is (791, 450) in the released Location answer of that image.
    image, prompt, answer = released["Detection.json"][0]
    assert answer == "The target bounding box is <box>[[500, 223, 512, 238]]</box>."
    (sample,) = location_samples([Box(500, 223, 512, 238, "person")], width=640, height=512)
    assert sample.answer == "<ref>person</ref> at <pos>[(791, 450)]</pos>"
    assert sample.points[0].x == 506 and sample.points[0].y == 230.5
    real = [a for i, p, a in released["Location.json"] if i == image and "person" in p]
    assert real and "(791, 450)" in real[0]
    (grounding,) = grounding_samples([Box(500, 223, 512, 238, "person")], width=640, height=512)
    assert grounding.pair == (prompt, answer)


def test_location_rounds_halves_to_even_as_the_released_data_does() -> None:
    # Comparing the released Detection boxes with the Location points of the same images,
    # 87.5 became 88 and 962.5 became 962: Python's round(), not round-half-up.
    boxes = [Box(85, 10, 90, 20, "car"), Box(960, 10, 965, 20, "car")]
    (sample,) = location_samples(boxes, width=1000, height=1000)
    assert sample.answer == "<ref>car</ref> at <pos>[(88, 15), (962, 15)]</pos>"


def test_location_lists_points_left_to_right_with_the_leading_space() -> None:
    boxes = [Box(600, 0, 640, 40, "car"), Box(0, 0, 40, 40, "car"), Box(300, 100, 340, 140, "car")]
    (sample,) = location_samples(boxes, width=640, height=512)
    assert sample.prompt == "<image>\n Locate all car from left to right."
    assert sample.answer == "<ref>car</ref> at <pos>[(31, 39), (500, 234), (969, 39)]</pos>"
    assert [p.x for p in sample.points] == [20, 320, 620]


def test_grounding_asks_only_where_a_label_has_a_unique_box() -> None:
    boxes = [Box(10, 10, 50, 50, "person"), Box(100, 10, 150, 50, "person"),  # two at the left
             Box(300, 10, 340, 50, "person"), Box(600, 10, 630, 50, "person")]
    samples = grounding_samples(boxes, width=640, height=512)
    assert [s.prompt for s in samples] == [
        "<image>\nDetect the bounding box of the person located at the center of the image.",
        "<image>\nDetect the bounding box of the person located at the right of the image.",
    ]
    assert samples[1].answer == "The target bounding box is <box>[[600, 10, 630, 50]]</box>."


def test_pedestrian_counting_counts_people_only() -> None:
    (sample,) = pedestrian_counting_samples(STREET, width=640, height=512)
    assert sample.pair == ("<image>\nCalculate the number of pedestrians in the picture.",
                           "<num>3</num>")
    (empty,) = pedestrian_counting_samples([Box(0, 0, 5, 5, "car")], width=640, height=512)
    assert empty.answer == "<num>0</num>" and empty.count == 0


def _answers(samples: list[RuleSample]) -> dict[str, str]:
    return {s.prompt.removeprefix("<image>\n"): s.answer for s in samples}


def test_relationship_answers_follow_the_boxes() -> None:
    # A person on the left, low in the image (near the camera); a car on the right, higher
    # up (farther away) and far from the person.
    boxes = [Box(40, 400, 80, 500, "person"), Box(560, 100, 620, 140, "car")]
    answers = _answers(relationship_samples(boxes, width=640, height=512))
    ask = "Is there a car {} the the first person from left to right?"
    assert answers[ask.format("on the right side of")] == "yes"
    assert answers[ask.format("on the left side of")] == "no"
    assert answers[ask.format("in front of")] == "yes"  # farther from the camera
    assert answers[ask.format("behind")] == "no"
    assert answers[ask.format("far from")] == "yes"
    assert answers[ask.format("near to")] == "no"
    assert answers["Is there a person on the left side of the the first car from left to right?"] == "yes"
    assert len(answers) == 2 * len(RELATIONS)


def test_relationship_never_relates_a_label_to_itself(released: dict) -> None:
    # The released questions pair different labels only (car/person, car/bike).
    pairs = {re.match(r"<image>\nIs there an? (\w+) .+ the the \w+ (\w+) from", p).groups()
             for p in _prompts(released, "Relationship.json")}
    assert all(target != reference for target, reference in pairs)
    people = [Box(x, 200, x + 20, 260, "person") for x in (500, 100, 300)]
    assert relationship_samples(people, width=640, height=512) == []


def test_relationship_counts_references_from_left_to_right() -> None:
    people = [Box(x, 200, x + 20, 260, "person") for x in (500, 100, 150)]
    car = [Box(200, 230, 260, 270, "car")]
    samples = relationship_samples(people + car, width=640, height=512, max_references=3)
    answers = _answers(samples)
    assert len(samples) == (3 + 1) * len(RELATIONS)
    ask = "Is there a car {} the the {} person from left to right?"
    assert answers[ask.format("on the left side of", "first")] == "no"
    assert answers[ask.format("on the left side of", "third")] == "yes"
    assert answers[ask.format("near to", "second")] == "yes"
    assert answers[ask.format("far from", "second")] == "no"
    assert answers["Is there a person near to the the first car from left to right?"] == "yes"
    one = relationship_samples(people + car, width=640, height=512, max_references=1)
    assert len(one) == 2 * len(RELATIONS)


def test_ordinals_are_spelled_as_in_the_released_data(released: dict) -> None:
    assert [ordinal(n) for n in (1, 2, 5, 6, 22)] == ["first", "second", "fifth", "6th", "22th"]
    prompts = _prompts(released, "Relationship.json")
    for word in ("fifth", "6th", "22th"):
        assert any(f" the the {word} " in p for p in prompts)
    with pytest.raises(ValueError):
        ordinal(0)


def test_bad_inputs_raise_value_errors_naming_the_value() -> None:
    with pytest.raises(ValueError, match="0x512"):
        grounding_samples(STREET, width=0, height=512)
    with pytest.raises(ValueError, match="<image>"):
        RuleSample(Task.GROUNDING, "Detect the bounding box", "x")
