"""The queue's SQL: a QueueFilter as one query, and the ids, windows and counts read by it.

The filter itself (what a reviewer chose) is ``domain.queue_filter``; this module turns it
into SQL for the store's dialect (ADR 0012: windows of ids in id order; the text search by
the FTS5 index on SQLite, by ``sample_search`` on PostgreSQL, and the ids and file names a
search names by the indexes of migration 0008).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    column,
    exists,
    func,
    not_,
    or_,
    select,
    table,
    text,
    union_all,
)

from irtd_annotator.domain.queue_filter import QueueFilter, windowed
from irtd_annotator.store.dashboard import decided_ids
from irtd_annotator.store.lookup import named_ids
from irtd_annotator.store.schema import Assignment, Audit, AuditSample, Pair, Sample, Turn
from irtd_annotator.store.search import (
    BACKLOG,
    FTS_MIN,
    FTS_TABLE,
    PG_SEARCH_TABLE,
    SearchKind,
)
from irtd_annotator.store.search_backlog import backlog_waiting
from irtd_annotator.store.search_window import Kept, search_selects, search_window_ids

if TYPE_CHECKING:
    from irtd_annotator.store.sample_view import AnySelect


def missing_clause() -> ColumnElement[bool]:
    """True when the IR file, or a visible counterpart that should exist, is missing."""
    return or_(Pair.ir_exists.is_(False),
               and_(Pair.visible_path.is_not(None), Pair.visible_exists.is_(False)))


def _has_warnings() -> ColumnElement[bool]:
    return and_(Sample.warnings.is_not(None), Sample.warnings != "")


def has_warning_code(codes: Sequence[str]) -> ColumnElement[bool]:
    """True when the Sample's "; "-joined warnings hold one of ``codes`` as a whole code."""
    def one(code: str) -> ColumnElement[bool]:
        bare = _like_escaped(code)
        return or_(Sample.warnings == code,
                   *(Sample.warnings.like(p, escape="\\")
                     for p in (f"{bare}; %", f"%; {bare}", f"%; {bare}; %")))
    return or_(*(one(code) for code in codes))


def needs_pairs(flt: QueueFilter) -> bool:
    """Whether the filter (or its order) must join the pairs table (a source alone does not)."""
    return flt.missing_images is not None or flt.sort in ("source", "image")


_DIALECTS: dict[SearchKind, str] = {"fts5": "sqlite", "fts5+backlog": "sqlite",
                                    "table": "postgresql"}  # by search kind


