"""Reads over Samples the review session asks for besides showing one: the store's change
stamp, statuses by id, the revision history, the tasks and sources present."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from irtd_annotator.store.schema import Pair, Revision, Sample

__all__ = ["revisions_of", "sources_with_samples", "stamp", "statuses_of", "tasks_present"]


def stamp(conn: Connection) -> tuple[int, int]:
    """(last revision id, last Sample id): changes whenever the counts may have changed."""
    revision = conn.execute(select(func.max(Revision.id))).scalar()
    sample = conn.execute(select(func.max(Sample.id))).scalar()
    return int(revision or 0), int(sample or 0)


def statuses_of(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """The status of each Sample id (unknown ids left out).

    Fetched by primary key, the status checked by the caller, so SQLite never walks the
    (much larger) status index instead.
    """
    return {int(sid): str(status) for sid, status in conn.execute(
        select(Sample.id, Sample.status).where(Sample.id.in_(list(ids)))).all()}


def revisions_of(conn: Connection, sample_id: int) -> list[tuple[Any, ...]]:
    """(at, who, action, target, old, new) of the Sample's revisions, newest first."""
    return [tuple(row) for row in conn.execute(
        select(Revision.at, Revision.who, Revision.action, Revision.target,
               Revision.old, Revision.new)
        .where(Revision.sample_id == sample_id).order_by(Revision.id.desc()))]


def tasks_present(conn: Connection) -> list[str]:
    """The tasks of the Samples in the store, each once."""
    return list(conn.execute(select(Sample.task).distinct()).scalars())


def sources_with_samples(conn: Connection) -> list[str]:
    """The sources with at least one Sample, each once.

    Each source present once, then one indexed probe per source for a Sample on it: never a
    pass over every Sample (the Pairs of a source-dataset import may have none yet).
    """
    present = select(Pair.source).distinct().subquery()
    has_sample = (select(Sample.id).join(Pair, Pair.id == Sample.pair_id)
                  .where(Pair.source == present.c.source).exists())
    return list(conn.execute(select(present.c.source).where(has_sample)).scalars())
