"""Second phase of an import: write one prepared file in the caller's transaction.

Bulk work only: existing Pairs and Samples are fetched with one query each, rows are
inserted as tuples with the driver's ``executemany`` (SQL compiled by SQLAlchemy Core for
the store's dialect; no ORM objects, no per-sample queries), and the ids the database gave
new rows are read back with one query per table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from irtd_annotator.domain.model import CoordSpace
from irtd_annotator.imaging.probe import image_size
from irtd_annotator.importers.paths import ImageLocation
from irtd_annotator.services.import_prepare import FilePlan, PreparedSample
from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

OUTSIDE_IMAGE = "outside-image"
PIXEL, NORM1000 = CoordSpace.PIXEL.value, CoordSpace.NORM1000.value
_CHUNK = 500  # ids per IN (...) list, far below every database's parameter limit

Checkpoint = Callable[[int], None]  # called with the samples done; raises to cancel

PAIR_COLUMNS = ("rel_path", "source", "ir_path", "visible_path", "ir_exists", "visible_exists",
                "width", "height", "aligned")
SAMPLE_COLUMNS = ("task", "original_id", "source_file", "pair_id", "image", "image_as_list",
                  "answer_space", "status", "edited", "count", "options", "warnings")
TURN_COLUMNS = ("sample_id", "idx", "role", "original", "text")
SHAPE_COLUMNS = ("pair_id", "sample_id", "kind", "idx", "label", "space", "x1", "y1", "x2", "y2",
                 "outside")
# A Shape row without its pair and sample ids: kind, idx, label, space, x1, y1, x2, y2, outside.
ShapeRow = tuple[str, int, str, str, float, float, "float | None", "float | None", bool]


Truth = tuple[Any, Any]  # how false and true are written: (0, 1) or (False, True)


def _truth(conn: Connection) -> Truth:
    """(0, 1) on SQLite, whose driver binds a Python bool through its slow adaptation path
    (a microsecond more per value than an int: 0.2 s over an IR-TD import); real
    booleans elsewhere."""
    return (0, 1) if conn.dialect.name == "sqlite" else (False, True)


class PairState(NamedTuple):
    """What the import needs to know of a Pair: its id, image size and image state."""

    id: int
    width: int | None
    height: int | None
    ir_exists: bool
    has_visible: bool
    visible_exists: bool


class _Stored(NamedTuple):
    id: int
    edited: bool
    signature: tuple[str, bool, tuple[tuple[str, str], ...]]


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
        return bool(self.added or self.updated or self.pairs_added or self.pairs_updated)


def write_plan(conn: Connection, plan: FilePlan, *, pairs: PairIndex,
               checkpoint: Checkpoint) -> WriteResult:
    """Write ``plan``'s Pairs, Samples, Turns and Shapes; return what was done.

    Unchanged samples are left alone, samples whose file text changed and that no person
    edited are replaced, edited ones are reported as conflicts and kept.
    """
    result = WriteResult()
    truth = _truth(conn)
    states = _resolve_pairs(conn, plan.locations, pairs, result, truth)
    stored = _stored_samples(conn, list(plan.tasks))
    new: list[PreparedSample] = []
    changed: list[tuple[_Stored, PreparedSample]] = []
    for sample in plan.samples:
        old = stored.get((sample.task, sample.original_id))
        if old is None:
            new.append(sample)
        elif old.signature == sample.signature:
            result.unchanged += 1
        elif old.edited:
            result.conflicts.append((sample.task, sample.original_id))
        else:
            changed.append((old, sample))
    checkpoint(0)

    if new:
        rows, shapes = _rows(new, plan.name, states, result, truth)
        ids = _insert_returning_ids(conn, Sample.__table__, SAMPLE_COLUMNS, rows,
                                    key=(Sample.task, Sample.original_id))
        _insert_children(conn, ids, new, rows, shapes)
        result.added = len(new)
    checkpoint(len(new))
    if changed:
        samples = [s for _old, s in changed]
        rows, shapes = _rows(samples, plan.name, states, result, truth)
        changed_ids = [old.id for old, _s in changed]
        for chunk in _chunks(changed_ids):
            conn.execute(delete(Shape).where(Shape.sample_id.in_(chunk)))
            conn.execute(delete(Turn).where(Turn.sample_id.in_(chunk)))
        # The review was of the old text, so the sample goes back to pending review.
        updates = [{**dict(zip(SAMPLE_COLUMNS[2:], row[2:])), "reject_reason": None, "id": sid}
                   for sid, row in zip(changed_ids, rows)]
        _bulk_update(conn, Sample.__table__, updates)
        _insert_children(conn, changed_ids, samples, rows, shapes)
        result.updated = len(changed)
    checkpoint(len(plan.samples))
    return result


Row = tuple[Any, ...]


def _rows(samples: list[PreparedSample], file: str, pairs: dict[str, PairState],
          result: WriteResult, truth: Truth) -> tuple[list[Row], list[list[ShapeRow]]]:
    """The Sample rows (SAMPLE_COLUMNS) and each sample's Shapes; counts missing images
    and geometry outside the image into ``result``."""
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
                     shapes: list[list[ShapeRow]]) -> None:
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
    _insert(conn, Turn.__table__, TURN_COLUMNS, turn_rows)
    _insert(conn, Shape.__table__, SHAPE_COLUMNS, shape_rows)


def _insert(conn: Connection, table: Table | Any, columns: tuple[str, ...],
            rows: list[tuple[Any, ...]]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) with the driver's executemany.

    SQLAlchemy compiles the statement for the store's dialect; the rows go to the driver
    as they are, because processing 200,000 parameter sets in Python would cost more than
    the database's own work.
    """
    if not rows:
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup or ()]
        if order != list(range(len(columns))):
            rows = [tuple(row[i] for i in order) for row in rows]
        conn.exec_driver_sql(compiled.string, rows)
    else:
        conn.exec_driver_sql(compiled.string, [dict(zip(columns, row)) for row in rows])


