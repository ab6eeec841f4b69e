"""Counts of a project's Samples per task, source, status and image state, and per reviewer."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, and_, case, func, select

from irtd_annotator.store.schema import Pair, Sample


class Counts(NamedTuple):
    """What is in a project, counted."""

    samples: int
    pairs: int
    edited: int
    by_task: dict[str, int]
    by_source: dict[str, int]
    by_status: dict[str, int]
    by_image: dict[str, int]


def project_counts(conn: Connection) -> Counts:
    """Count the project's Samples by task, source, status and image state, and its Pairs."""
    image_state = case(
        (Pair.ir_exists.is_(False), "infrared missing"),
        (Pair.visible_path.is_(None), "no visible counterpart"),
        (Pair.visible_exists.is_(False), "visible missing"),
        else_="both present",
    )
    samples = conn.execute(select(func.count()).select_from(Sample)).scalar_one()
    pairs = conn.execute(select(func.count()).select_from(Pair)).scalar_one()
    edited = conn.execute(
        select(func.count()).select_from(Sample).where(Sample.edited.is_(True))).scalar_one()
    by_task: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for column, target in ((Sample.task, by_task), (Sample.status, by_status)):
        for key, n in conn.execute(select(column, func.count()).group_by(column)):
            target[key] = n
    joined = select(Pair.source, func.count()).join(Sample, Sample.pair_id == Pair.id)
    by_source: dict[str, int] = dict(conn.execute(joined.group_by(Pair.source)).all())
    by_image_query = select(image_state.label("state"), func.count()).join(
        Sample, Sample.pair_id == Pair.id).group_by("state")
    by_image: dict[str, int] = dict(conn.execute(by_image_query).all())
    return Counts(samples, pairs, edited, by_task, by_source, by_status, by_image)


class ReviewerCounts(NamedTuple):
    """One reviewer's decisions: the Samples whose review status they set last."""

    who: str
    today: int  # decided within [since, until)
    total: int
    by_status: dict[str, int]


def reviewer_counts(conn: Connection, *, since: str, until: str) -> list[ReviewerCounts]:
    """Every reviewer's decisions, by name: in all, between the ISO times ``since`` (included)
    and ``until`` (excluded), and per status.

    ``decided_by`` / ``decided_at`` (migration 0006) say who set a Sample's status last and
    when; a Sample put back to pending has neither, so it counts for no one.
    """
    in_day = and_(Sample.decided_at >= since, Sample.decided_at < until)
    query = (select(Sample.decided_by, Sample.status, func.count(),
                    func.coalesce(func.sum(case((in_day, 1), else_=0)), 0))
             .where(Sample.decided_by.is_not(None))
             .group_by(Sample.decided_by, Sample.status))
    found: dict[str, ReviewerCounts] = {}
    for who, status, n, today in conn.execute(query):
        was = found.get(who) or ReviewerCounts(who, 0, 0, {})
        found[who] = ReviewerCounts(who, was.today + int(today), was.total + int(n),
                                    {**was.by_status, status: int(n)})
    return [found[who] for who in sorted(found, key=lambda w: (w.casefold(), w))]


def decisions_of(conn: Connection, who: str, *, since: str, until: str) -> tuple[int, int]:
    """(today, in all): one reviewer's decisions, as ``reviewer_counts`` counts them.

    Two counts on the index (decided_by, decided_at) alone: asked after every decision the
    window saves, so it must not read the Samples themselves.
    """
    mine = Sample.decided_by == who
    total = conn.execute(select(func.count()).select_from(Sample).where(mine)).scalar_one()
    today = conn.execute(select(func.count()).select_from(Sample).where(
        mine, Sample.decided_at >= since, Sample.decided_at < until)).scalar_one()
    return int(today), int(total)
