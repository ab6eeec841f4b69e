"""The append-only revision log and the clock it uses.

A revision written while an undo or a redo runs (``replaying``) says so: its target ends in
`` (undo)`` or `` (redo)``, so the history tells a reviewer's own change from taking it back
without another column (issue 13). ``split_step`` reads the mark back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import overload

from sqlalchemy import Connection, insert

from irtd_annotator.store.schema import Revision


def now_iso() -> str:
    """The current UTC time, ISO-8601 with milliseconds (sortable as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


STEPS = ("undo", "redo")
_STEP: ContextVar[str | None] = ContextVar("revision_step", default=None)


@contextmanager
def replaying(step: str | None) -> Iterator[None]:
    """Mark the revisions written inside the block as made by an undo or a redo (``step``
    "undo" or "redo"; None marks nothing)."""
    if step is not None and step not in STEPS:
        raise ValueError(f"unknown step {step!r}: undo or redo")
    token = _STEP.set(step)
    try:
        yield
    finally:
        _STEP.reset(token)


def split_step(target: str | None) -> tuple[str | None, str | None]:
    """(target, "undo" / "redo" / None) of a stored target."""
    for step in STEPS:
        mark = f"({step})"
        if target == mark:
            return None, step
        if target is not None and target.endswith(" " + mark):
            return target[:-len(mark) - 1], step
    return target, None


@overload
def marked(target: str) -> str: ...


@overload
def marked(target: None) -> str | None: ...


def marked(target: str | None) -> str | None:
    """``target`` as a revision written now stores it: marked when an undo or a redo runs
    (``replaying``); for the callers that insert revisions in bulk."""
    step = _STEP.get()
    if step is None:
        return target
    return f"{target} ({step})" if target else f"({step})"


def add_revision(conn: Connection, *, who: str, action: str, sample_id: int | None = None,
                 pair_id: int | None = None, target: str | None = None,
                 old: str | None = None, new: str | None = None, at: str | None = None) -> None:
    """Append one revision entry in the caller's transaction (marked when an undo or a redo
    writes it: see ``replaying``)."""
    conn.execute(insert(Revision).values(
        sample_id=sample_id, pair_id=pair_id, at=at or now_iso(), who=who, action=action,
        target=marked(target), old=old, new=new,
    ))