def _bulk_update(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by ``id`` with one executemany; every row has the same keys."""
    # Bound names must differ from column names in an UPDATE's SET clause: prefix them.
    keys = [k for k in rows[0] if k != "id"]
    statement = update(table).where(table.c.id == bindparam("p_id")).values(
        {k: bindparam(f"p_{k}") for k in keys})
    conn.execute(statement, [{f"p_{k}": v for k, v in row.items()} for row in rows])


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


class _StoredPair(NamedTuple):
    id: int
    ir_path: str | None
    visible_path: str | None
    aligned: bool
    ir_exists: bool
    visible_exists: bool
    width: int | None
    height: int | None

    @property
    def state(self) -> PairState:
        return PairState(self.id, self.width, self.height, self.ir_exists,
                         self.visible_path is not None, self.visible_exists)


class PairIndex:
    """The project's Pairs by rel_path: read once per import, kept current across its files
    (each file's transaction either commits or ends the import)."""

    def __init__(self, conn: Connection) -> None:
        columns = (Pair.rel_path, Pair.id, Pair.ir_path, Pair.visible_path, Pair.aligned,
                   Pair.ir_exists, Pair.visible_exists, Pair.width, Pair.height)
        self.pairs: dict[str, _StoredPair] = {
            rel: _StoredPair(pid, ir, vis, bool(al), bool(ire), bool(vie), w, h)
            for rel, pid, ir, vis, al, ire, vie, w, h in conn.execute(select(*columns))}
        self.checked: set[str] = set()  # rel_paths whose files were looked for in this import
        self._folders: dict[str, bool] = {}

    def is_file(self, path: str) -> bool:
        """Whether ``path`` is a file; a missing folder is looked for once, not once per
        image (the usual case: annotations imported before, or without, the images)."""
        folder = os.path.dirname(path)
        present = self._folders.get(folder)
        if present is None:
            present = self._folders[folder] = os.path.isdir(folder)
        return present and os.path.isfile(path)


def _resolve_pairs(conn: Connection, locations: dict[str, ImageLocation], index: PairIndex,
                   result: WriteResult, truth: Truth) -> dict[str, PairState]:
    """The Pair of every location: existing ones reused (refreshed when their image was
    found elsewhere now), new ones inserted; image sizes read once per new or moved Pair."""
    states: dict[str, PairState] = {}
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    isfile = index.is_file
    for rel, loc in locations.items():
        old = index.pairs.get(rel)
        if old is not None and rel in index.checked:
            states[rel] = old.state
            continue
        index.checked.add(rel)
        ir_exists = isfile(loc.ir_path)
        visible_exists = loc.visible_path is not None and isfile(loc.visible_path)
        if old is not None:
            same = (old.ir_path, old.visible_path, old.aligned, old.ir_exists,
                    old.visible_exists) == (loc.ir_path, loc.visible_path, loc.aligned,
                                            ir_exists, visible_exists)
            # Never trade a found image for a path where nothing is (another import's roots).
            if same or (old.ir_exists and not ir_exists):
                states[rel] = old.state
                continue
        size = image_size(loc.ir_path) if ir_exists else None
        width, height = size if size else (None, None)
        row = (rel, loc.source, loc.ir_path, loc.visible_path, truth[ir_exists],
               truth[visible_exists], width, height, truth[loc.aligned])
        if old is None:
            inserts.append(row)
        else:
            updates.append({**dict(zip(PAIR_COLUMNS, row)), "id": old.id})
            index.pairs[rel] = old._replace(ir_path=loc.ir_path, visible_path=loc.visible_path,
                                            aligned=loc.aligned, ir_exists=ir_exists,
                                            visible_exists=visible_exists, width=width,
                                            height=height)
            states[rel] = index.pairs[rel].state
    if inserts:
        ids = _insert_returning_ids(conn, Pair.__table__, PAIR_COLUMNS, inserts,
                                    key=Pair.rel_path)
        for pair_id, (rel, _source, ir, visible, ir_exists, visible_exists, width, height,
                      aligned) in zip(ids, inserts):
            index.pairs[rel] = _StoredPair(pair_id, ir, visible, bool(aligned), bool(ir_exists),
                                           bool(visible_exists), width, height)
            states[rel] = index.pairs[rel].state
    if updates:
        _bulk_update(conn, Pair.__table__, updates)
    result.pairs_added, result.pairs_updated = len(inserts), len(updates)
    return states


def _insert_returning_ids(conn: Connection, table: Any, columns: tuple[str, ...],
                          rows: list[tuple[Any, ...]], *, key: Any) -> list[int]:
    """Insert ``rows`` and return their new ids, in row order. ``key`` names the unique
    column(s) (a column or a tuple of them) identifying a row among ``columns``.

    SQLite gives each new row the largest rowid so far plus one, in insertion order, and
    the transaction's write lock keeps other writers out: the ids are a range, checked with
    one query. Elsewhere (or if the check fails) the new rows are read back by key.
    """
    before = conn.execute(select(func.max(table.c.id))).scalar() or 0
    _insert(conn, table, columns, rows)
    if conn.dialect.name == "sqlite":
        count, last = conn.execute(select(func.count(), func.max(table.c.id))
                                   .where(table.c.id > before)).one()
        if count == len(rows) and last == before + len(rows):
            return list(range(before + 1, last + 1))
    keys = key if isinstance(key, tuple) else (key,)
    positions = [columns.index(k.key) for k in keys]
    query = select(*keys, table.c.id).where(table.c.id > before)
    found = {tuple(r[:-1]): r[-1] for r in conn.execute(query)}
    return [found[tuple(row[i] for i in positions)] for row in rows]


def _stored_samples(conn: Connection, tasks: list[str]) -> dict[tuple[str, str], _Stored]:
    """The Samples of ``tasks`` already in the store, with their original turns."""
    if not tasks:
        return {}
    turns: dict[int, list[tuple[str, str]]] = {}
    query = (select(Turn.sample_id, Turn.role, Turn.original)
             .join(Sample, Sample.id == Turn.sample_id)
             .where(Sample.task.in_(tasks)).order_by(Turn.sample_id, Turn.idx))
    for sample_id, role, original in conn.execute(query):
        turns.setdefault(sample_id, []).append((role, original))
    query = select(Sample.id, Sample.task, Sample.original_id, Sample.edited, Sample.image,
                   Sample.image_as_list).where(Sample.task.in_(tasks))
    return {
        (task, oid): _Stored(sid, bool(edited),
                             (image, bool(as_list), tuple(turns.get(sid, ()))))
        for sid, task, oid, edited, image, as_list in conn.execute(query)
    }
