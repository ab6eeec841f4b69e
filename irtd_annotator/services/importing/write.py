"""Second phase of an import: write one prepared file in the caller's transaction.

Bulk work only (``store.imports``): existing Pairs and Samples are fetched with one query
each, rows are inserted as tuples with the driver's ``executemany``, and the ids the database
gave new rows are read back with one query per table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from irtd_annotator.domain.model import CoordSpace
from irtd_annotator.services.importing.merge import (
    Stored,
    revision_rows,
    sort_samples,
    stored_samples,
    write_conflicts,
    write_restated,
)
from irtd_annotator.services.importing.pairs import PairIndex, PairState, resolve_pairs
from irtd_annotator.services.importing.prepare import FilePlan, PreparedSample
from irtd_annotator.services.warnings_refresh import OPTION_TASKS, KnownRows
from irtd_annotator.store import imports as store
from irtd_annotator.store.bulk import Truth, truth_of

OUTSIDE_IMAGE = "outside-image"
PIXEL, NORM1000 = CoordSpace.PIXEL.value, CoordSpace.NORM1000.value

Checkpoint = Callable[[int], None]  # called with the samples done; raises to cancel

# A Shape row without its pair and sample ids: kind, idx, label, space, x1, y1, x2, y2, outside.
ShapeRow = tuple[str, int, str, str, float, float, "float | None", "float | None", bool]


@dataclass
class WriteResult:
    """Counts of one written file."""

    added: int = 0
    unchanged: int = 0
    updated: int = 0
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    missing_ir: int = 0
    missing_visible: int = 0
    outside: int = 0
    pairs_added: int = 0
    pairs_updated: int = 0
    pair_ids: set[int] = field(default_factory=set)  # Pairs of the samples added or updated

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.conflicts or self.pairs_added
                    or self.pairs_updated)


def write_plan(conn: Connection, plan: FilePlan, *, pairs: PairIndex, checkpoint: Checkpoint,
               known: KnownRows | None = None, who: str = "import",
               stored: dict[tuple[str, str], Stored] | None = None) -> WriteResult:
    """Write ``plan``'s Pairs, Samples, Turns and Shapes; return what was done.

    Unchanged samples are left alone; changed ones nobody worked on are replaced; changed
    ones a person worked on keep that work and are reported as conflicts (``merge``,
    ADR 0014); each change to an existing sample is a revision by ``who``. With ``known``
    (for Pairs from ``known.first_pair`` on), what the warnings refresh needs of the
    Samples written on those Pairs is added to it. ``stored``: the Samples already in the
    store that ``plan``'s may be twins of (``merge.stored_samples`` of its tasks; read here
    when not given).
    """
    result = WriteResult()
    truth = truth_of(conn)
    states, result.pairs_added, result.pairs_updated = resolve_pairs(
        conn, plan.locations, pairs, truth)
    remember = None if known is None else _Remember(known, plan, states)
    pair_of = {rel: state.id for rel, state in states.items()}
    if stored is None:
        stored = stored_samples(conn, list(plan.tasks))
    merge = sort_samples(conn, plan.samples, stored, pair_of)
    new, changed = merge.new, merge.replaced
    result.unchanged = merge.unchanged
    checkpoint(0)

    if new:
        rows, shapes = _rows(new, plan.name, states, result, truth)
        ids = store.insert_samples(conn, rows)
        _insert_children(conn, ids, new, rows, shapes, remember)
        result.added = len(new)
    checkpoint(len(new))
    if changed:
        samples = [s for _old, s in changed]
        rows, shapes = _rows(samples, plan.name, states, result, truth)
        changed_ids = [old.id for old, _s in changed]
        # Nobody worked on these (no markers, pending, unedited): replaced as the file says.
        store.delete_turns_and_shapes(conn, changed_ids)
        updates = [{**dict(zip(store.SAMPLE_COLUMNS[2:], row[2:])), "id": sid}
                   for sid, row in zip(changed_ids, rows)]
        store.update_samples(conn, updates)
        _insert_children(conn, changed_ids, samples, rows, shapes, remember)
        result.pair_ids.update(old.pair_id for old, _s in changed)  # siblings left behind
    write_restated(conn, merge.restated, truth)
    write_conflicts(conn, merge, pair_of, truth, file=plan.name)
    if merge.conflicts:
        result.conflicts = [(s.task, s.original_id) for _old, s in merge.conflicts]
        # Their warnings are refreshed with their Pairs' (the conflict code is kept).
        result.pair_ids.update(pid for old, s in merge.conflicts
                               for pid in (old.pair_id, pair_of[s.rel_path]))
        if known is not None and any(pair_of[s.rel_path] >= known.first_pair
                                     for _old, s in merge.conflicts):
            known.usable = False  # a kept Sample moved onto a new Pair: read it back
    result.updated = len(changed) + len(merge.restated)
    store.insert_revisions(conn, revision_rows(changed + merge.restated + merge.conflicts, pair_of,
                                        who=who))
    checkpoint(len(plan.samples))
    return result


Row = tuple[Any, ...]


def _rows(samples: list[PreparedSample], file: str, pairs: dict[str, PairState],
          result: WriteResult, truth: Truth) -> tuple[list[Row], list[list[ShapeRow]]]:
    """The Sample rows (``store.imports.SAMPLE_COLUMNS``) and each sample's Shapes; counts
    missing images and geometry outside the image into ``result``."""
    rows: list[tuple[Any, ...]] = []
    all_shapes: list[list[ShapeRow]] = []
    no_shapes: list[ShapeRow] = []
    outside_total = missing_ir = missing_visible = 0
    for s in samples:
        pair = pairs[s.rel_path]
        if not pair.ir_exists:
            missing_ir += 1
        if pair.has_visible and not pair.visible_exists:
            missing_visible += 1
        shapes, outside = (_shapes(s, pair, truth) if (s.boxes or s.points)
                           else (no_shapes, False))
        outside_total += outside
        rows.append((s.task, s.original_id, file, pair.id, s.image, truth[s.image_as_list],
                     s.answer_space, "pending", truth[0], s.count, s.options,
                     OUTSIDE_IMAGE if outside else None))
        all_shapes.append(shapes)
    result.pair_ids.update(row[3] for row in rows)
    result.missing_ir += missing_ir
    result.missing_visible += missing_visible
    result.outside += outside_total
    return rows, all_shapes


def _shapes(s: PreparedSample, pair: PairState, truth: Truth) -> tuple[list[ShapeRow], bool]:
    """The Shapes of a sample's answer and whether any lies outside the image. Location
    points in 0-1000 become pixels when the image size is known; outside is only flagged
    when it can be known (in 0-1000 it always can)."""
    size = (float(pair.width), float(pair.height)) if pair.width and pair.height else None
    rows: list[ShapeRow] = []
    any_outside = False
    for idx, box in enumerate(s.boxes):  # Grounding boxes: pixels
        outside = size is not None and (
            box.x1 < 0 or box.y1 < 0 or box.x2 > size[0] or box.y2 > size[1])
        any_outside = any_outside or outside
        rows.append(("box", idx, box.label, PIXEL, box.x1, box.y1, box.x2, box.y2,
                     truth[outside]))
    if s.points:
        space = s.answer_space  # every point of an answer is in the space it came in
        limits = (1000.0, 1000.0) if space == NORM1000 else size
        scale_x = scale_y = 1.0
        if space == NORM1000 and size is not None:
            scale_x, scale_y, space = size[0] / 1000.0, size[1] / 1000.0, PIXEL
        for idx, point in enumerate(s.points):
            x, y = point.x, point.y
            outside = limits is not None and (x < 0 or y < 0 or x > limits[0] or y > limits[1])
            any_outside = any_outside or outside
            rows.append(("point", idx, point.label, space, x * scale_x, y * scale_y, None, None,
                         truth[outside]))
    return rows, any_outside


def _insert_children(conn: Connection, sample_ids: Sequence[int],
                     samples: list[PreparedSample], rows: list[tuple[Any, ...]],
                     shapes: list[list[ShapeRow]], remember: _Remember | None) -> None:
    """The Turns and Shapes of ``samples`` (whose rows are ``rows``), written in bulk."""
    turn_rows: list[tuple[Any, ...]] = []
    shape_rows: list[tuple[Any, ...]] = []
    add_turn, add_shape = turn_rows.append, shape_rows.append
    for sample_id, s, row, sample_shapes in zip(sample_ids, samples, rows, shapes):
        for idx, (role, text) in enumerate(s.turns):
            add_turn((sample_id, idx, role, text, text))
        if sample_shapes:
            ids = (row[3], sample_id)  # pair id, sample id
            for shape in sample_shapes:
                add_shape(ids + shape)
    store.insert_turns(conn, turn_rows)
    if remember is None:
        store.insert_shapes(conn, shape_rows)
        return
    first_shape = store.insert_shapes(conn, shape_rows, want_ids=True)
    remember.add(sample_ids, samples, rows, shape_rows, first_shape)


class _Remember:
    """Adds what ``refresh_warnings`` reads of the Samples and Shapes written on the known
    Pairs to ``known``, as the tuples it would read (see store.warnings.SAMPLE_ROW)."""

    def __init__(self, known: KnownRows, plan: FilePlan, states: dict[str, PairState]) -> None:
        self.known = known
        # pair id -> (width, height, source) of the known Pairs this file writes to
        self.pairs = {state.id: (state.width, state.height, plan.locations[rel].source)
                      for rel, state in states.items() if state.id >= known.first_pair}

    def add(self, sample_ids: Sequence[int], samples: list[PreparedSample],
            rows: list[tuple[Any, ...]], shape_rows: list[tuple[Any, ...]],
            first_shape: int | None) -> None:
        known, pairs = self.known, self.pairs
        known.forget(sample_ids)  # a Sample written twice in one import: its last rows
        if first_shape is None:  # the shapes' ids are not known: nothing can be taken
            known.usable = False
            return
        add_sample, add_id, prompts = known.samples.append, known.ids.add, known.prompts
        for sid, s, row in zip(sample_ids, samples, rows):
            pair = pairs.get(row[3])
            if pair is None:
                continue
            add_id(sid)
            # id, task, pair id, answer space, count, options, warnings, edited, w, h, source
            add_sample((sid, row[0], row[3], row[6], row[9], row[10], row[11], row[8]) + pair)
            if row[0] in OPTION_TASKS:
                role, text = s.turns[0]
                prompts[sid] = text if role == "human" else ""
        # id, pair id, sample id, kind, label, space, x1, y1, x2, y2, outside
        known.shapes.extend((first_shape + n, *row[:3], *row[4:])
                            for n, row in enumerate(shape_rows) if row[0] in pairs)
