"""What keeping ``samples.edit_distance`` reads and writes (the rule: ``domain/edit_distance``;
when: ``services/edit_distance.py``): the turns of the edited Samples among some (or all),
the distances kept now, and the changed ones in one executemany."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from irtd_annotator.store.schema import Sample, Turn
from irtd_annotator.store.warnings import pair_rows

Row = tuple[Any, ...]


def kept_rows(conn: Connection, *, pair_ids: Sequence[int] | None = None,
              sample_ids: Sequence[int] | None = None) -> list[Row]:
    """(id, edited, edit_distance) of the Samples of ``sample_ids``, or of ``pair_ids``, or
    (both None) every edited Sample or one with a distance kept."""
    query = select(Sample.id, Sample.edited, Sample.edit_distance)
    if sample_ids is not None:
        return pair_rows(conn, query, Sample.id, sample_ids)
    if pair_ids is None:
        query = query.where((Sample.edited.is_(True)) | Sample.edit_distance.is_not(None))
    return pair_rows(conn, query, Sample.pair_id, pair_ids)


def turn_texts(conn: Connection, sample_ids: Sequence[int]) -> list[Row]:
    """(sample id, original, text) of every turn of ``sample_ids``."""
    return pair_rows(conn, select(Turn.sample_id, Turn.original, Turn.text), Turn.sample_id,
                     sample_ids)


def write_distances(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Set Samples' distances: {"p_id", "p_distance"} each, in one executemany."""
    if rows:
        conn.execute(update(Sample).where(Sample.id == bindparam("p_id"))
                     .values(edit_distance=bindparam("p_distance")), rows)
