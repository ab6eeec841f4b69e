"""Counts of a project's Samples per task, source, status and image state."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, case, func, select

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
