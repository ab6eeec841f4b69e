"""The append-only revision log and the clock it uses."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, insert

from irtd_annotator.store.schema import Revision


def now_iso() -> str:
    """The current UTC time, ISO-8601 with milliseconds (sortable as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def add_revision(conn: Connection, *, who: str, action: str, sample_id: int | None = None,
                 pair_id: int | None = None, target: str | None = None,
                 old: str | None = None, new: str | None = None, at: str | None = None) -> None:
    """Append one revision entry in the caller's transaction."""
    conn.execute(insert(Revision).values(
        sample_id=sample_id, pair_id=pair_id, at=at or now_iso(), who=who, action=action,
        target=target, old=old, new=new,
    ))
