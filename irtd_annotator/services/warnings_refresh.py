"""Consistency warnings of many Samples at once, from what the store holds.

The same rules as ``answers.compute_warnings`` (domain.warnings.sample_warnings) over the
stored values (shapes, count, options, markers) instead of a freshly parsed answer, so a
whole project is refreshed with a handful of queries: after an import, and for every Sample
of a Pair after its source boxes changed. Edited answers are parsed again (their markup may
be broken, which only a parse can tell); the released text of unedited ones parsed at import.

``refresh_warnings`` is three steps an import runs apart: ``gather_warning_facts`` (the
store's reads; the Pairs the import created come from what it wrote, ``KnownRows``),
``decide_warnings`` (pure Python, on another thread while SQLite merges the search index)
and ``apply_warnings`` (the writes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from irtd_annotator.domain.geometry_edit import known_size
from irtd_annotator.domain.markup import MarkupError, form_problem
from irtd_annotator.domain.model import Box, CoordSpace, Point
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.warnings import (
    BAD_MARKUP,
    OUTSIDE_IMAGE,
    SampleFacts,
    keep_codes,
    sample_warnings,
)
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.answers import (
    ANSWER_KINDS,
    IMAGE_SIZES_KEY,
    MARKER,
    AnswerContext,
    parse_for,
)
from irtd_annotator.store import warnings as store
from irtd_annotator.store.settings import get_setting

_SPACES = {space.value: space for space in CoordSpace}
NORM1000 = CoordSpace.NORM1000.value
_TASKS = {task.value: task for task in Task}


def recompute_warnings(project: Project) -> int:
    """Refresh the warnings of every Sample of ``project`` in one transaction.

    Returns how many Samples' warnings changed.
    """
    with project.engine.begin() as conn:
        return len(refresh_warnings(conn))


@dataclass
class KnownRows:
    """What a bulk writer holds in memory of every Pair with an id from ``first_pair`` on
    (an import's new Pairs, which nothing else refers to): the rows ``refresh_warnings``
    would read of all their Samples and Shapes, so they are not read back (on 260,000 new
    Samples that read was 3 of its 5 s)."""

    first_pair: int
    samples: list[tuple[Any, ...]] = field(default_factory=list)  # as store.warnings.SAMPLE_ROW
    shapes: list[tuple[Any, ...]] = field(default_factory=list)  # as store.warnings.SHAPE_ROW
    prompts: dict[int, str] = field(default_factory=dict)  # multiple-choice Samples' prompt
    usable: bool = True  # false when the writer could not tell some rows' ids
    ids: set[int] = field(default_factory=set)  # the Samples in ``samples``

    def forget(self, sample_ids: Iterable[int]) -> None:
        """Drop what was added of ``sample_ids`` (Samples written again since)."""
        drop = self.ids.intersection(sample_ids)
        if drop:
            self.samples = [row for row in self.samples if row[0] not in drop]
            self.shapes = [row for row in self.shapes if row[2] not in drop]
            for sid in drop:
                self.prompts.pop(sid, None)
            self.ids -= drop


OPTION_TASKS = frozenset({Task.RECOGNITION.value, Task.SECURITY.value, Task.SCENE.value})


def refresh_warnings(conn: Connection, *, pair_ids: Sequence[int] | None = None,
                     known: KnownRows | None = None) -> set[int]:
    """Refresh the warnings (and the shapes' outside flags) of the Samples of ``pair_ids``
    (all Pairs when None) in the caller's transaction; the ids whose warnings changed.

    ``known``: the Pairs from ``known.first_pair`` on are taken from it, not read.
    """
    facts = gather_warning_facts(conn, pair_ids=pair_ids, known=known)
    return apply_warnings(conn, decide_warnings(facts))


@dataclass
class WarningFacts:
    """What the rules look at, gathered from the store (and a writer's ``KnownRows``)."""

    samples: list[tuple[Any, ...]]  # as store.warnings.SAMPLE_ROW
    shapes: list[tuple[Any, ...]]  # as store.warnings.SHAPE_ROW
    texts: dict[int, tuple[str, str]]  # (prompt, answer) of the Samples whose text counts
    overrides: Any  # the project's image sizes per source


@dataclass
class WarningUpdates:
    """What the rules decided: Samples whose warnings change, Shapes whose flag changes."""

    changed: set[int] = field(default_factory=set)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # p_id, p_warnings
    outside: list[dict[str, Any]] = field(default_factory=list)  # p_id, p_outside


def gather_warning_facts(conn: Connection, *, pair_ids: Sequence[int] | None = None,
                         known: KnownRows | None = None) -> WarningFacts:
    """Read what ``decide_warnings`` needs of the Samples of ``pair_ids`` (all when None);
    the Pairs from ``known.first_pair`` on are taken from ``known``."""
    overrides = get_setting(conn, IMAGE_SIZES_KEY)
    below = None
    if known is not None:
        below = known.first_pair
        if pair_ids is not None:
            pair_ids = [p for p in pair_ids if p < known.first_pair]
    samples = store.sample_rows(conn, pair_ids=pair_ids, below=below)
    if known is not None:
        samples.extend(known.samples)
    if not samples:
        return WarningFacts([], [], {}, overrides)
    shapes = store.shape_rows(conn, pair_ids=pair_ids, below=below)
    if known is not None:
        shapes.extend(known.shapes)
    given = known.prompts if known is not None else {}
    texts = _turn_texts(conn, prompts=[r[0] for r in samples
                                       if r[1] in OPTION_TASKS and r[0] not in given],
                        both=[r[0] for r in samples if r[7]])
    for sid, prompt in given.items():
        texts.setdefault(sid, (prompt, ""))
    return WarningFacts(samples, shapes, texts, overrides)


def decide_warnings(facts: WarningFacts) -> WarningUpdates:
    """Apply the rules to ``facts`` (no store access: it may run on another thread)."""
    samples, shapes, texts, overrides = facts.samples, facts.shapes, facts.texts, facts.overrides
    security = Task.SECURITY.value
    own: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    source_boxes: dict[int, dict[str, int]] = defaultdict(dict)
    # Security answers are checked against what other owners (Samples, or None for the
    # source's boxes) show on the same Pair: label -> owners, for those Pairs only.
    owners: dict[int, dict[str, set[int | None]]] = {r[2]: {} for r in samples if r[1] == security}
    for row in shapes:
        _id, pair_id, sample_id, kind, label = row[:5]
        if sample_id is not None:
            own[sample_id].append(row)
        elif kind == "box":
            counts = source_boxes[pair_id]
            counts[label] = counts.get(label, 0) + 1
        by_label = owners.get(pair_id)
        if by_label is not None and label and kind != MARKER:
            by_label.setdefault(label, set()).add(sample_id)

    updates = WarningUpdates()
    changed, warning_updates, outside_updates = updates.changed, updates.warnings, updates.outside
    size_of: dict[str, tuple[int, int] | None] = {}
    for sid, task_name, pair_id, space, count, options, stored, edited, w, h, source in samples:
        task = _TASKS.get(task_name)
        mine = own.get(sid)
        if task is None or (not mine and task_name not in OPTION_TASKS and not edited
                            and (count is None or count >= 0)):
            text = None  # no geometry, markers, options or negative count: nothing to warn of
        else:
            if source not in size_of:
                size_of[source] = known_size(source, overrides)
            width, height = (w, h) if w and h else (size_of[source] or (None, None))
            outside, simple = _flag_outside(mine or (), width, height, outside_updates)
            if simple and task is Task.LOCATION and not edited and pair_id not in source_boxes:
                # Points only, no markers, no source boxes to count against: of all the
                # rules only "outside" can apply, and it was just evaluated point by point.
                text = OUTSIDE_IMAGE if outside else None
                if stored:
                    text = keep_codes(text, stored)
                if text != (stored or None):
                    changed.add(sid)
                    warning_updates.append({"p_id": sid, "p_warnings": text})
                continue
            boxes, points, markers = _geometry(mine or ())
            prompt, answer = texts.get(sid, ("", ""))
            present: frozenset[str] = frozenset()
            if task is Task.SECURITY:
                present = frozenset(label for label, ids in owners.get(pair_id, {}).items()
                                    if ids - {sid})
            codes = list(sample_warnings(SampleFacts(
                task=task, prompt=prompt, answer=answer, boxes=boxes, points=points,
                width=width, height=height, options=tuple(options or ""), count=count,
                markers=markers or None, boxes_by_label=source_boxes.get(pair_id) or None,
                present_labels=present)))
            if edited and _bad_markup(sid, pair_id, task, space, w, h, prompt, answer):
                codes.append(BAD_MARKUP)
            text = "; ".join(codes) or None
        if stored:
            text = keep_codes(text, stored)  # codes no rule derives (a re-import conflict)
        if text != (stored or None):
            changed.add(sid)
            warning_updates.append({"p_id": sid, "p_warnings": text})
    return updates


def apply_warnings(conn: Connection, updates: WarningUpdates) -> set[int]:
    """Write what ``decide_warnings`` decided; the ids of the Samples whose warnings changed."""
    store.write_warnings(conn, warnings=updates.warnings, outside=updates.outside)
    return updates.changed


def _flag_outside(rows: Iterable[Any], width: int | None, height: int | None,
                  outside_updates: list[dict[str, Any]]) -> tuple[bool, bool]:
    """Whether any of a Sample's boxes or points lies outside the image, and whether it has
    points only (no boxes, no markers); queues the outside flags that differ from what the
    size now says. The same test as Box.outside / Point.outside, on the raw numbers: a
    Location answer's points are the bulk of a project and need no objects for it."""
    any_outside = False
    points_only = True
    for shape_id, _pair, _sample, kind, _label, space, x1, y1, x2, y2, was_outside in rows:
        if kind != "point":
            points_only = False
            if kind != "box":
                continue
        limit_w, limit_h = (1000, 1000) if space == NORM1000 else (width, height)
        if limit_w is None or limit_h is None:
            outside = False
        elif kind == "box":
            outside = x1 < 0 or y1 < 0 or x2 > limit_w or y2 > limit_h
        else:
            outside = x1 < 0 or y1 < 0 or x1 > limit_w or y1 > limit_h
        any_outside = any_outside or outside
        if outside != bool(was_outside):
            outside_updates.append({"p_id": shape_id, "p_outside": outside})
    return any_outside, points_only


def _geometry(rows: Iterable[Any]) -> tuple[tuple[Box, ...], tuple[Point, ...], int]:
    """A Sample's stored boxes and points, and its number of markers."""
    boxes: list[Box] = []
    points: list[Point] = []
    markers = 0
    for _id, _pair, _sample, kind, label, space, x1, y1, x2, y2, _outside in rows:
        if kind == MARKER:
            markers += 1
        elif kind in ANSWER_KINDS:
            try:
                if kind == "box":
                    boxes.append(Box(x1, y1, x2, y2, label, _SPACES[space]))
                else:
                    points.append(Point(x1, y1, label, _SPACES[space]))
            except (ValueError, KeyError):
                continue  # a reversed box or unknown space: the export's checks name it
    return tuple(boxes), tuple(points), markers


def _bad_markup(sid: int, pair_id: int, task: Task, space: str, width: int | None,
                height: int | None, prompt: str, answer: str) -> bool:
    ctx = AnswerContext(sample_id=sid, pair_id=pair_id, task=task, prompt=prompt, answer_idx=1,
                        answer=answer, answer_space=CoordSpace(space), width=width, height=height)
    try:
        parse_for(ctx, answer)
    except (MarkupError, ValueError):
        return True
    return form_problem(task, answer) is not None


def _turn_texts(conn: Connection, *, prompts: list[int],
                both: list[int]) -> dict[int, tuple[str, str]]:
    """(first human turn, last gpt turn) of each Sample: only the prompt of ``prompts``
    (multiple-choice Samples), both of ``both`` (edited Samples, parsed again)."""
    found: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    wanted = set(both)
    for sample_id, idx, role, text in store.turn_rows(
            conn, first_of=[i for i in prompts if i not in wanted], all_of=both):
        found[sample_id][idx] = (role, text)
    out: dict[int, tuple[str, str]] = {}
    for sample_id, turns in found.items():
        ordered = [turns[i] for i in sorted(turns)]
        prompt = next((text for role, text in ordered if role == "human"), "")
        answer = next((text for role, text in reversed(ordered) if role == "gpt"), "")
        out[sample_id] = (prompt, answer)
    return out

