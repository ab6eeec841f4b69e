"""The PostgreSQL half of ``bench_scale``: the same queue figures on a PostgreSQL database.

    .venv/bin/python -m tests.perf.bench_scale --keep /tmp/irtd-bench --db URL [--skip ...]

``URL`` (or the environment variable IRTD_BENCH_DATABASE_URL) names an existing PostgreSQL
database, e.g. ``postgresql+psycopg://me@localhost/irtd_bench``. When it holds no project the
generated data is imported into it (``irtd-annotator import --db URL``, timed); when it holds
a project of the same number of Samples it is reused as it is (an import of 260,000 Samples
takes minutes). Anything else is refused: the benchmark never deletes data.

Baselines, in the same run: the filters' plain id queries through psycopg, and for a search
the ``ILIKE`` query with index scans switched off for its transaction: the scan PostgreSQL
made before migration 0007 gave it the trigram index. The queue is measured after
``settle`` (VACUUM ANALYZE, what autovacuum does soon after an import).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ENV = "IRTD_BENCH_DATABASE_URL"


def samples_in(url: str) -> int | None:
    """Samples of the project in the database at ``url``; None when it holds no project."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("samples"):
                if inspect(conn).get_table_names():
                    raise SystemExit(f"{url}: the database holds other tables; give an empty "
                                     "database or one the benchmark filled before")
                return None
            return int(conn.execute(text("SELECT count(*) FROM samples")).scalar() or 0)
    finally:
        engine.dispose()


def settle(url: str) -> None:
    """VACUUM ANALYZE the database: the state autovacuum brings it to within a minute or two
    of a large import (the import ANALYZEs itself, but a VACUUM cannot run inside its
    transaction). Before it the first reads of each new row also set its hint bits."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    with psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


class Baseline:
    """A plain psycopg connection that runs bench_scale's baseline SQL (written for sqlite3)."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(url).set(drivername="postgresql")
        self._conn = psycopg.connect(parsed.render_as_string(hide_password=False),
                                     autocommit=True)

    def execute(self, sql: str, params: Sequence[Any]) -> Any:
        """Run ``sql`` (``?`` placeholders); a ``LIKE`` search as ``ILIKE`` with no index."""
        search = " LIKE " in sql
        sql = sql.replace("?", "%s").replace(" LIKE ", " ILIKE ")
        sql = re.sub(r"\bWHERE 1\b", "WHERE true", sql)
        if not search:
            return self._conn.execute(sql, params)
        with self._conn.transaction():
            self._conn.execute("SET LOCAL enable_bitmapscan = off")
            self._conn.execute("SET LOCAL enable_indexscan = off")
            return _Fetched(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        self._conn.close()


class _Fetched:
    """Rows already read (the transaction that switched the index off is over)."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows
