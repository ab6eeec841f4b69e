"""The queue's Held by column kept current: who holds the Samples on screen, read in one small
query when the rows shown change and every few seconds (other reviewers come and go)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QTableView

from irtd_annotator.domain.errors import UserError
from irtd_annotator.ui.queue.model import QueueModel

REFRESH_MS = 10_000  # other reviewers' leases show within this long
SETTLE_MS = 150      # after a scroll or a re-query: read once the rows shown settle


class HolderLike(Protocol):
    @property
    def who(self) -> str: ...


HoldersSource = Callable[[Sequence[int]], Mapping[int, HolderLike]]


class HoldersFeed(QObject):
    """Reads who holds the rows on screen into the model's Held by column.

    Without a source (a project on one's own, or none open) it reads nothing.
    """

    def __init__(self, table: QTableView, model: QueueModel) -> None:
        super().__init__(table)
        self._table = table
        self._model = model
        self._source: HoldersSource | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(REFRESH_MS)
        self._tick.timeout.connect(self.refresh)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.refresh)
        table.verticalScrollBar().valueChanged.connect(self.soon)
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted):
            signal.connect(self.soon)

    def set_source(self, source: HoldersSource | None) -> None:
        """Where holders are read (``TeamWork.holders``), or None to stop reading."""
        self._source = source
        if source is None:
            self._tick.stop()
            self._settle.stop()
        else:
            self._tick.start()
            self.refresh()

    def soon(self, *_args: Any) -> None:
        """Read again once the rows shown settle (a scroll, a re-query)."""
        if self._source is not None:
            self._settle.start()

    def visible_ids(self) -> list[int]:
        """The Sample ids of the rows on screen."""
        count = self._model.rowCount()
        if count == 0:
            return []
        first = max(self._table.rowAt(0), 0)
        last = self._table.rowAt(self._table.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        return [sid for row in range(first, last + 1)
                if (sid := self._model.id_at(row)) is not None]

    def refresh(self) -> None:
        """Read who holds the rows on screen now."""
        self._settle.stop()
        if self._source is None:
            return
        ids = self.visible_ids()
        if not ids:
            return
        try:
            held = self._source(ids)
        except UserError:  # a passing lock or network hiccup: the next tick reads again
            return
        self._model.set_holders(ids, {sid: holder.who for sid, holder in held.items()})
