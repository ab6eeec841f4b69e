"""The kept Sample counts per (source, task, status) (SQLite, migration 0004).

``sample_tally`` answers "how many Samples does this filter select, and how many are
approved" for filters made of statuses, tasks and sources without reading the Samples.
Triggers keep it in step; ``bulk_tally`` swaps the insert trigger for one grouped insert at
the end of a bulk write (an import), inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from irtd_annotator.store.triggers import has_trigger

TALLY = "sample_tally"
INSERT_TRIGGER = "sample_tally_insert"
# The same trigger as migration 0004 creates (a released migration is never changed).
_CREATE_INSERT_TRIGGER = (
    f"CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON samples BEGIN "
    f"INSERT INTO {TALLY} (source, task, status, n) SELECT source, new.task, new.status, 1 "
    "FROM pairs WHERE id = new.pair_id "
    "ON CONFLICT (source, task, status) DO UPDATE SET n = n + 1; END")


def has_tally(conn: Connection) -> bool:
    """Whether the store keeps the tally (SQLite at migration 0004 or later)."""
    return has_trigger(conn, INSERT_TRIGGER)


@contextmanager
def bulk_tally(conn: Connection) -> Iterator[None]:
    """Count the Samples inserted inside the block in one grouped insert at its end."""
    if not has_tally(conn):
        yield
        return
    before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM samples").scalar()
    conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield
    conn.exec_driver_sql(
        f"INSERT INTO {TALLY} (source, task, status, n) SELECT p.source, s.task, s.status,"
        " count(*) FROM samples s JOIN pairs p ON p.id = s.pair_id WHERE s.id > ?"
        " GROUP BY p.source, s.task, s.status"
        " ON CONFLICT (source, task, status) DO UPDATE SET n = n + excluded.n", (before,))
    conn.exec_driver_sql(_CREATE_INSERT_TRIGGER)


def tally_by_status(conn: Connection, *, statuses: Sequence[str], tasks: Sequence[str],
                    sources: Sequence[str]) -> dict[str, int]:
    """Samples per status among those with one of ``statuses``/``tasks``/``sources`` (empty: any)."""
    where: list[str] = []
    params: list[str] = []
    for column, values in (("status", statuses), ("task", tasks), ("source", sources)):
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    sql = f"SELECT status, sum(n) FROM {TALLY}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.exec_driver_sql(sql + " GROUP BY status", tuple(params)).all()
    return {status: int(n) for status, n in rows if n}
