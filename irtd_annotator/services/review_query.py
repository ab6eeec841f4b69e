"""The queue's filter and its translation into one SQL query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, not_, or_, select

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
    """Whether the filter (or its order) looks at the pairs table at all."""
    return bool(flt.sources) or flt.missing_images is not None or flt.sort in ("source", "image")


def filtered_select(flt: QueueFilter, base: Select[Any]) -> Select[Any]:
    """``base`` (selecting from samples) narrowed by the filter, joined to pairs if needed.

    The join is left out when nothing asks for it: on 300,000 Samples it is most of the cost
    of counting the queue after every review decision.
    """
    query = base.join(Pair, Pair.id == Sample.pair_id) if needs_pairs(flt) else base
    if flt.statuses:
        query = query.where(Sample.status.in_(flt.statuses))
    if flt.tasks:
        query = query.where(Sample.task.in_(flt.tasks))
    if flt.sources:
        query = query.where(Pair.source.in_(flt.sources))
    if flt.missing_images is not None:
        query = query.where(missing_clause() if flt.missing_images else not_(missing_clause()))
    if flt.edited is not None:
        query = query.where(Sample.edited.is_(flt.edited))
    if flt.warnings is not None:
        query = query.where(_has_warnings() if flt.warnings else not_(_has_warnings()))
    needle = flt.text.strip()
    if needle:
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


def filtered_ids(conn: Connection, flt: QueueFilter) -> list[int]:
    """The Sample ids the filter selects, in its order (ties broken by id)."""
    column = _sort_column(flt.sort)
    query = filtered_select(flt, select(Sample.id))
    if flt.sort == "id":
        query = query.order_by(Sample.id.desc() if flt.descending else Sample.id)
    else:
        query = query.order_by(column.desc() if flt.descending else column.asc(), Sample.id)
    return list(conn.execute(query).scalars())


def status_label(status: str, reason: str | None, note: str | None) -> str:
    """How a status reads in the history: ``rejected (wrong count): note``."""
    text = status
    if reason:
        text += f" ({reason})"
    if note:
        text += f": {note}"
    return text
