"""The one change pipeline's service half: an ``Operation`` writes, a ``Changes`` says what.

Every mutation a person makes (a review decision, typed text, a geometry gesture, an answer
chosen, markers, alignment, an import) is one operation: it writes in ONE transaction with its
revision entries and returns one ``Changes`` value saying what it touched, which the widgets
refresh from (Anki's ``CollectionOp`` returning ``OpChanges``). A change that wrote something
also carries ``undo``: the operation that puts it back, built from the values read in the
same transaction. Running that operation returns a ``Changes`` whose ``undo`` redoes, so undo
is the same kind of operation in reverse, saved and logged like any change (ADR 0018).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError

from irtd_annotator.domain.errors import StoreError

# the store's wording of locked / read-only / not-a-database, shared with opening a project
from irtd_annotator.store.engine import describe_db_error

# an undo or a redo marks the revisions it writes, and the history reads the mark back
from irtd_annotator.store.revisions import replaying, split_step

__all__ = ["Changes", "Operation", "replaying", "split_step", "store_errors"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Operation:
    """One mutation, ready to run: ``write()`` saves it in one transaction.

    ``label`` names it in the Edit menu's undo/redo; ``sample_id`` is the Sample it concerns
    (shown again after an undo), None for a change of no one Sample (an import).
    """

    label: str
    sample_id: int | None
    write: Callable[[], Changes]


@dataclass(frozen=True)
class Changes:
    """What one operation touched; widgets refresh from it. Empty (false) when nothing changed.

    ``sample_ids`` the Samples whose rows or content changed; ``status`` a review status (the
    counts follow); ``text`` a Turn's text; ``geometry`` shapes, markers or alignment;
    ``queue`` Samples were added or removed (an import): the queue reads its ids again.
    ``undo`` is the operation that puts the change back (None when it wrote nothing, or for
    an import, which is not undone); it plays no part in comparing two Changes.
    """

    sample_ids: frozenset[int] = frozenset()
    status: bool = False
    text: bool = False
    geometry: bool = False
    queue: bool = False
    undo: Operation | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.sample_ids, frozenset):
            raise ValueError(f"sample_ids must be a frozenset, got {type(self.sample_ids).__name__}")

    def __bool__(self) -> bool:
        return bool(self.sample_ids) or self.queue


class _HasProject(Protocol):
    @property
    def project(self) -> Any: ...


def store_errors(method: Callable[..., _T]) -> Callable[..., _T]:
    """Turn a database failure (locked, read-only, disk full) into a StoreError to show.

    For methods of a service holding ``project``: the message names its location.
    """

    @functools.wraps(method)
    def wrapper(self: _HasProject, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except DBAPIError as exc:
            raise StoreError(describe_db_error(self.project.location, exc)) from exc

    return wrapper
