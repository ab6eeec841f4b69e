"""Releases in the store: record one with the digest of each exported Sample, compare two.

Digests are compared in SQL, so saying what changed between two releases of 260,000 Samples
needs no memory in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Connection, and_, case, delete, exists, func, insert, select, update
from sqlalchemy.orm import aliased

from irtd_annotator.domain.file_layout import SETTING_PREFIX as LAYOUT_PREFIX
from irtd_annotator.domain.file_layout import FileLayout
from irtd_annotator.store.schema import Release, ReleaseSample, Sample, Setting

_BATCH = 10_000
_EXAMPLES = 5
# Settings rows of exports under way: one per export, keyed by the release's unique id.
INTENT_PREFIX = "release_in_progress:"


@dataclass(frozen=True)
class ReleaseDiff:
    """What changed in one release since an earlier one, by Sample."""

    previous_id: int
    previous_at: str
    added: int
    removed: int
    changed: int
    examples: dict[str, tuple[str, ...]]  # "added"/"removed"/"changed" -> "Task #id" examples


@dataclass(frozen=True)
class ReleaseRow:
    """One recorded release, as listed to people."""

    id: int
    at: str
    who: str
    out_dir: str
    sample_count: int
    filters: dict[str, Any]


def _batches(items: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def record_release(conn: Connection, *, at: str, who: str, out_dir: str, filters: dict[str, Any],
                   manifest: dict[str, Any], digests: Iterable[tuple[int, str]]) -> int:
    """Insert a release and its (sample id, digest) rows in the caller's transaction; its id."""
    key = conn.execute(insert(Release).values(
        at=at, who=who, out_dir=out_dir, filters=json.dumps(filters, sort_keys=True),
        manifest=json.dumps(manifest, ensure_ascii=False), sample_count=0,
    )).inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    release_id = int(key[0])
    count = 0
    # On SQLite the rows go straight to the DBAPI's executemany (same transaction): through
    # SQLAlchemy's parameter processing, 260,000 rows cost seconds.
    driver = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    for batch in _batches(digests, _BATCH):
        if driver is not None:  # release_id is an int from the store: safe as a literal
            driver.executemany("INSERT INTO release_samples (release_id, sample_id, digest) "
                               f"VALUES ({release_id:d}, ?, ?)", batch)
        else:
            conn.execute(insert(ReleaseSample), [
                {"release_id": release_id, "sample_id": sample_id, "digest": digest}
                for sample_id, digest in batch])
        count += len(batch)
    conn.execute(update(Release).where(Release.id == release_id).values(sample_count=count))
    return release_id


def previous_release(conn: Connection, release_id: int) -> tuple[int, str] | None:
    """(id, at) of the newest release recorded before ``release_id``, or None."""
    row = conn.execute(select(Release.id, Release.at).where(Release.id < release_id)
                       .order_by(Release.id.desc()).limit(1)).first()
    return None if row is None else (int(row.id), str(row.at))


def release_diff(conn: Connection, release_id: int) -> ReleaseDiff | None:
    """What changed in ``release_id`` since the release before it; None for the first release."""
    previous = previous_release(conn, release_id)
    if previous is None:
        return None
    prev_id, prev_at = previous
    new, old = aliased(ReleaseSample), aliased(ReleaseSample)
    # One pass over the new release, each Sample looked up in the old one by primary key.
    matched = and_(old.release_id == prev_id, old.sample_id == new.sample_id)
    total, kept, changed = conn.execute(
        select(func.count(), func.count(old.sample_id),
               func.coalesce(func.sum(case((old.digest != new.digest, 1), else_=0)), 0))
        .select_from(new).outerjoin(old, matched).where(new.release_id == release_id)).one()
    before = conn.execute(select(func.count()).select_from(old)
                          .where(old.release_id == prev_id)).scalar_one()
    counts = {"added": int(total) - int(kept), "removed": int(before) - int(kept),
              "changed": int(changed)}

    def only_in(a: Any, a_id: int, b: Any, b_id: int) -> Any:
        return and_(a.release_id == a_id, ~exists().where(
            and_(b.release_id == b_id, b.sample_id == a.sample_id)))

    label = Sample.task + " #" + Sample.original_id
    examples = {
        "added": select(label).select_from(new).join(Sample, Sample.id == new.sample_id)
        .where(only_in(new, release_id, old, prev_id)),
        "removed": select(label).select_from(old).join(Sample, Sample.id == old.sample_id)
        .where(only_in(old, prev_id, new, release_id)),
        "changed": select(label).select_from(new).join(old, matched)
        .join(Sample, Sample.id == new.sample_id)
        .where(new.release_id == release_id, old.digest != new.digest),
    }
    # Looked for only where there are some: a search for none would read every row.
    return ReleaseDiff(
        previous_id=prev_id, previous_at=prev_at, **counts,
        examples={key: tuple(conn.execute(stmt.limit(_EXAMPLES)).scalars())
                  if counts[key] else () for key, stmt in examples.items()},
    )


def release_rows(conn: Connection) -> list[ReleaseRow]:
    """Every recorded release, oldest first (a project holds few releases)."""
    rows = conn.execute(select(Release.id, Release.at, Release.who, Release.out_dir,
                               Release.sample_count, Release.filters).order_by(Release.id))
    return [ReleaseRow(id=r.id, at=r.at, who=r.who, out_dir=r.out_dir,
                       sample_count=r.sample_count, filters=json.loads(r.filters))
            for r in rows]


def put_intent(conn: Connection, uid: str, intent: dict[str, Any]) -> None:
    """Store (or replace) the record of the export ``uid`` under way, in the caller's
    transaction: what its folders are called, so a crash can be finished or undone."""
    key = INTENT_PREFIX + uid
    conn.execute(delete(Setting).where(Setting.key == key))
    conn.execute(insert(Setting).values(key=key, value=json.dumps(intent, sort_keys=True)))


def drop_intent(conn: Connection, uid: str) -> None:
    """Forget the export ``uid`` (it is finished or undone), in the caller's transaction."""
    conn.execute(delete(Setting).where(Setting.key == INTENT_PREFIX + uid))


def intents(conn: Connection) -> dict[str, dict[str, Any]]:
    """The records of exports under way (or killed), by unique id."""
    rows = conn.execute(select(Setting.key, Setting.value)
                        .where(Setting.key.startswith(INTENT_PREFIX, autoescape=True)))
    return {key.removeprefix(INTENT_PREFIX): json.loads(value) for key, value in rows}


def delete_release(conn: Connection, release_id: int) -> None:
    """Remove a release and its digests (one whose folder never came into place)."""
    conn.execute(delete(ReleaseSample).where(ReleaseSample.release_id == release_id))
    conn.execute(delete(Release).where(Release.id == release_id))


def file_layouts(conn: Connection) -> dict[str, FileLayout]:
    """The layouts of the imported files, by file name (those stored and readable)."""
    rows = conn.execute(select(Setting.key, Setting.value)
                        .where(Setting.key.startswith(LAYOUT_PREFIX, autoescape=True)))
    layouts = {key.removeprefix(LAYOUT_PREFIX): FileLayout.from_setting(json.loads(value))
               for key, value in rows}
    return {name: layout for name, layout in layouts.items() if layout is not None}
