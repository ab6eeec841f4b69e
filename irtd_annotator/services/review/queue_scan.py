"""Walking the queue's order from one Sample on, wrapping round, a growing chunk at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

FIRST_CHUNK = 64   # the usual case: what is looked for is close by, one small query
LAST_CHUNK = 4000  # well below SQLite's 32,766 bound parameters


def chunks_after(order: Sequence[int], after_id: int | None) -> Iterator[list[int]]:
    """The ids of ``order`` after ``after_id`` (from the start when it is None or not in
    ``order``), wrapping round to end just before it, in chunks growing from 64 to 4,000.

    ``order`` may be the queue's lazy view of its ids: it is indexed, never copied whole.
    """
    total = len(order)
    start = 0
    if after_id is not None:
        try:
            start = order.index(after_id) + 1
        except ValueError:
            start = 0
    size, pos = FIRST_CHUNK, 0
    while pos < total:
        yield [order[(start + k) % total] for k in range(pos, min(pos + size, total))]
        pos += size
        size = min(size * 4, LAST_CHUNK)
