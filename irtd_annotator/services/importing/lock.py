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
from irtd_annotator.store.locks import try_import_lock

IMPORT_WAIT = 30 * 60.0  # seconds: longer than an import of all of IR-TD takes
PATIENCE = 0.5  # seconds of one attempt: how soon a cancel while waiting is seen


class ImportCancelled(UserError):
    """The person cancelled an import; all of it was rolled back."""


class ImportBusy(UserError):
    """Another import into the project did not finish within the wait."""


@contextmanager
def import_transaction(project: Project, *, wait: float = IMPORT_WAIT,
                       waiting: Callable[[str], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> Iterator[Connection]:
    """A transaction on ``project`` holding its import lock, committed when the block ends.

    ``waiting(message)`` is called once if another import holds the lock; ``cancelled()``
    is asked while waiting. Raises ImportBusy when the lock is not free after ``wait``
    seconds, and ImportCancelled when cancelled while waiting; nothing is written then.
    """
    started = time.monotonic()
    with project.engine.begin() as conn:
        told = False
        while not try_import_lock(conn, patience=min(PATIENCE, max(0.0, wait))):
            if not told and waiting is not None:
                waiting(f"waiting for another import into {project.shown} to finish...")
            told = True
            if cancelled is not None and cancelled():
                raise ImportCancelled("import cancelled while it waited for another import into "
                                f"{project.shown}; nothing was written")
            waited = time.monotonic() - started
            if waited >= wait:
                raise ImportBusy(
                    f"another import into {project.shown} is still running after "
                    f"{_duration(waited)}; nothing was imported: try again when it has finished")
        yield conn


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} minutes"
