"""A text search's counts read off the GUI thread (issue 16): the queue shows a search's
first window at once and its count ("N of M", the progress line) when this arrives.

``ReviewSession`` takes these methods from ``BackgroundCounts``: ``count_found`` may run on
any thread (its own connection from the engine's pool, nothing of the session's state
touched), ``keep_found`` on the session's own thread, so that ``counts`` answers from what
was counted while the store has not changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.changes import store_errors
from irtd_annotator.store.queue import status_counts
from irtd_annotator.store.samples import stamp

if TYPE_CHECKING:
    from irtd_annotator.services.project import Project


@dataclass(frozen=True)
class FoundCounts:
    """A filter's Samples per status, as the store was at ``stamp``."""

    flt: QueueFilter
    stamp: tuple[int, int]
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        """Every Sample the filter selects."""
        return sum(self.by_status.values())

    @property
    def decided(self) -> int:
        """Approved, accepted or rejected Samples of the filter."""
        return ReviewStatus.decided(self.by_status)


class BackgroundCounts:
    """A session's counts computed on another thread and kept on its own."""

    project: Project

    if TYPE_CHECKING:
        def _keep_counts(self, flt: QueueFilter, stamp: tuple[int, int],
                         by_status: dict[str, int]) -> None: ...

    @store_errors
    def count_found(self, flt: QueueFilter) -> FoundCounts:
        """The filter's Samples per status (a text search: every hit read), on a connection
        of the calling thread's own: safe off the GUI thread."""
        with self.project.engine.connect() as conn:
            return FoundCounts(flt, stamp(conn), status_counts(conn, flt))

    def keep_found(self, found: FoundCounts) -> None:
        """Keep what ``count_found`` read, for ``counts`` (call on the session's thread)."""
        self._keep_counts(found.flt, found.stamp, found.by_status)