def filtered_select(flt: QueueFilter, base: AnySelect, *, search: SearchKind = None,
                    dense_sources: bool = False) -> AnySelect:
    """``base`` (selecting from samples) narrowed by the filter, joined to pairs if needed.

    The join is left out when nothing asks for it: on 300,000 Samples it is most of the cost
    of counting the queue after every review decision. A source filter alone is a subquery
    on the (source, id) index of pairs, so no join is needed for it either. The text search
    uses the store's index (``search``, see ``search_kind``) instead of ``ILIKE`` over every
    turn; all three find the same Samples. Beside its text hits a search finds the Samples
    its needle names by id, original id or image file name (``store/lookup.named_ids``:
    index lookups, issue 13).

    ``dense_sources``: the sources hold a large share of the Samples, and the caller wants
    the first few in id order. Each Sample's Pair is then looked up as the Samples are
    walked, which stops after the window, instead of listing every Pair of the sources and
    sorting all their Samples (5 against 120 ms for one source of 260,000 Samples).
    """
    joined = needs_pairs(flt)
    query = base.join(Pair, Pair.id == Sample.pair_id) if joined else base
    needle = flt.text.strip()
    by_index = bool(needle and search in ("fts5", "fts5+backlog") and len(needle) >= FTS_MIN)
    # With the search index the Samples it finds are looked up by id, and the other criteria
    # are checked on those rows: "column || ''" keeps SQLite from walking the task or status
    # index instead and looking each found id up in it (300 against 170 ms for one task).
    status, task = (Sample.status + "", Sample.task + "") if by_index \
        else (Sample.status, Sample.task)
    if flt.statuses:
        query = query.where(status.in_(flt.statuses))
    if flt.tasks:
        query = query.where(task.in_(flt.tasks))
    if flt.sources and (dense_sources or by_index) and not joined:
        query = query.where(exists().where(Pair.id == Sample.pair_id,
                                           Pair.source.in_(flt.sources)))
    elif flt.sources:
        query = query.where(Pair.source.in_(flt.sources) if joined else Sample.pair_id.in_(
            select(Pair.id).where(Pair.source.in_(flt.sources))))
    if flt.missing_images is not None:
        query = query.where(missing_clause() if flt.missing_images else not_(missing_clause()))
    if flt.edited is not None:
        query = query.where(Sample.edited.is_(flt.edited))
    if flt.warnings is not None:
        query = query.where(_has_warnings() if flt.warnings else not_(_has_warnings()))
    if flt.reasons:  # the rejected Samples of these reasons ("": of none)
        query = query.where(status == "rejected",
                            func.coalesce(Sample.reject_reason, "").in_(flt.reasons))
    if flt.warning_kinds:
        query = query.where(has_warning_code(flt.warning_kinds))
    if flt.decided_by is not None or flt.decided_day is not None:
        # the Samples decided then, also those decided again since: the revisions of the
        # day, one range of their (action, at, who) index (migration 0011)
        query = query.where(Sample.id.in_(decided_ids(flt.decided_by, flt.decided_between())))
    if flt.assigned_to is not None:  # a reviewer's batch: the (who, sample_id) index
        query = query.where(Sample.id.in_(
            select(Assignment.sample_id).where(Assignment.who == flt.assigned_to)))
    if flt.audit is not None:  # an audit's drawn Samples: its primary key (audit, sample)
        query = query.where(Sample.id.in_(
            select(AuditSample.sample_id).join(Audit, Audit.id == AuditSample.audit_id)
            .where(Audit.name == flt.audit)))
    if not needle:
        return query
    # what the text names by other means: an id, an original id, an image's file name
    named, named_params = named_ids(_DIALECTS.get(search, "sqlite"), needle)
    if by_index:
        # one phrase: the trigram index matches it as a substring, ignoring case, as LIKE did
        phrase = '"' + needle.replace('"', '""') + '"'
        found = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_phrase"
        params: dict[str, object] = {"fts_phrase": phrase, **named_params}
        if search == "fts5+backlog":
            # ADR 0024: the backlog's rows may be missing or stale, its Samples are matched
            # by their turns as the ILIKE path below matches them (lower() LIKE lower())
            found += (f" AND NOT EXISTS (SELECT 1 FROM {BACKLOG} b"
                      f" WHERE b.sample_id = {FTS_TABLE}.rowid)"
                      f" UNION SELECT b.sample_id FROM {BACKLOG} b WHERE EXISTS (SELECT 1"
                      " FROM turns t WHERE t.sample_id = b.sample_id"
                      " AND lower(t.text) LIKE lower(:bl_pattern) ESCAPE '\\')")
            params["bl_pattern"] = _like_pattern(needle)
        return query.where(Sample.id.in_(text(f"{found} UNION {named}")
                                         .bindparams(**params).columns(Sample.id)))
    pattern = _like_pattern(needle)
    if search == "table":
        # lowered as the table's text is; backslash is LIKE's escape by default, and a
        # trigram index serves the pattern from three characters on (migration 0007)
        return query.where(Sample.id.in_(text(
            f"SELECT sample_id FROM {PG_SEARCH_TABLE} WHERE text LIKE lower(:pg_pattern)"
            f" UNION {named}").bindparams(pg_pattern=pattern, **named_params)
            .columns(Sample.id)))
    return query.where(or_(
        exists().where(Turn.sample_id == Sample.id, Turn.text.ilike(pattern, escape="\\")),
        Sample.id.in_(text(named).bindparams(**named_params).columns(Sample.id))))


def _like_pattern(needle: str) -> str:
    """``%needle%`` for LIKE with backslash as its escape: the needle's own %, _ and \\ literal."""
    return "%" + _like_escaped(needle) + "%"


def _like_escaped(needle: str) -> str:
    """``needle`` for LIKE with backslash as its escape: its own %, _ and \\ literal."""
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_SEARCH_ROWS = table(PG_SEARCH_TABLE, column("sample_id"), column("task"), column("status"),
                     column("text"))


def _search_rows(flt: QueueFilter, search: SearchKind, *columns: str) -> Select[Any] | None:
    """PostgreSQL: ``columns`` of ``sample_search`` for a search narrowed by statuses and
    tasks alone (the table keeps both beside the text, migration 0007), reading ``samples``
    only for the few Samples the needle names by id or file name (``store/lookup.py``);
    None for any other filter or store."""
    if search != "table" or not flt.text.strip() \
            or flt.sources or not dataclasses.replace(flt, text="").tallied():
        return None
    c = _SEARCH_ROWS.c
    needle = flt.text.strip()
    matches = c.text.like(func.lower(bindparam("pg_pattern", _like_pattern(needle))))
    by_text = select(c.sample_id, c.status).where(matches)
    named, params = named_ids("postgresql", needle)
    # the few Samples named by id or file name and not found by their text, with their
    # task and status from samples: no UNION's de-duplication of every text hit
    by_name = select(Sample.id.label("sample_id"), Sample.status).where(
        Sample.id.in_(text(named).bindparams(**params).columns(Sample.id)),
        not_(exists().where(c.sample_id == Sample.id, matches)))
    if flt.statuses:
        by_text = by_text.where(c.status.in_(flt.statuses))
        by_name = by_name.where(Sample.status.in_(flt.statuses))
    if flt.tasks:
        by_text = by_text.where(c.task.in_(flt.tasks))
        by_name = by_name.where(Sample.task.in_(flt.tasks))
    found = union_all(by_text, by_name).subquery("found")
    return select(*(found.c[name] for name in columns))


