"""Whether a store has one of the triggers that keep its derived tables (SQLite only)."""

from __future__ import annotations

from sqlalchemy import Connection


def has_trigger(conn: Connection, name: str) -> bool:
    """True when the store is SQLite and has the trigger ``name`` (a migration made it)."""
    if conn.dialect.name != "sqlite":
        return False
    found = conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (name,)).scalar()
    return bool(found)
