"""The IR-TD tasks, their release file names and their prompt patterns."""

from __future__ import annotations

import enum
import re


class Task(str, enum.Enum):
    """One IR-TD task. The value is the name shown to people and stored."""

    CAPTION = "Caption"
    INSTRUCTION = "Instruction"
    GROUNDING = "Grounding"
    LOCATION = "Location"
    RELATIONSHIP = "Relationship"
    RECOGNITION = "Recognition"
    SECURITY = "Security"
    REID = "Re-ID"
    AERIAL_COUNTING = "Aerial Counting"
    PEDESTRIAN_COUNTING = "Pedestrian Counting"
    SCENE = "Scene"

    @property
    def release_file(self) -> str:
        """The file name IR-TD uses for this task in a release."""
        return RELEASE_FILES[self]

    @classmethod
    def parse(cls, name: str) -> Task:
        """Accept a task by value, enum name, release file name or a loose spelling."""
        key = _norm(name)
        for task in cls:
            if key in (_norm(task.value), _norm(task.name), _norm(RELEASE_FILES[task].removesuffix(".json"))):
                return task
        raise ValueError(
            f"unknown task {name!r}; known tasks: {', '.join(t.value for t in cls)}"
        )


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


RELEASE_FILES: dict[Task, str] = {
    Task.GROUNDING: "Detection.json",
    Task.LOCATION: "Location.json",
    Task.RELATIONSHIP: "Relationship.json",
    Task.RECOGNITION: "Recognition.json",
    Task.SECURITY: "Security.json",
    Task.REID: "ReID.json",
    Task.AERIAL_COUNTING: "AerialCounting.json",
    Task.PEDESTRIAN_COUNTING: "PedestrianCounting.json",
    Task.SCENE: "Scene.json",
    Task.CAPTION: "Caption.json",
    Task.INSTRUCTION: "Instruction.json",
}


def task_from_file_name(file_name: str) -> Task | None:
    """The task a release file name stands for (``Detection.json`` is Grounding), or None."""
    stem = re.sub(r"\.(json|jsonl)$", "", file_name.rsplit("/", 1)[-1], flags=re.I)
    for task, release in RELEASE_FILES.items():
        if _norm(stem) == _norm(release.removesuffix(".json")):
            return task
    try:
        return Task.parse(stem)
    except ValueError:
        return None


# Prompt patterns of the real files, most specific first. Applied to the first human turn
# with the leading "<image>\n" removed.
_PROMPT_PATTERNS: tuple[tuple[Task, re.Pattern[str]], ...] = (
    (Task.GROUNDING, re.compile(r"^\s*Detect the bounding box of", re.I)),
    (Task.LOCATION, re.compile(r"^\s*Locate all .+ from left to right", re.I)),
    (Task.RELATIONSHIP, re.compile(r"^\s*Is there an? .+\?\s*$", re.I | re.S)),
    (Task.RECOGNITION, re.compile(r"^\s*What is the object in the picture\?", re.I)),
    (Task.SECURITY, re.compile(r"^\s*What object does not appear in the picture\?", re.I)),
    (Task.REID, re.compile(r"^\s*Which person has the same identity", re.I)),
    (Task.AERIAL_COUNTING, re.compile(r"^\s*Calculate the number of (cars|vehicles)", re.I)),
    (Task.PEDESTRIAN_COUNTING, re.compile(r"^\s*Calculate the number of (pedestrians|people|persons)", re.I)),
    (Task.SCENE, re.compile(r"^\s*Identify the type of scene", re.I)),
    (Task.CAPTION, re.compile(r"^\s*(Describe this (picture|image)|Give a detailed description)", re.I)),
)


def task_from_prompt(prompt: str) -> Task | None:
    """The task whose prompt pattern the first human turn matches, or None."""
    text = strip_image_tag(prompt)
    for task, pattern in _PROMPT_PATTERNS:
        if pattern.search(text):
            return task
    return None


IMAGE_TAG = "<image>"


def strip_image_tag(prompt: str) -> str:
    """The prompt without its leading ``<image>`` tag and the newline after it."""
    if prompt.startswith(IMAGE_TAG):
        prompt = prompt[len(IMAGE_TAG):]
        if prompt.startswith("\n"):
            prompt = prompt[1:]
    return prompt
