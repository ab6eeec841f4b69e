"""The queue's SQL: a QueueFilter as one query, and the ids, windows and counts read by it.

The filter itself (what a reviewer chose) is ``domain.queue_filter``; this module turns it
into SQL for the store's dialect (ADR 0012: windows of ids in id order, the FTS5 index on
SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    func,
    not_,
    or_,
    select,
    text,
)

from irtd_annotator.domain.queue_filter import QueueFilter, windowed
from irtd_annotator.store.schema import Assignment, Pair, Sample, Turn
from irtd_annotator.store.search import FTS_TABLE

if TYPE_CHECKING:
    from irtd_annotator.store.sample_view import AnySelect


def missing_clause() -> ColumnElement[bool]:
    """True when the IR file, or a visible counterpart that should exist, is missing."""
    return or_(Pair.ir_exists.is_(False),
               and_(Pair.visible_path.is_not(None), Pair.visible_exists.is_(False)))


def _has_warnings() -> ColumnElement[bool]:
    return and_(Sample.warnings.is_not(None), Sample.warnings != "")


def needs_pairs(flt: QueueFilter) -> bool:
    """Whether the filter (or its order) must join the pairs table (a source alone does not)."""
    return flt.missing_images is not None or flt.sort in ("source", "image")


_FTS_MIN = 3  # the trigram tokenizer finds substrings of three characters or more


def filtered_select(flt: QueueFilter, base: AnySelect, *, fts: bool = False,
                    dense_sources: bool = False) -> AnySelect:
    """``base`` (selecting from samples) narrowed by the filter, joined to pairs if needed.

    The join is left out when nothing asks for it: on 300,000 Samples it is most of the cost
    of counting the queue after every review decision. A source filter alone is a subquery
    on the (source, id) index of pairs, so no join is needed for it either. With ``fts``
    (SQLite, migration 0005) the text search uses the FTS5 index instead of ``LIKE``.

    ``dense_sources``: the sources hold a large share of the Samples, and the caller wants
    the first few in id order. Each Sample's Pair is then looked up as the Samples are
    walked, which stops after the window, instead of listing every Pair of the sources and
    sorting all their Samples (5 against 120 ms for one source of 260,000 Samples).
    """
    joined = needs_pairs(flt)
    query = base.join(Pair, Pair.id == Sample.pair_id) if joined else base
    needle = flt.text.strip()
    by_index = bool(needle and fts and len(needle) >= _FTS_MIN)
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
    if flt.assigned_to is not None:  # a reviewer's batch: the (who, sample_id) index
        query = query.where(Sample.id.in_(
            select(Assignment.sample_id).where(Assignment.who == flt.assigned_to)))
    if by_index:
        # one phrase: the trigram index matches it as a substring, ignoring case, as LIKE did
        phrase = '"' + needle.replace('"', '""') + '"'
        query = query.where(Sample.id.in_(text(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_phrase")
            .bindparams(fts_phrase=phrase).columns(Sample.id)))
    elif needle:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(exists().where(
            Turn.sample_id == Sample.id, Turn.text.ilike(pattern, escape="\\")))
    return query


def _sort_column(key: str) -> ColumnElement[Any]:
    columns: dict[str, Any] = {
        "id": Sample.id, "status": Sample.status, "task": Sample.task, "source": Pair.source,
        "image": Pair.rel_path, "edited": Sample.edited, "warnings": Sample.warnings,
    }
    column: ColumnElement[Any] = columns[key]
    return column


def uses_fts(conn: Connection) -> bool:
    """Whether the store has the FTS5 search index (SQLite at migration 0003 or later)."""
    return conn.dialect.name == "sqlite"


def filtered_ids(conn: Connection, flt: QueueFilter, *,
                 with_status: bool = False) -> list[tuple[Any, ...]]:
    """(id,) or, ``with_status``, (id, status) of the Samples the filter selects, in its
    order (ties broken by id)."""
    column = _sort_column(flt.sort)
    fts = uses_fts(conn)
    base = select(Sample.id, Sample.status) if with_status else select(Sample.id)
    query = filtered_select(flt, base, fts=fts)
    if flt.sort == "id":
        query = query.order_by(Sample.id.desc() if flt.descending else Sample.id)
    else:
        query = query.order_by(column.desc() if flt.descending else column.asc(), Sample.id)
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(query)]
    # Hundreds of thousands of ids: SQLAlchemy's row processing would cost more than the
    # query; the DBAPI cursor hands them out as plain tuples.
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    positional = [params[name] for name in (compiled.positiontup or [])]
    cursor = conn.connection.driver_connection.execute(str(compiled), positional)  # type: ignore[union-attr]
    rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _id_order(flt: QueueFilter, query: Select[Any]) -> Select[Any]:
    return query.order_by(Sample.id.desc() if flt.descending else Sample.id)


def window_ids(conn: Connection, flt: QueueFilter, *, after: int | None, offset: int,
               limit: int, dense_sources: bool = False) -> list[int]:
    """``limit`` ids of a windowed filter in its order: those after the id ``after`` (when
    given, else from the start), skipping ``offset`` of them."""
    if not windowed(flt):
        raise ValueError(f"the filter is not read in windows: {flt}")
    query = filtered_select(flt, select(Sample.id), fts=uses_fts(conn),
                            dense_sources=dense_sources)
    if after is not None:
        query = query.where(Sample.id < after if flt.descending else Sample.id > after)
    query = _id_order(flt, query).limit(limit).offset(offset)
    return list(conn.execute(query).scalars())


def rows_before(conn: Connection, flt: QueueFilter, sample_id: int) -> int:
    """How many Samples of a windowed filter come before ``sample_id`` in its order
    (whether or not the filter selects ``sample_id`` itself)."""
    if not windowed(flt):
        raise ValueError(f"the filter is not read in windows: {flt}")
    query = filtered_select(flt, select(func.count(Sample.id)), fts=uses_fts(conn))
    query = query.where(Sample.id > sample_id if flt.descending else Sample.id < sample_id)
    return int(conn.execute(query).scalar() or 0)


def selects(conn: Connection, flt: QueueFilter, sample_id: int) -> bool:
    """Whether the filter selects the Sample (one lookup by primary key)."""
    query = filtered_select(flt, select(Sample.id), fts=uses_fts(conn))
    return conn.execute(query.where(Sample.id == sample_id)).first() is not None


def row_select() -> AnySelect:
    """The queue's columns of Samples (id, status, task, source, rel_path, edited, warnings,
    missing), with their Pairs."""
    return (select(Sample.id, Sample.status, Sample.task, Pair.source, Pair.rel_path,
                   Sample.edited, Sample.warnings, missing_clause().label("missing"))
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
    query = filtered_select(flt, select(Sample.status, func.count(Sample.id)),
                            fts=uses_fts(conn)).group_by(Sample.status)
    return {status: int(n) for status, n in conn.execute(query).all()}
