"""First phase of an import: read a file, validate every sample, find its task, map its image
and parse its answer, one part of the file at a time (``irtd_json.stream_samples``): each
part is checked before it is written, and the import's one transaction makes a bad sample in
a later part undo the earlier ones (so a bad file still writes nothing)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.file_layout import FileLayout
from irtd_annotator.domain.markup import MarkupError, parse_answer
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task, task_from_file_name, task_from_prompt
from irtd_annotator.importers.input_files import display_name
from irtd_annotator.importers.irtd_json import RawSample, stream_samples
from irtd_annotator.importers.paths import ImageLocation, ImagePathError, PathMapping

LOCATED_LIMIT = 200_000  # image strings whose mapping is kept for the next parts and files
ANSWERS_LIMIT = 50_000  # parsed answers kept for the next parts of a file (repeated answers)


class PreparedSample(NamedTuple):
    """One valid sample ready to be written: its key, text, Pair and parsed answer.

    A NamedTuple rather than a dataclass: there are 40,000 of them per import and they are
    built from already validated parts.
    """

    task: str  # Task.value
    original_id: str
    line: int
    image: str
    image_as_list: bool
    turns: tuple[tuple[str, str], ...]
    rel_path: str
    answer_space: str  # CoordSpace value the geometry came in
    boxes: tuple[Box, ...]
    points: tuple[Point, ...]
    count: int | None  # type: ignore[assignment]  # shadows tuple.count, never called here
    options: str | None

    @property
    def signature(self) -> tuple[str, bool, tuple[tuple[str, str], ...]]:
        """What must be equal for a re-import to leave the sample unchanged."""
        return (self.image, self.image_as_list, self.turns)


@dataclass
class FilePlan:
    """Everything one part of a file will write, and the samples rejected from it."""

    name: str
    path: Path
    samples: list[PreparedSample] = field(default_factory=list)
    rejected: list[BadInputError] = field(default_factory=list)
    locations: dict[str, ImageLocation] = field(default_factory=dict)  # by rel_path
    tasks: Counter[str] = field(default_factory=Counter)
    layout: FileLayout | None = None  # the file's layout (stored for the export)
    bytes_read: int = 0  # of the file, once this part was read
    last: bool = True  # the file's last part (the layout is known)


def prepare_file(path: Path, *, mapping: PathMapping, task: Task | None,
                 location_space: CoordSpace, skip_bad: bool,
                 located: dict[str, ImageLocation] | None = None) -> Iterator[FilePlan]:
    """Read and check the samples of ``path``, one part of the file after another (the last
    part has ``last`` set); BadInputError at the first problem unless ``skip_bad``, then the
    bad samples are collected in each part's ``rejected``.

    ``located`` caches image strings already mapped with the same ``mapping`` (files of one
    import share most of their images).
    """
    name = display_name(path)  # printable and storable whatever bytes the name holds
    by_image = located if located is not None else {}
    file_task = task or task_from_file_name(name)
    answers: dict[tuple[Task, str], _Answer] = {}
    parts = stream_samples(path, skip_bad=skip_bad, name=name)
    while True:
        try:
            read = next(parts, None)
        except BadInputError as exc:
            if not skip_bad:
                raise
            yield FilePlan(name=name, path=path, rejected=[exc])
            return
        if read is None:
            return
        plan = FilePlan(name=name, path=path, rejected=read.rejected, layout=read.layout,
                        bytes_read=read.bytes_read, last=read.last)
        _prepare(plan, read.samples, file_task=file_task, mapping=mapping,
                 location_space=location_space, skip_bad=skip_bad, by_image=by_image,
                 answers=answers)
        yield plan


def _prepare(plan: FilePlan, samples: list[RawSample], *, file_task: Task | None,
             mapping: PathMapping, location_space: CoordSpace, skip_bad: bool,
             by_image: dict[str, ImageLocation], answers: dict[tuple[Task, str], _Answer]) -> None:
    """Check ``samples`` into ``plan``."""
    if len(by_image) > LOCATED_LIMIT:  # caches: they must not grow with the project
        by_image.clear()
    if len(answers) > ANSWERS_LIMIT:  # (unique answers, such as Location's, fill it)
        answers.clear()
    name = plan.name
    spaces = {t: (location_space if t is Task.LOCATION else CoordSpace.PIXEL) for t in Task}
    values = {t: t.value for t in Task}
    # One tight loop: it runs for every sample of every file.
    for raw in samples:
        try:
            sample_task = file_task or _task_of(raw, file=name)
            location = by_image.get(raw.image)
            if location is None:
                location = by_image[raw.image] = _locate(raw, file=name, mapping=mapping)
            answer = answers.get((sample_task, raw.answer))
            if answer is None:
                answer = _parse(raw, task=sample_task, file=name, space=spaces[sample_task])
                if sample_task is not Task.GROUNDING:  # its label comes from the prompt
                    answers[(sample_task, raw.answer)] = answer
        except BadInputError as exc:
            if not skip_bad:
                raise
            plan.rejected.append(exc)
            continue
        plan.samples.append(PreparedSample(
            values[sample_task], raw.original_id, raw.line, raw.image, raw.image_as_list,
            raw.turns, location.rel_path, spaces[sample_task].value, *answer))
    plan.tasks.update(sample.task for sample in plan.samples)
    for sample in plan.samples:
        if sample.rel_path not in plan.locations:
            plan.locations[sample.rel_path] = by_image[sample.image]
    plan.rejected.sort(key=lambda e: e.line or 0)


class _Answer(NamedTuple):
    """The parts of a PreparedSample that come from its answer."""

    boxes: tuple[Box, ...]
    points: tuple[Point, ...]
    count: int | None  # type: ignore[assignment]  # shadows tuple.count, never called here
    options: str | None


def _bad(raw: RawSample, file: str, message: str) -> BadInputError:
    return BadInputError(message, file=file, sample_id=raw.original_id, line=raw.line)


def _task_of(raw: RawSample, *, file: str) -> Task:
    task = task_from_prompt(raw.prompt)
    if task is None:
        stem = file.rsplit(".", 1)[0]
        raise _bad(raw, file, f"unknown task {stem!r}: the file name names no task and the "
                              "prompt matches no task's pattern; give the task (--task)")
    return task


def _locate(raw: RawSample, *, file: str, mapping: PathMapping) -> ImageLocation:
    try:
        return mapping.locate(raw.image)
    except ImagePathError as exc:
        raise _bad(raw, file, str(exc)) from None


def _parse(raw: RawSample, *, task: Task, file: str, space: CoordSpace) -> _Answer:
    # Multi-turn samples: the first exchange carries the task's answer.
    try:
        parsed = parse_answer(task, prompt=raw.prompt, answer=raw.answer, location_space=space)
    except MarkupError as exc:
        raise _bad(raw, file, f"the {task.value} answer cannot be parsed: {exc}") from None
    return _Answer(parsed.boxes, parsed.points, parsed.count, "".join(parsed.options) or None)
