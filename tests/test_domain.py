"""Domain rules: tasks, geometry, markup parsing and writing against the real released files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from irtd_annotator.domain.markup import (
    MarkupError,
    format_box_answer,
    format_count_answer,
    format_location_answer,
    format_options_answer,
    parse_answer,
    prompt_options,
)
from irtd_annotator.domain.model import Box, CoordSpace, Point, to_norm1000, to_pixels
from irtd_annotator.domain.tasks import Task, task_from_file_name, task_from_prompt


def test_task_names_and_release_files() -> None:
    assert task_from_file_name("Detection.json") is Task.GROUNDING
    assert task_from_file_name("/x/ReID.json") is Task.REID
    assert task_from_file_name("PedestrianCounting.jsonl") is Task.PEDESTRIAN_COUNTING
    assert task_from_file_name("whatever.json") is None
    assert Task.parse("re-id") is Task.REID
    assert Task.GROUNDING.release_file == "Detection.json"
    with pytest.raises(ValueError, match="unknown task 'Segmentation'"):
        Task.parse("Segmentation")


def test_box_checks_itself() -> None:
    with pytest.raises(ValueError, match="reversed"):
        Box(10, 10, 5, 20)
    with pytest.raises(ValueError, match="finite"):
        Box(float("nan"), 0, 1, 1)
    box = Box(600, 10, 641, 30)
    assert box.outside(640, 512)
    assert not box.outside(None, None)
    assert box.clamped(640, 512).x2 == 640


def test_location_space_matches_the_real_data_on_flir() -> None:
    # irtd-format.md: Grounding box centre (506, 230.5) is Location point (791, 450) on 640x512.
    point = to_norm1000(Point(506, 230.5), width=640, height=512)
    assert (point.x, point.y) == (791, 450)
    back = to_pixels(point, width=640, height=512)
    assert back.space is CoordSpace.PIXEL
    assert to_norm1000(back, width=640, height=512) == point


def test_grounding_answer_parses_and_writes_back() -> None:
    answer = "The target bounding box is <box>[[500, 223, 512, 238]]</box>."
    parsed = parse_answer(Task.GROUNDING, answer=answer,
                          prompt="<image>\nDetect the bounding box of the person located at the right of the image.")
    assert parsed.boxes == (Box(500, 223, 512, 238, "person"),)
    assert format_box_answer(parsed.boxes[0]) == answer


@pytest.mark.parametrize("task,answer,message", [
    (Task.GROUNDING, "The target bounding box is <box>[[500, 223, 512]]</box>.", "four numbers"),
    (Task.GROUNDING, "no box here", "exactly one <box>"),
    (Task.LOCATION, "<ref>car</ref> at <pos>[(1, 2), (x, 3)]</pos>", "not an \\(x, y\\) pair"),
    (Task.AERIAL_COUNTING, "<num>many</num>", "<num>"),
    (Task.RECOGNITION, "(A) person (B) duck", "exactly one option"),
    (Task.RELATIONSHIP, "maybe", "yes or no"),
    (Task.REID, "9", "2-8"),
])
def test_bad_markup_is_named(task: Task, answer: str, message: str) -> None:
    with pytest.raises(MarkupError, match=message):
        parse_answer(task, prompt="", answer=answer)


def test_security_options_are_written_in_option_order() -> None:
    options = prompt_options("What object does not appear in the picture?\n(A) scooter (B) motor (C) car (D) hydrant")
    assert format_options_answer(options, ["D", "A", "B"]) == "(A) scooter (B) motor (D) hydrant"
    with pytest.raises(ValueError, match="E"):
        format_options_answer(options, ["E"])
    assert format_count_answer(21) == "<num>21</num>"


def _real_samples(irtd_files: Path, name: str) -> list[dict]:
    return json.loads((irtd_files / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["Location.json", "Security.json", "Recognition.json",
                                  "AerialCounting.json", "PedestrianCounting.json",
                                  "Relationship.json", "ReID.json"])
def test_every_real_answer_parses_and_writes_back_byte_for_byte(irtd_files: Path, name: str) -> None:
    task = task_from_file_name(name)
    assert task is not None
    for sample in _real_samples(irtd_files, name):
        prompt, answer = (turn["value"] for turn in sample["conversations"])
        assert task_from_prompt(prompt) is task, prompt
        parsed = parse_answer(task, prompt=prompt, answer=answer)
        if task is Task.LOCATION:
            label = re.search(r"<ref>(.*?)</ref>", answer).group(1)  # type: ignore[union-attr]
            assert format_location_answer(label, parsed.points) == answer
        elif task in (Task.SECURITY, Task.RECOGNITION):
            assert format_options_answer(prompt_options(prompt), parsed.options) == answer
        elif parsed.count is not None:
            assert format_count_answer(parsed.count) == answer
