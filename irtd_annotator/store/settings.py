"""Project settings stored in the project itself (image roots, pairing rules, spaces)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select, update

from irtd_annotator.store.schema import Setting


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    """The JSON value stored under ``key``, or ``default``."""
    value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
    return default if value is None else json.loads(value)


def set_setting(conn: Connection, key: str, value: Any) -> None:
    """Store ``value`` (JSON-serialisable) under ``key`` in the caller's transaction."""
    text = json.dumps(value, sort_keys=True)
    if conn.execute(select(Setting.key).where(Setting.key == key)).first() is None:
        conn.execute(insert(Setting).values(key=key, value=text))
    else:
        conn.execute(update(Setting).where(Setting.key == key).values(value=text))


def lock_setting(conn: Connection, key: str) -> None:
    """Take the write lock on the setting's row before reading it (an update that changes
    nothing: PostgreSQL locks the row, SQLite's driver begins the write transaction here).
    A setting not stored yet has no row to lock; its first writers race on the insert."""
    conn.execute(update(Setting).where(Setting.key == key).values(value=Setting.value))
