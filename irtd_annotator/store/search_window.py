"""A text search read a window at a time, in id order (issue 16: a common word at 2.6M).

A search for a common word finds hundreds of thousands of Samples; reading them all (and
counting them by status) took 0.7-1.6 s at 2.6M. The search index hands its hits out in id
order (FTS5's rowid, ``sample_search``'s sample_id), so the first hits are read without the
rest: each source of hits below is read a batch at a time after a known id, the batches are
merged in id order, and the other criteria of the filter are checked on each merged batch
until the window is full. The sources together find what ``filtered_select`` finds:

- the text's hits: the FTS5 index; while its backlog waits (ADR 0024) the index's hits
  outside the backlog and the backlog's Samples matched by their turns (as ``ILIKE`` does);
  PostgreSQL's ``sample_search``; without an index, the turns themselves;
- the Samples the needle names by id, original id or file name (``store/lookup.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, text

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.store.lookup import named_ids
from irtd_annotator.store.search import (
    BACKLOG,
    FTS_MIN,
    FTS_TABLE,
    PG_SEARCH_TABLE,
    SearchKind,
)

# ids of one source, in order past ``after`` (None: from the first), at most ``limit``
_Source = Callable[[int | None, int], list[int]]
# those of some ids that the filter's other criteria (all but the text) select
Kept = Callable[[list[int]], set[int]]

# ids read from each source at a time: a window's worth (a window further on by offset
# reads on), within SQLite's 32,766 bound parameters for the check of the other criteria
_MIN_BATCH, _MAX_BATCH = 500, 4000


def search_window_ids(conn: Connection, flt: QueueFilter, kind: SearchKind, kept: Kept, *,
                      after: int | None, offset: int, limit: int) -> list[int]:
    """``limit`` ids of a text search in id order (``flt.descending``: downwards), after the
    id ``after`` when given, skipping ``offset`` of them: what ``filtered_select`` finds.
    ``kept``: the filter's other criteria (``store/queue.py`` writes them)."""
    if flt.sort != "id" or not flt.text.strip():
        raise ValueError(f"not a text search in id order: {flt}")
    wanted = offset + limit
    found: list[int] = []
    for batch in _merged(_sources(conn, flt, kind), after=after, descending=flt.descending,
                         size=min(max(wanted, _MIN_BATCH), _MAX_BATCH)):
        # the other criteria, and Samples that exist: what filtered_select's join makes sure
        selected = kept(batch)
        found.extend(sid for sid in batch if sid in selected)
        if len(found) >= wanted:
            break
    return found[offset:wanted]


def search_selects(conn: Connection, flt: QueueFilter, kind: SearchKind, kept: Kept,
                   sample_id: int) -> bool:
    """Whether the text search ``flt`` selects the Sample: a seek in each source of hits
    (not every hit, as the IN list of ``filtered_select`` reads), then the other criteria."""
    upwards = dataclasses.replace(flt, descending=False)
    return any(source(sample_id - 1, 1) == [sample_id]
               for source in _sources(conn, upwards, kind)) and sample_id in kept([sample_id])


def _merged(sources: list[_Source], *, after: int | None, descending: bool,
            size: int) -> Iterator[list[int]]:
    """The union of the sources' ids in order, a batch at a time, each id once.

    A source that filled its batch may hold more ids past its last one, so a batch ends at
    the nearest of those last ids; the next starts after it."""
    while True:
        read = [source(after, size) for source in sources]
        full = [ids[-1] for ids in read if len(ids) == size]
        edge = (max(full) if descending else min(full)) if full else None
        merged = sorted({sid for ids in read for sid in ids
                         if edge is None or (sid >= edge if descending else sid <= edge)},
                        reverse=descending)
        if merged:
            yield merged
        if edge is None:
            return
        after = edge


def _sources(conn: Connection, flt: QueueFilter, kind: SearchKind) -> list[_Source]:
    needle = flt.text.strip()
    down = flt.descending
    dialect = {"table": "postgresql"}.get(kind or "", conn.dialect.name)
    named, named_params = named_ids(dialect, needle)
    sources = [_reader(conn, f"SELECT id AS sid FROM ({named}) AS named WHERE 1 = 1", "id",
                       down, named_params)]
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if kind in ("fts5", "fts5+backlog") and len(needle) >= FTS_MIN:
        phrase = '"' + needle.replace('"', '""') + '"'
        hits = f"SELECT rowid AS sid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase"
        if kind == "fts5+backlog":  # ADR 0024: the backlog's Samples by their turns
            hits += (f" AND NOT EXISTS (SELECT 1 FROM {BACKLOG} b"
                     f" WHERE b.sample_id = {FTS_TABLE}.rowid)")
            sources.append(_reader(
                conn, f"SELECT b.sample_id AS sid FROM {BACKLOG} b WHERE EXISTS (SELECT 1"
                " FROM turns t WHERE t.sample_id = b.sample_id"
                " AND lower(t.text) LIKE lower(:pattern) ESCAPE '\\')", "b.sample_id", down,
                {"pattern": pattern}))
        sources.append(_reader(conn, hits, "rowid", down, {"phrase": phrase}))
    elif kind == "table":  # lowered as the table's text is (migration 0007)
        sources.append(_reader(
            conn, f"SELECT sample_id AS sid FROM {PG_SEARCH_TABLE}"
            " WHERE text LIKE lower(:pattern)", "sample_id", down, {"pattern": pattern}))
    else:  # no index: the turns, as filtered_select's ILIKE
        like = ("lower(t.text) LIKE lower(:pattern) ESCAPE '\\'" if conn.dialect.name == "sqlite"
                else "t.text ILIKE :pattern")
        sources.append(_reader(
            conn, "SELECT s.id AS sid FROM samples s WHERE EXISTS (SELECT 1 FROM turns t"
            f" WHERE t.sample_id = s.id AND {like})", "s.id", down, {"pattern": pattern}))
    return sources


def _reader(conn: Connection, query: str, key: str, descending: bool,
            params: dict[str, Any]) -> _Source:
    """A source reading ``query``'s ids (column ``sid``, ordered by ``key``) in order;
    ``query`` ends in a WHERE clause."""
    # each query has a WHERE of its own (the named ids' a trivial one) for the bound to join
    order = f" ORDER BY {key} {'DESC' if descending else 'ASC'} LIMIT :batch_limit"

    def read(after: int | None, limit: int) -> list[int]:
        sql = query if after is None \
            else f"{query} AND {key} {'<' if descending else '>'} :batch_after"
        bound = {**params, "batch_limit": limit, "batch_after": after}
        return [int(sid) for sid in conn.execute(text(sql + order), {
            name: value for name, value in bound.items() if f":{name}" in sql + order})
            .scalars()]
    return read