def _sort_key(key: str, *, descending: bool, dialect: str) -> ColumnElement[Any]:
    """The ORDER BY term of a sort, written so that SQLite and PostgreSQL agree.

    NULLs (a Sample without warnings) come first going up and last going down, SQLite's own
    rule, stated explicitly because PostgreSQL's default is the opposite. Text is compared by
    code point on PostgreSQL (``COLLATE "C"``), as SQLite's BINARY collation does: a
    language's collation would order case, accents and punctuation differently.
    """
    columns: dict[str, Any] = {
        "id": Sample.id, "status": Sample.status, "task": Sample.task, "source": Pair.source,
        "image": Pair.rel_path, "edited": Sample.edited, "warnings": Sample.warnings,
    }
    column: ColumnElement[Any] = columns[key]
    if dialect == "postgresql" and key in _TEXT_SORTS:
        column = column.collate("C")
    ordered = column.desc() if descending else column.asc()
    if key in _NULLABLE_SORTS:
        ordered = ordered.nulls_last() if descending else ordered.nulls_first()
    return ordered


_TEXT_SORTS = frozenset({"status", "task", "source", "image", "warnings"})
_NULLABLE_SORTS = frozenset({"warnings"})


def search_kind(conn: Connection) -> SearchKind:
    """The store's text search index: "fts5" (SQLite, migration 0005), "fts5+backlog" while
    Samples wait in its backlog (0012, ADR 0024), "table" (PostgreSQL's ``sample_search``,
    0007), or None (``ILIKE`` over the turns). A store is at the newest migration once it
    is open."""
    if conn.dialect.name == "sqlite":
        return "fts5+backlog" if backlog_waiting(conn) else "fts5"
    return "table" if conn.dialect.name == "postgresql" else None


def filtered_ids(conn: Connection, flt: QueueFilter, *,
                 with_status: bool = False) -> list[tuple[Any, ...]]:
    """(id,) or, ``with_status``, (id, status) of the Samples the filter selects, in its
    order (ties broken by id)."""
    base = select(Sample.id, Sample.status) if with_status else select(Sample.id)
    query = filtered_select(flt, base, search=search_kind(conn))
    found = _search_rows(flt, search_kind(conn), *(("sample_id", "status") if with_status
                                                   else ("sample_id",)))
    if found is not None and flt.sort == "id":
        sample_id = found.selected_columns.sample_id
        query = found.order_by(sample_id.desc() if flt.descending else sample_id)
    else:
        query = _in_order(conn, flt, query)
    if conn.dialect.name not in ("sqlite", "postgresql"):
        return [tuple(row) for row in conn.execute(query)]
    # Hundreds of thousands of ids: SQLAlchemy's row processing would cost more than the
    # query (15 of 130 ms for a search finding 15,000 Samples on PostgreSQL); the DBAPI
    # cursor (sqlite3's or psycopg's, in the same transaction) hands out plain tuples.
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    bound: Any = ([params[name] for name in compiled.positiontup or []] if compiled.positional
                  else params)
    cursor = conn.connection.driver_connection.execute(str(compiled), bound)  # type: ignore[union-attr]
    rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _in_order(conn: Connection, flt: QueueFilter, query: AnySelect) -> AnySelect:
    """``query`` in the filter's order, ties broken by id."""
    if flt.sort == "id":
        return query.order_by(Sample.id.desc() if flt.descending else Sample.id)
    if flt.sort == "risk":
        # riskiest first, ties in id order: the order of ix_samples_risk_id (risk DESC, id),
        # read forwards, or backwards for the exact reverse (migration 0010)
        if flt.descending:
            return query.order_by(Sample.risk.asc(), Sample.id.desc())
        return query.order_by(Sample.risk.desc(), Sample.id)
    return query.order_by(_sort_key(flt.sort, descending=flt.descending,
                                    dialect=conn.dialect.name), Sample.id)


