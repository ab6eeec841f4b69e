"""Work divided between reviewers on one store (issue 12 item 3), on SQLite and PostgreSQL:
leases (next pending hands out a Sample no one else holds; expiry, renewal, release) and
the batches a lead assigns (``irtd-annotator assign``, "My batch")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from irtd_annotator.cli import main
from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.review.team import LEASE_SECONDS, TeamWork
from irtd_annotator.store.schema import Assignment, Lease, Sample
from review_data import ReviewData, build_review_project
from team_race import build_pending_project, race

T0 = 1_800_000_000.0  # a fixed "now" for the leases' clocks


@pytest.fixture()
def team_store(store_target: str, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    """The review project of tests/review_data.py (18 Samples, three tasks, two sources) on
    each kind of store."""
    return build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)


@pytest.fixture()
def project(team_store: ReviewData) -> Iterator[Project]:
    with Project.open(str(team_store.path), create=False) as opened:
        yield opened


def clock(at: float) -> list[float]:
    """A clock a test moves by hand: ``now[0] = ...``."""
    return [at]


def team(project: Project, who: str, now: list[float]) -> TeamWork:
    return TeamWork(project, annotator=who, clock=lambda: now[0])


def leases(project: Project) -> dict[int, str]:
    with project.engine.connect() as conn:
        return {int(sid): str(who) for sid, who in conn.execute(select(Lease.sample_id, Lease.who))}


def batch(project: Project, who: str) -> list[int]:
    with project.engine.connect() as conn:
        return list(conn.execute(select(Assignment.sample_id).where(Assignment.who == who)
                                 .order_by(Assignment.sample_id)).scalars())


# ---- leases -------------------------------------------------------------------------------

def test_next_pending_skips_what_another_session_holds(project: Project) -> None:
    now = clock(T0)
    ids = ReviewSession(project, annotator="Ada").query_ids(QueueFilter())
    ada, bob = team(project, "Ada", now), team(project, "Bob", now)
    assert ada.next_pending(None, ids) == ids[0]
    assert bob.next_pending(None, ids) == ids[1]  # the first is Ada's
    assert ada.next_pending(None, ids) == ids[0]  # her own lease does not stop her
    assert leases(project) == {ids[0]: "Ada", ids[1]: "Bob"}
    # the same reviewer in a second window is another session: it is skipped there too
    assert team(project, "Ada", now).next_pending(None, ids) == ids[2]


def test_a_lease_expires_and_is_taken_over_but_a_renewed_one_is_not(project: Project) -> None:
    now = clock(T0)
    ids = ReviewSession(project, annotator="Ada").query_ids(QueueFilter())
    ada, bob = team(project, "Ada", now), team(project, "Bob", now)
    assert bob.next_pending(None, ids) == ids[0]
    now[0] = T0 + LEASE_SECONDS - 1
    assert ada.next_pending(None, ids) == ids[1]        # still Bob's
    holder = ada.take(ids[0])                           # looking is allowed, and says who
    assert holder is not None and (holder.who, holder.mine) == ("Bob", False)
    assert bob.take(ids[0]).mine                        # Bob is active: renewed
    now[0] = T0 + LEASE_SECONDS + 60                    # past the first lease's end
    assert ada.next_pending(None, ids) == ids[1]        # the renewal holds
    now[0] = T0 + 2 * LEASE_SECONDS + 60                # Bob went idle
    assert ada.next_pending(None, ids) == ids[0]        # expired: taken over
    assert leases(project) == {ids[0]: "Ada"}           # and Ada's earlier lease dropped
    assert not bob.take(ids[0]).mine


def test_leaving_a_sample_or_closing_releases_its_lease(project: Project) -> None:
    now = clock(T0)
    ids = ReviewSession(project, annotator="Ada").query_ids(QueueFilter())
    ada, bob = team(project, "Ada", now), team(project, "Bob", now)
    assert ada.take(ids[3]).mine
    assert ada.take(ids[4]).mine                       # she moved on
    assert leases(project) == {ids[4]: "Ada"}
    assert bob.take(ids[3]).mine                       # so Bob may have it
    assert bob.take(ids[4]).who == "Ada"               # opening a held one: Bob left ids[3]
    assert leases(project) == {ids[4]: "Ada"}
    ada.release()
    assert leases(project) == {}
    assert bob.holders(ids) == {}


def test_next_pending_passes_over_decided_and_assigned_samples(project: Project) -> None:
    now = clock(T0)
    session = ReviewSession(project, annotator="Ada")
    ids = session.query_ids(QueueFilter())
    session.set_status(ids[0], "approved")
    lead = team(project, "Lea", now)
    assert lead.assign(QueueFilter(), to="Bob", count=2) == 2
    assert batch(project, "Bob") == [ids[1], ids[2]]   # pending ones only, in id order
    ada, bob = team(project, "Ada", now), team(project, "Bob", now)
    assert ada.next_pending(None, ids) == ids[3]
    assert bob.next_pending(None, ids) == ids[1]       # his batch is his to do
    assert ReviewSession(project, annotator="Bob").query_ids(
        QueueFilter(assigned_to="Bob")) == [ids[1], ids[2]]
    assert session.next_pending(None, ids) == ids[1]   # the plain session knows no batches


def test_when_next_pending_finds_none_it_counts_what_others_hold(project: Project) -> None:
    now = clock(T0)
    session = ReviewSession(project, annotator="Ada")
    ids = session.query_ids(QueueFilter())
    ada, bob = team(project, "Ada", now), team(project, "Bob", now)
    assert ada.pending_not_free(ids) == 0
    session.set_status(ids[0], "approved")                  # decided: not counted
    assert team(project, "Lea", now).assign(QueueFilter(), to="Bob",
                                            count=len(ids) - 3) == len(ids) - 3
    assert bob.pending_not_free(ids) == 0                   # his own batch is free for him
    assert ada.take(ids[-1]).mine                           # her own lease: free for her
    assert bob.take(ids[-2]).mine
    assert ada.next_pending(ids[-1], ids) is None
    assert ada.pending_not_free(ids) == len(ids) - 2        # Bob's batch and Bob's lease
    now[0] = T0 + LEASE_SECONDS + 1                          # Bob's lease lapsed
    assert ada.pending_not_free(ids) == len(ids) - 3


def test_two_processes_asking_at_once_never_get_the_same_sample(store_target: str) -> None:
    rounds = 25
    names = ["Ada", "Bob", "Cy"]
    build_pending_project(store_target, len(names) * rounds + 5)
    got = race(store_target, names, rounds)
    handed = [sid for ids in got.values() for sid in ids]
    assert None not in handed
    assert len(handed) == len(set(handed)) == len(names) * rounds  # never twice
    with Project.open(store_target, create=False) as project, project.engine.connect() as conn:
        decided = dict(conn.execute(select(Sample.id, Sample.decided_by)
                                    .where(Sample.status == "approved")).all())
    assert decided == {sid: name for name, ids in got.items() for sid in ids}


def test_two_reviewers_swapping_samples_at_once_never_deadlock(store_target: str) -> None:
    """Ada on X opens Y while Bob on Y opens X, 120 times, each in a thread of its own: each
    lease write takes the new lease before it drops the old one and never waits holding one
    (on PostgreSQL this deadlocked about one time in five)."""
    build_pending_project(store_target, 4)
    with Project.open(store_target, create=False) as project:
        ada, bob = TeamWork(project, annotator="Ada"), TeamWork(project, annotator="Bob")
        x, y = 1, 2
        assert ada.take(x) is not None and bob.take(y) is not None
        barrier = threading.Barrier(2, timeout=60)
        errors: list[str] = []

        def swap(reviewer: TeamWork, here: int, there: int) -> None:
            for n in range(120):
                barrier.wait()
                try:
                    reviewer.take(there if n % 2 == 0 else here)
                except UserError as exc:
                    errors.append(str(exc))

        threads = [threading.Thread(target=swap, args=(ada, x, y)),
                   threading.Thread(target=swap, args=(bob, y, x))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        # at most one each (both may have left theirs for one the other held at that instant)
        assert sorted(leases(project).values()) in ([], ["Ada"], ["Bob"], ["Ada", "Bob"])


def test_my_batch_with_a_text_search_keeps_to_the_batch(project: Project,
                                                       team_store: ReviewData) -> None:
    """A search inside "My batch" finds the batch's Samples only, ids and counts (the store's
    search index must not answer it alone)."""
    captions = sorted(team_store.caption.values())  # every caption says "night"
    assert team(project, "Lea", clock(T0)).assign(QueueFilter(tasks=("Caption",)), to="Bob",
                                                  count=2) == 2
    bob = ReviewSession(project, annotator="Bob")
    for flt in (QueueFilter(assigned_to="Bob", text="night"),
                QueueFilter(assigned_to="Bob", text="night", statuses=("pending",))):
        assert bob.query_ids(flt) == captions[:2]
        assert bob.counts(flt) == (0, 2)
    assert len(bob.query_ids(QueueFilter(text="night"))) == 5


# ---- batches: the assign command ----------------------------------------------------------

def assign(target: str, *args: str) -> int:
    return main(["assign", "--db", target, "--annotator", "Lea", *args])


def test_assign_command_gives_and_takes_back_batches_by_filter_and_count(
        team_store: ReviewData, capsys: pytest.CaptureFixture[str]) -> None:
    target = str(team_store.path)
    captions = sorted(team_store.caption.values())
    with Project.open(target, create=False) as project:
        ReviewSession(project, annotator="Ada").set_status(captions[0], "approved")
    assert assign(target, "--to", "Bob", "--count", "3", "--task", "Caption") == 0
    assert capsys.readouterr().out == "assigned 3 samples to Bob\n"
    assert assign(target, "--to", "Cy", "--count", "5", "--task", "Caption") == 0
    assert capsys.readouterr().out == "assigned 1 samples to Cy (only 1 matched)\n"
    with Project.open(target, create=False) as project:
        assert batch(project, "Bob") == captions[1:4]   # the approved one is not work to do
        assert batch(project, "Cy") == captions[4:]
    assert assign(target, "--to", "Dee", "--count", "2", "--source", "LLVIP",
                  "--task", "Grounding") == 0
    assert assign(target, "--from", "Bob", "--count", "2") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "took 2 samples back from Bob"
    assert assign(target, "--from", "Dee", "--to", "Bob") == 0
    assert capsys.readouterr().out == "moved 2 samples from Dee to Bob\n"
    with Project.open(target, create=False) as project:
        grounding = sorted(team_store.grounding.values())[:2]
        assert batch(project, "Bob") == sorted([captions[3], *grounding])
        assert batch(project, "Dee") == []
    assert assign(target, "--unassign") == 0
    assert capsys.readouterr().out == "took 4 samples back from every reviewer\n"


def test_taking_back_a_batch_no_one_has_says_so(
        team_store: ReviewData, capsys: pytest.CaptureFixture[str]) -> None:
    target = str(team_store.path)
    assert assign(target, "--to", "Bob", "--count", "2", "--task", "Caption") == 0
    capsys.readouterr()
    assert assign(target, "--from", "Nobody") == 0
    assert capsys.readouterr().out == ("Nobody has no batch of pending samples; nothing was "
                                       "taken back\n")
    assert assign(target, "--from", "Bob", "--to", "Cy", "--task", "Grounding") == 0
    assert capsys.readouterr().out == ("Bob has no batch of pending samples of task Grounding; "
                                       "nothing was moved\n")
    assert assign(target, "--from", "Bob", "--to", "Cy", "--status", "approved") == 0
    assert capsys.readouterr().out == ("Bob has no batch of approved samples; nothing was "
                                       "moved\n")
    with Project.open(target, create=False) as project:
        assert len(batch(project, "Bob")) == 2 and batch(project, "Cy") == []


@pytest.mark.parametrize(("args", "says"), [
    (["--to", "Bob", "--count", "2", "--task", "Captions"], "unknown task 'Captions'; one of"),
    (["--to", "Bob", "--count", "2", "--source", "FLIR"], "unknown source 'FLIR'; the proj"),
    (["--to", "Bob", "--count", "2", "--status", "done"], "unknown status 'done'; one of"),
    (["--to", "Bob"], "say who gets the batch and how many samples: --to NAME --count N"),
    (["--to", "Bob", "--count", "0"], "the count must be at least 1, not 0"),
    (["--unassign", "--to", "Bob"], "--unassign takes a batch back and --to gives one"),
    # issue 12's adversarial test: a count no store's integers take was an internal error
    # (SQLite) or "could not be opened: bigint out of range" (PostgreSQL)
    (["--to", "Bob", "--count", "9223372036854775808"],
     "--count '9223372036854775808': give a whole number from 1 to 2,147,483,647"),
    (["--to", "Bob", "--count", "2147483648"],
     "the count must be at most 2,147,483,647, not 2,147,483,648"),
    (["--from", "Bob", "--count", "2147483648"], "the count must be at most 2,147,483,647"),
    (["--to", "Bob", "--count", "-3"], "the count must be at least 1, not -3"),
    (["--to", "Bob", "--count", "two"], "--count 'two': give a whole number from 1 to"),
    (["--from", "Bob", "--to", " Bob"], "the batch of Bob would move to Bob again: give --to"),
])
def test_assign_command_refuses_with_one_line(team_store: ReviewData, args: list[str],
                                              says: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert assign(str(team_store.path), *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"irtd-annotator: error: {says}") and err.count("\n") == 1, err
    with Project.open(str(team_store.path), create=False) as project:
        assert batch(project, "Bob") == []
