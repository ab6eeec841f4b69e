"""The queue's rows (QueueRow) by Sample id, fetched a page at a time into a bounded LRU."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

from irtd_annotator.services.review.session import QueueRow

Fetch = Callable[[Sequence[int]], dict[int, QueueRow]]


class RowCache:
    """QueueRows by id, the least recently used dropped beyond ``max_rows``.

    A row is None when its Sample is gone from the store (kept, so it is not asked again).
    Rows are by id, not by position: after a change only the changed ones are stale.
    """

    def __init__(self, fetch: Fetch, *, max_rows: int) -> None:
        self._fetch = fetch
        self._max_rows = max_rows
        self._rows: OrderedDict[int, QueueRow | None] = OrderedDict()

    def __contains__(self, sample_id: object) -> bool:
        return sample_id in self._rows

    def __iter__(self) -> Iterator[int]:
        """The ids held, least recently used first."""
        return iter(self._rows)

    def get(self, sample_id: int) -> QueueRow | None:
        """The row held for ``sample_id`` (now the most recently used)."""
        self._rows.move_to_end(sample_id)
        return self._rows[sample_id]

    def fetch(self, page: Sequence[int], sample_id: int) -> QueueRow | None:
        """Fetch the rows of ``page`` (which holds ``sample_id``); the row of ``sample_id``."""
        fresh = self._fetch(page)
        for i in page:
            self._rows[i] = fresh.get(i)
            self._rows.move_to_end(i)
        while len(self._rows) > self._max_rows:
            self._rows.popitem(last=False)
        return self._rows.get(sample_id)

    def refresh(self, sample_ids: frozenset[int]) -> None:
        """Fetch again the rows held of ``sample_ids`` (the others are read when shown)."""
        held = [sid for sid in sample_ids if sid in self._rows]
        fresh = self._fetch(held) if held else {}
        for sid in held:
            self._rows[sid] = fresh.get(sid)

    def same_image(self, sample_ids: frozenset[int]) -> frozenset[int]:
        """The ids held of Samples on the images of ``sample_ids`` (their siblings)."""
        images = {row.image for sid in sample_ids if (row := self._rows.get(sid)) is not None}
        return frozenset(sid for sid, row in self._rows.items()
                         if row is not None and row.image in images)

    def clear(self) -> None:
        self._rows.clear()