def first_in_order(conn: Connection, flt: QueueFilter, ids: Sequence[int]) -> int | None:
    """The first of ``ids`` (a few) in the filter's order that the filter selects, or None."""
    query = filtered_select(flt, select(Sample.id), search=search_kind(conn))
    query = _in_order(conn, flt, query.where(Sample.id.in_(list(ids))))
    found: int | None = conn.execute(query.limit(1)).scalar()
    return found


def _after(flt: QueueFilter, sample_id: int, *, before: bool = False) -> ColumnElement[bool]:
    """The Samples after ``sample_id`` in a windowed filter's order (``before``: before it):
    by id, or by risk then id (the Sample's risk read in the same statement)."""
    # the side wanted of the ascending order (by id; by risk: riskiest first, then by id)
    first = flt.descending != before
    if flt.sort != "risk":
        return Sample.id < sample_id if first else Sample.id > sample_id
    risk = select(Sample.risk).where(Sample.id == sample_id).scalar_subquery()
    return or_(Sample.risk > risk if first else Sample.risk < risk,
               and_(Sample.risk == risk, Sample.id < sample_id if first else Sample.id > sample_id))


def window_ids(conn: Connection, flt: QueueFilter, *, after: int | None, offset: int,
               limit: int, dense_sources: bool = False) -> list[int]:
    """``limit`` ids of a windowed filter in its order: those after the id ``after`` (when
    given, else from the start), skipping ``offset`` of them."""
    if not windowed(flt):
        raise ValueError(f"the filter is not read in windows: {flt}")
    if flt.text.strip():  # the search index's hits in id order, the first read alone
        return search_window_ids(conn, flt, search_kind(conn), _kept(conn, flt), after=after,
                                 offset=offset, limit=limit)
    query = filtered_select(flt, select(Sample.id), search=search_kind(conn),
                            dense_sources=dense_sources)
    if after is not None:
        query = query.where(_after(flt, after))
    query = _in_order(conn, flt, query).limit(limit).offset(offset)
    return list(conn.execute(query).scalars())


def rows_before(conn: Connection, flt: QueueFilter, sample_id: int) -> int:
    """How many Samples of a windowed filter come before ``sample_id`` in its order
    (whether or not the filter selects ``sample_id`` itself)."""
    if not windowed(flt):
        raise ValueError(f"the filter is not read in windows: {flt}")
    query = filtered_select(flt, select(func.count(Sample.id)), search=search_kind(conn))
    query = query.where(_after(flt, sample_id, before=True))
    return int(conn.execute(query).scalar() or 0)


def selects(conn: Connection, flt: QueueFilter, sample_id: int) -> bool:
    """Whether the filter selects the Sample (one lookup by primary key)."""
    if flt.text.strip():  # a seek in the search's hits, not the list of them all
        return search_selects(conn, flt, search_kind(conn), _kept(conn, flt), sample_id)
    query = filtered_select(flt, select(Sample.id), search=search_kind(conn))
    return conn.execute(query.where(Sample.id == sample_id)).first() is not None


def _kept(conn: Connection, flt: QueueFilter) -> Kept:
    """Those of some ids that the filter's criteria other than its text select."""
    query = filtered_select(dataclasses.replace(flt, text=""), select(Sample.id))
    return lambda ids: set(conn.execute(query.where(Sample.id.in_(ids))).scalars())


def row_select() -> AnySelect:
    """The queue's columns of Samples (id, status, task, source, rel_path, edited, warnings,
    missing, decided_by, risk), with their Pairs."""
    return (select(Sample.id, Sample.status, Sample.task, Pair.source, Pair.rel_path,
                   Sample.edited, Sample.warnings, missing_clause().label("missing"),
                   Sample.decided_by, Sample.risk)
            .join(Pair, Pair.id == Sample.pair_id))


def siblings_select() -> AnySelect:
    """The queue rows of one Pair's Samples (parameter ``pair_id``), in id order."""
    return row_select().where(Sample.pair_id == bindparam("pair_id")).order_by(Sample.id)


def rows_of(conn: Connection, ids: Sequence[int]) -> list[Row[Any]]:
    """The queue rows of ``ids`` (unknown ids are left out); one statement, so a caller
    batches long lists."""
    return list(conn.execute(row_select().where(Sample.id.in_(list(ids)))))


def status_counts(conn: Connection, flt: QueueFilter) -> dict[str, int]:
    """Samples of the filter per status: SQLite answers from the status index, not the rows."""
    found = _search_rows(flt, search_kind(conn), "status")
    if found is not None:
        status = found.selected_columns.status
        query = found.add_columns(func.count()).group_by(status)
    else:
        query = filtered_select(flt, select(Sample.status, func.count(Sample.id)),
                                search=search_kind(conn)).group_by(Sample.status)
    return {status: int(n) for status, n in conn.execute(query).all()}
