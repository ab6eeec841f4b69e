"""What an import of IR-TD files reads and writes, in bulk, in the caller's transaction.

One query per table to read what is stored; rows inserted as tuples with the driver's
``executemany`` (``store.bulk``) and the ids the database gave them read back with one query
per table; changes by id in one ``executemany`` each. No ORM objects, no per-sample queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from irtd_annotator.store.bulk import (
    bulk_update,
    chunks,
    insert_id_range,
    insert_returning_ids,
    insert_rows,
)
from irtd_annotator.store.schema import MARKER, Pair, Revision, Sample, Shape, Turn

Row = tuple[Any, ...]

PAIR_COLUMNS = ("rel_path", "source", "ir_path", "visible_path", "ir_exists", "visible_exists",
                "width", "height", "aligned")
SAMPLE_COLUMNS = ("task", "original_id", "source_file", "pair_id", "image", "image_as_list",
                  "answer_space", "status", "edited", "count", "options", "warnings")
TURN_COLUMNS = ("sample_id", "idx", "role", "original", "text")
SHAPE_COLUMNS = ("pair_id", "sample_id", "kind", "idx", "label", "space", "x1", "y1", "x2", "y2",
                 "outside")
REVISION_COLUMNS = ("sample_id", "pair_id", "at", "who", "action", "target", "old", "new")


# --- Pairs


def pair_rows(conn: Connection) -> Iterable[Row]:
    """Every Pair as (rel_path, id, ir_path, visible_path, aligned, ir_exists,
    visible_exists, width, height)."""
    return conn.execute(select(Pair.rel_path, Pair.id, Pair.ir_path, Pair.visible_path,
                               Pair.aligned, Pair.ir_exists, Pair.visible_exists, Pair.width,
                               Pair.height))


def insert_pairs(conn: Connection, rows: list[Row]) -> list[int]:
    """Insert Pairs (tuples in PAIR_COLUMNS order); their new ids, in row order."""
    return insert_returning_ids(conn, Pair.__table__, PAIR_COLUMNS, rows, key=Pair.rel_path)


def update_pairs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Change Pairs by ``id``; every row has the same keys (columns of PAIR_COLUMNS)."""
    bulk_update(conn, Pair.__table__, rows)


# --- Samples and what hangs on them


def stored_turn_rows(conn: Connection, tasks: Sequence[str]) -> Iterable[Row]:
    """(sample id, role, original) of every Turn of the Samples of ``tasks``, by Sample and
    idx."""
    return conn.execute(select(Turn.sample_id, Turn.role, Turn.original)
                        .join(Sample, Sample.id == Turn.sample_id)
                        .where(Sample.task.in_(tasks)).order_by(Turn.sample_id, Turn.idx))


def stored_sample_rows(conn: Connection, tasks: Sequence[str]) -> Iterable[Row]:
    """(id, task, original id, pair id, image, image as list) of the Samples of ``tasks``."""
    return conn.execute(select(Sample.id, Sample.task, Sample.original_id, Sample.pair_id,
                               Sample.image, Sample.image_as_list)
                        .where(Sample.task.in_(tasks)))


def work_rows(conn: Connection, ids: list[int]) -> Iterator[Row]:
    """(id, edited, status, reject reason, note, warnings, has markers) of the Samples
    ``ids``: what tells whether a person worked on them."""
    for chunk in chunks(ids):
        marked = set(conn.execute(select(Shape.sample_id).distinct().where(
            Shape.sample_id.in_(chunk), Shape.kind == MARKER)).scalars())
        for sid, edited, status, reason, note, warnings in conn.execute(
                select(Sample.id, Sample.edited, Sample.status, Sample.reject_reason,
                       Sample.note, Sample.warnings).where(Sample.id.in_(chunk))):
            yield sid, edited, status, reason, note, warnings, sid in marked


def insert_samples(conn: Connection, rows: list[Row]) -> list[int]:
    """Insert Samples (tuples in SAMPLE_COLUMNS order); their new ids, in row order."""
    return insert_returning_ids(conn, Sample.__table__, SAMPLE_COLUMNS, rows,
                                key=(Sample.task, Sample.original_id))


