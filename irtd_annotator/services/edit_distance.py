"""Keeping every Sample's edit distance (``samples.edit_distance``, migration 0011) in step
with its turns, so the dashboard's drafts chart never reads texts (issue 15).

Written wherever turn text is: every claimed write (``review/seen.py``: typed text, an
answer chosen or re-derived, their undo and redo) and an import (a re-import makes the new
LLM text the original: the distance of a person's text to it changes). An unedited Sample
keeps NULL. The distance itself is ``domain/edit_distance.turns_distance`` (bounded).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from irtd_annotator.domain.edit_distance import turns_distance
from irtd_annotator.store import edit_distance as store

__all__ = ["refresh_edit_distance"]


def refresh_edit_distance(conn: Connection, *, sample_ids: Iterable[int] | None = None,
                          pair_ids: Sequence[int] | None = None) -> int:
    """Compute again the distances of ``sample_ids``, or of the Samples of ``pair_ids``, or
    (both None) of every edited Sample, in the caller's transaction, and write those that
    changed; how many changed. Only edited Samples' turns are read."""
    ids = None if sample_ids is None else sorted(set(sample_ids))
    rows = store.kept_rows(conn, pair_ids=pair_ids, sample_ids=ids)
    edited = [sid for sid, was_edited, _d in rows if was_edited]
    turns: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for sid, original, text in store.turn_texts(conn, edited) if edited else ():
        turns[sid].append((original, text))
    changed = []
    for sid, was_edited, kept in rows:
        distance = turns_distance(turns[sid]) if was_edited else 0
        new = distance or None  # an unedited Sample (or one edited back) keeps none
        if new != kept:
            changed.append({"p_id": sid, "p_distance": new})
    store.write_distances(conn, changed)
    return len(changed)
