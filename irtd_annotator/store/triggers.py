"""Whether a store has one of the triggers that keep its derived tables."""

from __future__ import annotations

from sqlalchemy import Connection, text


def has_trigger(conn: Connection, name: str) -> bool:
    """True when the store has the trigger ``name`` (a migration made it): SQLite's from
    migrations 0003-0005, PostgreSQL's from 0007; other databases have none."""
    if conn.dialect.name == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = :name"
    elif conn.dialect.name == "postgresql":
        # pg_trigger is per database; the search path decides which table a name means, and
        # the application's tables are the only ones with these names
        query = "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname = :name"
    else:
        return False
    return bool(conn.execute(text(query), {"name": name}).scalar())
