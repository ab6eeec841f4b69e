"""The queue's filter and its translation into one SQL query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement, Connection, Select, and_, exists, not_, or_, select, text,
)

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.tasks import Task
from irtd_annotator.store.schema import Pair, Sample, Turn

SORT_KEYS = ("id", "status", "task", "source", "image", "edited", "warnings")


@dataclass(frozen=True)
class QueueFilter:
    """Which Samples the queue shows, and in what order. Empty tuples and None mean "all"."""

    statuses: tuple[str, ...] = ()      # ReviewStatus values
    tasks: tuple[str, ...] = ()         # Task values
    sources: tuple[str, ...] = ()       # Pair.source values
    missing_images: bool | None = None  # True: IR or visible missing; False: both present
    edited: bool | None = None
    warnings: bool | None = None        # True: Samples with warnings
    text: str = ""                      # in prompts and answers, case-insensitive
    sort: str = "id"
    descending: bool = False

    def __post_init__(self) -> None:
        for name in ("statuses", "tasks", "sources"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, tuple):
                raise ValueError(f"{name} must be a tuple of strings, got {value!r}")
        for status in self.statuses:
            ReviewStatus(status)  # raises ValueError naming the bad value
        for task in self.tasks:
            Task(task)
        if self.sort not in SORT_KEYS:
            raise ValueError(f"unknown sort key {self.sort!r}; one of {', '.join(SORT_KEYS)}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, e.g. to remember the filter in settings."""
        return {
            "statuses": list(self.statuses), "tasks": list(self.tasks),
            "sources": list(self.sources), "missing_images": self.missing_images,
            "edited": self.edited, "warnings": self.warnings, "text": self.text,
            "sort": self.sort, "descending": self.descending,
        }

    @classmethod
    def from_json(cls, data: object) -> "QueueFilter":
        """The filter saved by ``to_json``; anything unreadable gives the default filter."""
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(
                statuses=tuple(data.get("statuses") or ()), tasks=tuple(data.get("tasks") or ()),
                sources=tuple(data.get("sources") or ()),
                missing_images=data.get("missing_images"), edited=data.get("edited"),
                warnings=data.get("warnings"), text=str(data.get("text") or ""),
                sort=str(data.get("sort") or "id"), descending=bool(data.get("descending")),
            )
        except (TypeError, ValueError):
            return cls()


def missing_clause() -> ColumnElement[bool]:
    """True when the IR file, or a visible counterpart that should exist, is missing."""
    return or_(Pair.ir_exists.is_(False),
               and_(Pair.visible_path.is_not(None), Pair.visible_exists.is_(False)))


def _has_warnings() -> ColumnElement[bool]:
    return and_(Sample.warnings.is_not(None), Sample.warnings != "")


def needs_pairs(flt: QueueFilter) -> bool:
    """Whether the filter (or its order) must join the pairs table (a source alone does not)."""
    return flt.missing_images is not None or flt.sort in ("source", "image")


FTS_TABLE = "turns_fts"  # SQLite only: migration 0003
_FTS_MIN = 3  # the trigram tokenizer finds substrings of three characters or more


def filtered_select(flt: QueueFilter, base: Select[Any], *, fts: bool = False) -> Select[Any]:
    """``base`` (selecting from samples) narrowed by the filter, joined to pairs if needed.

    The join is left out when nothing asks for it: on 300,000 Samples it is most of the cost
    of counting the queue after every review decision. A source filter alone is a subquery
    on the (source, id) index of pairs, so no join is needed for it either. With ``fts``
    (SQLite, migration 0003) the text search uses the FTS5 index instead of ``LIKE``.
    """
    joined = needs_pairs(flt)
    query = base.join(Pair, Pair.id == Sample.pair_id) if joined else base
    if flt.statuses:
        query = query.where(Sample.status.in_(flt.statuses))
    if flt.tasks:
        query = query.where(Sample.task.in_(flt.tasks))
    if flt.sources:
        query = query.where(Pair.source.in_(flt.sources) if joined else Sample.pair_id.in_(
            select(Pair.id).where(Pair.source.in_(flt.sources))))
    if flt.missing_images is not None:
        query = query.where(missing_clause() if flt.missing_images else not_(missing_clause()))
    if flt.edited is not None:
        query = query.where(Sample.edited.is_(flt.edited))
    if flt.warnings is not None:
        query = query.where(_has_warnings() if flt.warnings else not_(_has_warnings()))
    needle = flt.text.strip()
    if needle and fts and len(needle) >= _FTS_MIN:
        # one phrase: the trigram index matches it as a substring, ignoring case, as LIKE did
        phrase = '"' + needle.replace('"', '""') + '"'
        query = query.where(Sample.id.in_(text(
            f"SELECT t.sample_id FROM {FTS_TABLE} f JOIN turns t ON t.id = f.rowid"
            f" WHERE {FTS_TABLE} MATCH :fts_phrase").bindparams(fts_phrase=phrase)
            .columns(Turn.sample_id)))
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
    return columns[key]


def uses_fts(conn: Connection) -> bool:
    """Whether the store has the FTS5 search index (SQLite at migration 0003 or later)."""
    return conn.dialect.name == "sqlite"


def filtered_ids(conn: Connection, flt: QueueFilter) -> list[int]:
    """The Sample ids the filter selects, in its order (ties broken by id)."""
    column = _sort_column(flt.sort)
    fts = uses_fts(conn)
    query = filtered_select(flt, select(Sample.id), fts=fts)
    if flt.sort == "id":
        query = query.order_by(Sample.id.desc() if flt.descending else Sample.id)
    else:
        query = query.order_by(column.desc() if flt.descending else column.asc(), Sample.id)
    if conn.dialect.name != "sqlite":
        return list(conn.execute(query).scalars())
    # Hundreds of thousands of ids: SQLAlchemy's row processing would cost more than the
    # query; the DBAPI cursor hands them out as plain tuples.
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    positional = [params[name] for name in (compiled.positiontup or [])]
    cursor = conn.connection.driver_connection.execute(str(compiled), positional)  # type: ignore[union-attr]
    return [row[0] for row in cursor.fetchall()]


def status_label(status: str, reason: str | None, note: str | None) -> str:
    """How a status reads in the history: ``rejected (wrong count): note``."""
    text = status
    if reason:
        text += f" ({reason})"
    if note:
        text += f": {note}"
    return text
