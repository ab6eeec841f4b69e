"""Small SELECTs the review window runs on every Sample shown, compiled once per session and
run through the DBAPI cursor.

Showing a Sample reads a handful of rows (the Sample and its Pair, its turns and shapes, its
siblings, the edit tools' context). Through SQLAlchemy each read cost 0.5-1 ms of statement
building, cache-key generation and result processing, some 20 times the query itself on
SQLite; the same statement compiled once and executed through the driver's cursor costs a few
tens of microseconds (10 -> 0.7 ms for a Sample, its siblings and the Pairs read ahead, on
the 260,000-sample project). Statements are written with SQLAlchemy (portable SQL, the paramstyle of
whatever driver the project uses); rows come back as plain tuples, exactly as the driver
returns them (SQLite gives 0/1 for booleans: callers convert).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.exc import DBAPIError

__all__ = ["Statements"]

Builder = Callable[[], Select[Any]]
# SQL text, parameter names in placeholder order (None: named paramstyle), literal values
_Compiled = tuple[str, tuple[str, ...] | None, dict[str, Any]]


class Statements:
    """The compiled form of SELECTs made by builder functions, kept per owner (a session).

    A builder is a function returning a ``select`` with named ``bindparam`` s; ``rows`` runs
    it with keyword values. The cache key is the builder (or ``key`` when one builder makes
    several statements, e.g. one per number of ids).
    """

    def __init__(self) -> None:
        self._compiled: dict[tuple[Hashable, type, str], _Compiled] = {}

    def rows(self, conn: Connection, build: Builder, *, key: Hashable | None = None,
             **params: Any) -> list[tuple[Any, ...]]:
        """All rows of the statement ``build`` makes, with ``params`` bound by name.

        A database error surfaces as SQLAlchemy's ``DBAPIError`` (as ``conn.execute`` would
        raise it), so the callers' handling of locked or unreadable stores still applies.
        """
        dialect = conn.dialect
        cache_key = (key if key is not None else build, type(dialect), dialect.paramstyle)
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            statement = build().compile(dialect=dialect)
            names = statement.positiontup
            # literals in the statement (kind == "box") are parameters with their value
            fixed = {name: bind.effective_value for bind, name in statement.bind_names.items()
                     if not bind.required}
            compiled = (str(statement), tuple(names) if names is not None else None, fixed)
            self._compiled[cache_key] = compiled
        sql, order, fixed = compiled
        values = {**fixed, **params} if fixed else params
        args: Any = [values[name] for name in order] if order is not None else values
        dbapi = dialect.loaded_dbapi
        try:
            cursor = conn.connection.cursor()
            try:
                cursor.execute(sql, args)
                return [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except dbapi.Error as exc:
            raise DBAPIError.instance(sql, args, exc, dbapi.Error, dialect=dialect) from exc
