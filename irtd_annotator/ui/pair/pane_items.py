"""The editable shape items of the pair view's panes, kept by (layer, index).

One Box or Point of the Sample (or of its Pair, or a marker) is drawn as one item in each pane
that shows geometry; the two are twins, found by the same key. The geometry editor builds them
here, mirrors a drag from one twin to the other, and reads the edited shapes back from them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsItem

from irtd_annotator.domain.model import Box, Point
from irtd_annotator.ui.pair.alignment_tool import PaneMapping
from irtd_annotator.ui.pair.edit_items import (
    EditableBoxItem,
    EditablePointItem,
    ItemOwner,
    Key,
    MarkerItem,
)
from irtd_annotator.ui.pair.image_pane import ImagePane

Items = dict[Key, QGraphicsItem]


class PaneItems:
    """The items of each pane by key, and how each pane maps infrared pixels to its scene."""

    def __init__(self) -> None:
        self._items: dict[ImagePane, Items] = {}
        self._mappings: dict[ImagePane, PaneMapping] = {}

    def clear(self) -> None:
        """Forget every item and mapping (before the panes are given new ones)."""
        self._items.clear()
        self._mappings.clear()

    def make(self, pane: ImagePane, transform: QTransform, *, owner: ItemOwner,
             shapes: tuple[Sequence[Box], Sequence[Point]], source_boxes: Sequence[Box],
             markers: Sequence[Point], size: tuple[int, int] | None,
             boxes_editable: bool, points_editable: bool) -> list[QGraphicsItem]:
        """Create (and keep) the items of ``pane``, drawn through ``transform`` (infrared
        pixels -> the pane's scene); ``markers`` only for a counting Sample."""
        width, height = size if size else (None, None)
        mapping = PaneMapping(transform)
        self._mappings[pane] = mapping
        point_map = None if transform.isIdentity() else mapping
        boxes, points = shapes
        made: Items = {}
        for i, box in enumerate(boxes):
            made[("sample", i)] = EditableBoxItem(box, width=width, height=height, layer="sample",
                                                  index=i, owner=owner, editable=boxes_editable)
        for i, point in enumerate(points):
            item = EditablePointItem(point, width=width, height=height, index=i, owner=owner,
                                     mapping=point_map)
            if not points_editable:
                item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            made[("point", i)] = item
        for i, box in enumerate(source_boxes):
            made[("source", i)] = EditableBoxItem(box, width=width, height=height, layer="source",
                                                  index=i, owner=owner)
        for i, marker in enumerate(markers):
            made[("marker", i)] = MarkerItem(marker, i + 1, index=i, mapping=point_map)
        if not transform.isIdentity():
            for each in made.values():
                if isinstance(each, EditableBoxItem):
                    each.setTransform(transform)
        self._items[pane] = made
        return list(made.values())

    def of_pane(self, pane: ImagePane) -> Items:
        """A copy of the items of ``pane``."""
        return dict(self._items.get(pane, {}))

    def holds(self, key: Key) -> bool:
        """Whether any pane has an item ``key``."""
        return any(key in items for items in self._items.values())

    def first(self, key: Key, *, prefer: ImagePane) -> QGraphicsItem | None:
        """The item ``key`` of the pane ``prefer``, else of the first pane built."""
        items = self._items.get(prefer) or next(iter(self._items.values()), {})
        return items.get(key)

    def siblings_of(self, item: QGraphicsItem) -> Items:
        """All the items of the pane ``item`` is in."""
        return next((items for items in self._items.values() if item in items.values()), {})

    def mirror(self, item: QGraphicsItem, key: Key) -> None:
        """Give ``item``'s twins in the other panes its rectangle or position."""
        for items in self._items.values():
            twin = items.get(key)
            if twin is None or twin is item:
                continue
            if isinstance(item, EditableBoxItem) and isinstance(twin, EditableBoxItem):
                twin.set_rect(item.rect())
            elif isinstance(item, EditablePointItem) and isinstance(twin, EditablePointItem):
                twin.set_image_pos(item.image_pos())

    def show_selected(self, key: Key | None) -> None:
        """Draw the items ``key`` as selected in every pane, the others not."""
        for items in self._items.values():
            for each, item in items.items():
                if isinstance(item, (EditableBoxItem, EditablePointItem)):
                    item.set_selected(each == key)

    def shape(self, key: Key) -> Box | Point | None:
        """The shape the item ``key`` shows now (moved or resized, not yet saved)."""
        for items in self._items.values():
            item = items.get(key)
            if isinstance(item, EditableBoxItem):
                return item.box()
            if isinstance(item, EditablePointItem):
                return item.point()
            if isinstance(item, MarkerItem):
                return item.shape_data
        return None

    def nudge(self, key: Key, dx: float, dy: float) -> bool:
        """Move the items ``key`` by (dx, dy) pixels; False if none may move."""
        moved = False
        for items in self._items.values():
            item = items.get(key)
            if isinstance(item, EditableBoxItem) and item.editable:
                item.set_rect(item.rect().translated(dx, dy))
            elif isinstance(item, EditablePointItem) and item.acceptedMouseButtons():
                item.set_image_pos(item.image_pos() + QPointF(dx, dy))
            else:
                continue
            moved = True
        return moved

    def point_at(self, at: QPointF, *, within: float) -> Key | None:
        """The Sample's point nearest ``at`` (infrared pixels), if closer than ``within``."""
        near = [(QLineF(item.image_pos(), at).length(), key)
                for items in self._items.values() for key, item in items.items()
                if isinstance(item, EditablePointItem) and key[0] == "point"]
        best = min(near, default=None)
        return best[1] if best is not None and best[0] <= within else None

    def to_image(self, pane: ImagePane, scene: QPointF) -> QPointF:
        """A scene position of ``pane`` in infrared pixels."""
        mapping = self._mappings.get(pane)
        return mapping.from_scene(scene) if mapping is not None else scene

    def transform(self, pane: ImagePane) -> QTransform:
        """Infrared pixels -> the pane's scene (identity but on a hand-aligned visible view)."""
        mapping = self._mappings.get(pane)
        return mapping.transform if mapping is not None else QTransform()


def sample_shapes(items: Items, boxes: Sequence[Box],
                  points: Sequence[Point]) -> tuple[tuple[Box, ...], tuple[Point, ...]]:
    """The Sample's boxes and points as the items of one pane show them now."""
    new_boxes = tuple(i.box() if isinstance(i := items.get(("sample", n)), EditableBoxItem)
                      else b for n, b in enumerate(boxes))
    new_points = tuple(i.point() if isinstance(i := items.get(("point", n)), EditablePointItem)
                       else p for n, p in enumerate(points))
    return new_boxes, new_points


def source_shapes(items: Items, source_boxes: Sequence[Box]) -> tuple[Box, ...]:
    """The Pair's source boxes as the items of one pane show them now."""
    return tuple(i.box() if isinstance(i := items.get(("source", n)), EditableBoxItem) else b
                 for n, b in enumerate(source_boxes))
