"""The clock leases are compared by (issue 12): the database server's, where there is one.

Every reviewer's program writes a lease's end (``until``) and judges others' leases by its
clock. Were that each machine's own clock, a reviewer whose clock is six minutes behind would
write leases that others see as expired at once, and two people would review one Sample.
On PostgreSQL the clock is therefore the server's: the local clock plus the offset to the
server's, measured when first needed and again every few minutes (clocks drift, and NTP may
step one), so a lease costs no extra round trip. SQLite is one machine's file: its clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from irtd_annotator.services.project import Project
from irtd_annotator.store.leases import server_time

__all__ = ["REMEASURE_SECONDS", "ServerClock"]

REMEASURE_SECONDS = 180.0  # how often the offset to the server's clock is measured again


class ServerClock:
    """A clock (call it: seconds since the epoch) that tells the store's server's time.

    ``local`` is this machine's clock (``time.time``); ``monotonic`` times the re-measuring
    (immune to steps of ``local``). The first call measures, so making one costs nothing and
    a database error shows where the store is used (``store_errors``), not here.
    """

    def __init__(self, project: Project, *, local: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic,
                 every: float = REMEASURE_SECONDS) -> None:
        self.project = project
        self._local = local
        self._monotonic = monotonic
        self._every = every
        self._measured_at: float | None = None
        self._server = True  # until a measure finds the store has no server (SQLite)
        self.offset = 0.0  # server's clock minus the local one, in seconds

    def __call__(self) -> float:
        if self._server and (self._measured_at is None
                             or self._monotonic() - self._measured_at >= self._every):
            self.measure()
        return self._local() + self.offset

    def measure(self) -> None:
        """Measure the offset to the server's clock now (half the round trip is allowed for)."""
        with self.project.engine.connect() as conn:
            before = self._local()
            server = server_time(conn)
            after = self._local()
        self._measured_at = self._monotonic()
        if server is None:
            self._server = False
            self.offset = 0.0
        else:
            self.offset = server - (before + after) / 2