def update_samples(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Change Samples by ``id``; every row has the same keys (columns of SAMPLE_COLUMNS).
    Each one's version moves on: a reviewer who saw it before the re-import is refused, not
    allowed to write over the new text unseen (ADR 0019)."""
    bulk_update(conn, Sample.__table__, rows, also={"version": Sample.version + 1})


def delete_turns_and_shapes(conn: Connection, sample_ids: list[int]) -> None:
    """Remove the Turns and Shapes of ``sample_ids`` (to be written again)."""
    for chunk in chunks(sample_ids):
        conn.execute(delete(Shape).where(Shape.sample_id.in_(chunk)))
        conn.execute(delete(Turn).where(Turn.sample_id.in_(chunk)))


def insert_turns(conn: Connection, rows: list[Row]) -> None:
    """Insert Turns (tuples in TURN_COLUMNS order)."""
    insert_rows(conn, Turn.__table__, TURN_COLUMNS, rows)


def insert_shapes(conn: Connection, rows: list[Row], *, want_ids: bool = False) -> int | None:
    """Insert Shapes (tuples in SHAPE_COLUMNS order). With ``want_ids``: the id of the first
    when they got consecutive ids (SQLite), else None; without: None."""
    if not want_ids:
        insert_rows(conn, Shape.__table__, SHAPE_COLUMNS, rows)
        return None
    return insert_id_range(conn, Shape.__table__, SHAPE_COLUMNS, rows)


def insert_revisions(conn: Connection, rows: list[Row]) -> None:
    """Append ``rows`` (REVISION_COLUMNS) to the revision log in one executemany."""
    insert_rows(conn, Revision.__table__, REVISION_COLUMNS, rows)


# --- A re-import's changes to Samples people worked on (ADR 0014)


def set_images(conn: Connection, rows: list[tuple[int, str, Any]]) -> None:
    """Set (id, image, image as list) of Samples."""
    if rows:
        conn.execute(update(Sample).where(Sample.id == bindparam("p_id")).values(
            image=bindparam("p_image"), image_as_list=bindparam("p_as_list")),
            [{"p_id": sid, "p_image": image, "p_as_list": as_list}
             for sid, image, as_list in rows])


def turn_texts(conn: Connection, sample_ids: list[int]) -> dict[int, dict[int, str]]:
    """The current text of every Turn of ``sample_ids``: Sample id -> idx -> text."""
    texts: dict[int, dict[int, str]] = {}
    for chunk in chunks(sample_ids):
        for sid, idx, text in conn.execute(select(Turn.sample_id, Turn.idx, Turn.text)
                                           .where(Turn.sample_id.in_(chunk))):
            texts.setdefault(sid, {})[idx] = text
    return texts


def set_turn_originals(conn: Connection, rows: list[tuple[int, int, str, str]]) -> None:
    """Set (sample id, idx, role, original) of Turns."""
    if rows:
        conn.execute(update(Turn).where(Turn.sample_id == bindparam("p_id"),
                                        Turn.idx == bindparam("p_idx"))
                     .values(role=bindparam("p_role"), original=bindparam("p_original")),
                     [{"p_id": sid, "p_idx": idx, "p_role": role, "p_original": original}
                      for sid, idx, role, original in rows])


def delete_turns_at(conn: Connection, rows: list[tuple[int, int]]) -> None:
    """Remove the Turns (sample id, idx)."""
    if rows:
        conn.execute(delete(Turn).where(Turn.sample_id == bindparam("p_id"),
                                        Turn.idx == bindparam("p_idx")),
                     [{"p_id": sid, "p_idx": idx} for sid, idx in rows])


ConflictRow = tuple[int, str, Any, int, Any, "str | None"]


def keep_conflicts(conn: Connection, rows: list[ConflictRow]) -> None:
    """Set (id, image, image as list, pair id, edited, warnings) of re-import conflicts."""
    conn.execute(update(Sample).where(Sample.id == bindparam("p_id")).values(
        image=bindparam("p_image"), image_as_list=bindparam("p_as_list"),
        pair_id=bindparam("p_pair"), edited=bindparam("p_edited"),
        warnings=bindparam("p_warnings")),
        [{"p_id": sid, "p_image": image, "p_as_list": as_list, "p_pair": pair,
          "p_edited": edited, "p_warnings": warnings}
         for sid, image, as_list, pair, edited, warnings in rows])


def move_sample_shapes(conn: Connection, rows: list[tuple[int, int]]) -> None:
    """Put the Shapes of each (sample id, pair id) on that Pair (a Sample that moved)."""
    if rows:
        conn.execute(update(Shape).where(Shape.sample_id == bindparam("p_id"))
                     .values(pair_id=bindparam("p_pair")),
                     [{"p_id": sid, "p_pair": pair} for sid, pair in rows])


# The tables an import fills: their secondary indexes are built once after a first import.
_FILLED = ("pairs", "samples", "turns", "shapes")


@contextmanager
def indexes_after(conn: Connection) -> Iterator[None]:
    """Into an empty SQLite store, insert the block's rows without the secondary indexes of
    the tables an import fills, and build them once at the block's end: one sort each instead
    of a b-tree insert per row in no useful order. The indexes of constraints (unique, primary
    keys) stay. In the caller's transaction: a failed or killed import rolls the drop back
    with everything else. A store with Samples (or PostgreSQL) keeps its indexes."""
    empty = conn.dialect.name == "sqlite" and conn.execute(
        select(Sample.id).limit(1)).first() is None
    kept: list[str] = []
    if empty:
        marks = ", ".join("?" * len(_FILLED))
        for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({marks})", _FILLED).all():
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
            kept.append(str(sql))
    yield
    for sql in kept:
        conn.exec_driver_sql(sql)
