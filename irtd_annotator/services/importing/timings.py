"""Seconds per stage of an import, printed on standard error when the environment asks.

An import's time grows faster than its samples (docs/performance.md): comparing the seconds
per sample of each stage at two sizes says which one. ``IRTD_ANNOTATOR_IMPORT_TIMINGS=1``
prints one line per stage once the import ends; without it nothing is measured or printed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["TIMINGS_SETTING", "StageClock"]

TIMINGS_SETTING = "IRTD_ANNOTATOR_IMPORT_TIMINGS"
T = TypeVar("T")


class StageClock:
    """Wall-clock seconds summed per stage name, in the order the stages first ran."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = os.environ.get(TIMINGS_SETTING) == "1" if enabled is None else enabled
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the block's seconds to stage ``name``."""
        if not self.enabled:
            yield
            return
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def each(self, name: str, items: Iterator[T]) -> Iterator[T]:
        """``items``, the time spent making each one added to stage ``name`` (a generator
        that reads a file: its reading, not the caller's work between items)."""
        return self._timed(name, items) if self.enabled else items

    def _timed(self, name: str, items: Iterator[T]) -> Iterator[T]:
        done = object()
        while True:
            with self.stage(name):
                item = next(items, done)
            if item is done:
                return
            yield item  # type: ignore[misc]  # not ``done``: an item of ``items``

    def report(self, samples: int) -> None:
        """Print each stage's seconds and microseconds per sample (standard error)."""
        if not self.enabled:
            return
        for name, seconds in self.seconds.items():
            per = seconds * 1e6 / max(1, samples)
            print(f"import stage {name:<16} {seconds:8.2f} s {per:8.1f} us/sample",
                  file=sys.stderr, flush=True)
