"""One import at a time into a project: the transaction an import runs in, taken only once
no other import into the same project is running (``store/locks.py``).

Without it two imports started together into an empty project both read that nothing is
there and both insert the same Pairs: one of them failed on a unique key. Now the second
waits, says once that it does, and then runs as the re-import it has become (changing
nothing for files the first one imported); after ``wait`` seconds it gives up with one line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.store.locks import ImportFileLock, begin_writing, try_import_lock

IMPORT_WAIT = 30 * 60.0  # seconds: longer than an import of all of IR-TD takes
PATIENCE = 0.5  # seconds of one attempt: how soon a cancel while waiting is seen


class ImportCancelled(UserError):
    """The person cancelled an import; all of it was rolled back."""


class ImportBusy(UserError):
    """Another import into the project did not finish within the wait."""


class _Waiting:
    """Says once that the import waits; ends the wait when cancelled or too long."""

    def __init__(self, project: Project, wait: float, waiting: Callable[[str], None] | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self.project, self.wait, self.waiting, self.cancelled = project, wait, waiting, cancelled
        self.started = time.monotonic()
        self.told = False
        self.patience = min(PATIENCE, max(0.0, wait))

    def another_attempt(self) -> None:
        if not self.told and self.waiting is not None:
            self.waiting(f"waiting for another import into {self.project.shown} to finish...")
        self.told = True
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled("import cancelled while it waited for another import into "
                                  f"{self.project.shown}; nothing was written")
        waited = time.monotonic() - self.started
        if waited >= self.wait:
            raise ImportBusy(
                f"another import into {self.project.shown} is still running after "
                f"{_duration(waited)}; nothing was imported: try again when it has finished")


@contextmanager
def import_transaction(project: Project, *, wait: float = IMPORT_WAIT,
                       waiting: Callable[[str], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> Iterator[Connection]:
    """A transaction on ``project`` holding its import lock, committed when the block ends.

    ``waiting(message)`` is called once if another import holds the lock; ``cancelled()``
    is asked while waiting. Raises ImportBusy when the lock is not free after ``wait``
    seconds, and ImportCancelled when cancelled while waiting; nothing is written then.
    """
    state = _Waiting(project, wait, waiting, cancelled)
    file_lock = ImportFileLock(project.path) if project.path is not None else None
    try:
        while file_lock is not None and not file_lock.try_take(patience=state.patience):
            state.another_attempt()
        with project.engine.begin() as conn:
            begin_writing(conn)
            while not try_import_lock(conn, patience=state.patience):
                state.another_attempt()
            yield conn
    finally:
        if file_lock is not None:
            file_lock.release()


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} minutes"
