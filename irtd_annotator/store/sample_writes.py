"""The rows a change of one Sample reads and writes: its row, its turns, its status, its
shapes' keys. Named, typed statements for services/review (the session and the editing);
each runs in the caller's transaction.

``claim_sample`` is the FIRST statement of every such transaction (ADR 0019): it moves the
Sample's version on, and so takes the row's write lock (PostgreSQL) or the file's (SQLite,
whose driver begins a transaction only before the first write) before anything is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, func, or_, select, update

from irtd_annotator.domain.errors import StaleSampleError
from irtd_annotator.store.schema import Revision, Sample, Shape, Turn

if TYPE_CHECKING:  # Python 3.11 has it at run time; 3.10 does not
    from typing_extensions import Unpack

__all__ = ["any_turn_edited", "claim_sample", "get_sample", "last_change", "set_turn_text",
           "shape_keys", "turn_original", "turns_of", "update_sample"]

ShapeKey = tuple[Any, ...]


def claim_sample(conn: Connection, sample_id: int, seen: int | None = None, *,
                 undo: bool = False) -> int:
    """Move the Sample's version on, if it is still ``seen`` (any version when None); the new
    version. The statement that must come first in a write transaction: from here on the
    Sample cannot change under the caller, so what it reads next is exactly what it replaces.

    LookupError when there is no such Sample; StaleSampleError (naming who changed it last,
    and when) when its version is no longer ``seen``: nothing written.
    """
    where = [Sample.id == sample_id]
    if seen is not None:
        where.append(Sample.version == seen)
    version = conn.execute(update(Sample).where(*where).values(version=Sample.version + 1)
                           .returning(Sample.version)).scalar()
    if version is not None:
        return int(version)
    who, at = last_change(conn, sample_id)
    raise StaleSampleError(sample_id, who=who, at=at, undo=undo)


def last_change(conn: Connection, sample_id: int) -> tuple[str | None, str | None]:
    """(who, when) of the newest change of the Sample: its newest revision, or its Pair's
    (source boxes, alignment), else its row's ``updated_by``/``updated_at``. LookupError
    when there is no such Sample."""
    row = get_sample(conn, sample_id)
    newest = conn.execute(
        select(Revision.who, Revision.at).where(or_(
            Revision.sample_id == sample_id,
            (Revision.pair_id == row.pair_id) & Revision.sample_id.is_(None)))
        .order_by(Revision.id.desc()).limit(1)).first()
    if newest is not None and (row.updated_at is None or newest.at >= row.updated_at):
        return newest.who, newest.at
    return row.updated_by, row.updated_at


def get_sample(conn: Connection, sample_id: int) -> Row[Any]:
    """The Sample's row; LookupError when it is not in the project."""
    sample = conn.execute(select(Sample).where(Sample.id == sample_id)).first()
    if sample is None:
        raise LookupError(f"sample {sample_id} is not in the project")
    return sample


def turns_of(conn: Connection, sample_id: int) -> dict[int, Row[Unpack[tuple[Any, ...]]]]:
    """The Sample's turns by index: (idx, role, text, original) each."""
    return {t.idx: t for t in conn.execute(
        select(Turn.idx, Turn.role, Turn.text, Turn.original).where(Turn.sample_id == sample_id))}


def turn_original(conn: Connection, sample_id: int, idx: int) -> str | None:
    """The text of one Turn as imported; None when the Sample has no such turn."""
    return conn.execute(select(Turn.original).where(
        Turn.sample_id == sample_id, Turn.idx == idx)).scalar()


def set_turn_text(conn: Connection, sample_id: int, idx: int, text: str) -> None:
    """Write one Turn's current text (its original stays)."""
    conn.execute(update(Turn).where(Turn.sample_id == sample_id, Turn.idx == idx)
                 .values(text=text))


def any_turn_edited(conn: Connection, sample_id: int) -> bool:
    """Whether any Turn of the Sample differs from its original."""
    return bool(conn.execute(select(func.count()).select_from(Turn).where(
        Turn.sample_id == sample_id, Turn.text != Turn.original)).scalar())


def update_sample(conn: Connection, sample_id: int, **values: object) -> None:
    """Write columns of the Sample's row (status, warnings, edited, updated_at/by ...)."""
    conn.execute(update(Sample).where(Sample.id == sample_id).values(**values))


def shape_keys(conn: Connection, sample_id: int) -> list[ShapeKey]:
    """Everything the pair view draws of the Sample's shapes, to tell whether an edit changed
    its geometry: kind, place, label, space, corners, and whether it lies outside the image
    (the view draws such a shape differently, so a change of that alone is a change to show)."""
    return [tuple(r) for r in conn.execute(
        select(Shape.kind, Shape.idx, Shape.label, Shape.space, Shape.x1, Shape.y1, Shape.x2,
               Shape.y2, Shape.outside).where(Shape.sample_id == sample_id)
        .order_by(Shape.kind, Shape.idx))]
