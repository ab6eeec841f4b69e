"""Leases are timed by the store's server's clock on PostgreSQL (issue 12, adversarial test):
a reviewer whose own clock is minutes off does not hand out, or get, a Sample someone holds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.lease_clock import REMEASURE_SECONDS, ServerClock
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.review.team import TeamWork
from irtd_annotator.store.leases import server_time
from team_race import build_pending_project

SKEW = 360.0  # six minutes: longer than a lease (LEASE_SECONDS)
AGREE = 5.0   # two readings of one clock a moment apart agree within this


@pytest.fixture()
def pg_project(pg_url: str) -> Iterator[Project]:
    build_pending_project(pg_url, 6)
    with Project.open(pg_url, create=False) as project:
        yield project


def skewed(by: float) -> Callable[[], float]:
    """This machine's clock, set ``by`` seconds wrong."""
    return lambda: time.time() + by


def the_server_time(project: Project) -> float:
    with project.engine.connect() as conn:
        now = server_time(conn)
    assert now is not None
    return now


def test_a_reviewer_whose_clock_is_behind_does_not_collide(pg_project: Project) -> None:
    ids = ReviewSession(pg_project, annotator="Lea").query_ids(QueueFilter())
    bob = TeamWork(pg_project, annotator="Bob")            # the server's clock, by default
    # control: timed by her own clock (as before), Ada's lease has ended for everyone else
    # the moment she takes it, and Bob is handed her Sample
    ada_own = TeamWork(pg_project, annotator="Ada", clock=skewed(-SKEW))
    assert ada_own.next_pending(None, ids) == ids[0]
    assert bob.next_pending(None, ids) == ids[0]
    bob.release()
    ada_own.release()
    # by the server's clock (her machine's clock corrected), her lease holds
    ada = TeamWork(pg_project, annotator="Ada", clock=ServerClock(pg_project, local=skewed(-SKEW)))
    assert ada.next_pending(None, ids) == ids[0]
    assert bob.next_pending(None, ids) == ids[1]
    assert {sid: h.who for sid, h in bob.holders(ids).items()} == {ids[0]: "Ada", ids[1]: "Bob"}
    # and Ada, whose clock is behind, does not take Bob's Sample either
    assert ada.next_pending(ids[0], ids) == ids[2]
    assert ada.take(ids[1]).who == "Bob"  # type: ignore[union-attr]


def test_the_offset_is_measured_again_after_a_while(pg_project: Project) -> None:
    step = [-SKEW]
    ticks = [0.0]
    clock = ServerClock(pg_project, local=lambda: time.time() + step[0],
                        monotonic=lambda: ticks[0])
    assert abs(clock() - the_server_time(pg_project)) < AGREE
    step[0] = SKEW          # the machine's clock is stepped (NTP, a person)...
    ticks[0] = REMEASURE_SECONDS / 2
    assert abs(clock() - the_server_time(pg_project) - 2 * SKEW) < AGREE  # (not yet seen)
    ticks[0] = REMEASURE_SECONDS   # ...and a few minutes later the clock is right again
    assert abs(clock() - the_server_time(pg_project)) < AGREE


def test_an_sqlite_project_is_timed_by_its_machines_clock(tmp_path: Path) -> None:
    target = str(tmp_path / "p.db")
    build_pending_project(target, 1)
    with Project.open(target, create=False) as project:
        with project.engine.connect() as conn:
            assert server_time(conn) is None
        clock = ServerClock(project, local=lambda: 1_800_000_000.0)
        assert clock() == 1_800_000_000.0 and clock.offset == 0.0
