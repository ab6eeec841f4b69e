"""Where each Pair's images are: counts per source, Pairs read in batches, paths written back.

For Project > Image folders (services/image_folders.py): image roots set after an import, and
every Pair of the sources concerned looked for again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, case, func, select

from irtd_annotator.domain.views import PairInfo
from irtd_annotator.store.bulk import bulk_update, chunks
from irtd_annotator.store.schema import Pair


class SourceCounts(NamedTuple):
    """The Pairs of one source and how many of their images were found."""

    source: str
    pairs: int
    ir_found: int
    visible_wanted: int  # Pairs with a visible counterpart to look for
    visible_found: int


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def source_counts(conn: Connection, sources: Sequence[str] | None = None) -> list[SourceCounts]:
    """Per source (all, or ``sources``), by name: its Pairs and the images found of them."""
    query = (select(Pair.source, func.count(), _count(Pair.ir_exists.is_(True)),
                    _count(Pair.visible_path.is_not(None)),
                    _count(Pair.visible_path.is_not(None) & Pair.visible_exists.is_(True)))
             .group_by(Pair.source).order_by(Pair.source))
    if sources is not None:
        query = query.where(Pair.source.in_(list(sources)))
    return [SourceCounts(str(s), int(n), int(ir), int(want), int(vis))
            for s, n, ir, want, vis in conn.execute(query)]


def pair_count(conn: Connection, sources: Sequence[str] | None = None) -> int:
    """How many Pairs there are (of ``sources``, when given)."""
    query = select(func.count()).select_from(Pair)
    if sources is not None:
        query = query.where(Pair.source.in_(list(sources)))
    return int(conn.execute(query).scalar_one())


def pair_paths(conn: Connection, *, after: int, limit: int,
               sources: Sequence[str] | None = None) -> list[PairInfo]:
    """The next ``limit`` Pairs with an id above ``after`` (of ``sources``), in id order."""
    query = (select(Pair.id, Pair.rel_path, Pair.source, Pair.ir_path, Pair.visible_path,
                    Pair.ir_exists, Pair.visible_exists, Pair.width, Pair.height, Pair.aligned)
             .where(Pair.id > after).order_by(Pair.id).limit(limit))
    if sources is not None:
        query = query.where(Pair.source.in_(list(sources)))
    return [PairInfo(pid, rel, src, ir, vis, bool(ire), bool(vie), w, h, bool(al))
            for pid, rel, src, ir, vis, ire, vie, w, h, al in conn.execute(query)]


def ir_paths(conn: Connection, ids: list[int]) -> dict[int, str | None]:
    """The infrared path stored now of each Pair of ``ids`` (a Pair gone is left out)."""
    found: dict[int, str | None] = {}
    for chunk in chunks(ids):
        for pair_id, ir_path in conn.execute(select(Pair.id, Pair.ir_path)
                                             .where(Pair.id.in_(chunk))):
            found[pair_id] = ir_path
    return found


def set_pair_paths(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write Pairs' ``ir_path``, ``visible_path``, ``ir_exists``, ``visible_exists``,
    ``width``, ``height`` and ``aligned`` by ``id`` (one executemany). No Sample's version
    moves: where an image lies is not what a reviewer's write claims (ADR 0019)."""
    if rows:
        bulk_update(conn, Pair.__table__, rows)
