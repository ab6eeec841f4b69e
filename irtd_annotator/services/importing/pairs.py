"""The Pairs of an import: the project's Pairs read once, new ones inserted, moved ones
refreshed, and each new Pair's image looked for (and its size read) once."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from sqlalchemy import Connection

from irtd_annotator.imaging.probe import Probe, image_size, probe_file
from irtd_annotator.importers.paths import ImageLocation
from irtd_annotator.store import imports as store
from irtd_annotator.store.bulk import Truth
from irtd_annotator.store.imports import PAIR_COLUMNS


class PairState(NamedTuple):
    """What the import needs to know of a Pair: its id, image size and image state."""

    id: int
    width: int | None
    height: int | None
    ir_exists: bool
    has_visible: bool
    visible_exists: bool


class _StoredPair(NamedTuple):
    id: int
    ir_path: str | None
    visible_path: str | None
    aligned: bool
    ir_exists: bool
    visible_exists: bool
    width: int | None
    height: int | None

    @property
    def state(self) -> PairState:
        return PairState(self.id, self.width, self.height, self.ir_exists,
                         self.visible_path is not None, self.visible_exists)


class FileLook:
    """Looks for image files, each missing folder once (not once per image in it)."""

    def __init__(self) -> None:
        self._folders: dict[str, bool] = {}

    def is_file(self, path: str) -> bool:
        """Whether ``path`` is a file; a missing folder is looked for once, not once per
        image (the usual case: annotations imported before, or without, the images)."""
        return self._folder_exists(path) and os.path.isfile(path)

    def probe(self, path: str) -> Probe:
        """Whether ``path`` is a file and, if it is an image, its size (one open and read)."""
        return probe_file(path) if self._folder_exists(path) else (False, None)

    def _folder_exists(self, path: str) -> bool:
        folder = os.path.dirname(path)
        present = self._folders.get(folder)
        if present is None:
            present = self._folders[folder] = os.path.isdir(folder)
        return present


class PairIndex(FileLook):
    """The project's Pairs by rel_path: read once per import (inside its transaction), kept
    current across its files. Pairs the import inserts get ids from ``first_new`` on."""

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self.pairs: dict[str, _StoredPair] = {
            rel: _StoredPair(pid, ir, vis, bool(al), bool(ire), bool(vie), w, h)
            for rel, pid, ir, vis, al, ire, vie, w, h in store.pair_rows(conn)}
        self.first_new = 1 + max((p.id for p in self.pairs.values()), default=0)
        # rel_paths whose files were looked for in this import (what was found is in
        # ``pairs``: a set, not a second map, at a million images)
        self.checked: set[str] = set()


def resolve_pairs(conn: Connection, locations: dict[str, ImageLocation], index: PairIndex,
                  truth: Truth) -> tuple[dict[str, PairState], int, int]:
    """The Pair of every location: existing ones reused (refreshed when their image was
    found elsewhere now), new ones inserted; image sizes read once per new or moved Pair.
    Also says how many Pairs were added and updated."""
    states: dict[str, PairState] = {}
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    isfile, probe, checked = index.is_file, index.probe, index.checked
    for rel, loc in locations.items():
        if rel in checked:
            states[rel] = index.pairs[rel].state
            continue
        old = index.pairs.get(rel)
        if old is None:  # a new Pair: its image is read for its size anyway
            ir_exists, size = probe(loc.ir_path)
        else:
            ir_exists, size = isfile(loc.ir_path), None
        visible_exists = loc.visible_path is not None and isfile(loc.visible_path)
        if old is not None:
            same = (old.ir_path, old.visible_path, old.aligned, old.ir_exists,
                    old.visible_exists) == (loc.ir_path, loc.visible_path, loc.aligned,
                                            ir_exists, visible_exists)
            # Never trade a found image for a path where nothing is (another import's roots).
            if same or (old.ir_exists and not ir_exists):
                states[rel] = old.state
                continue
            size = image_size(loc.ir_path) if ir_exists else None
        width, height = size if size else (None, None)
        row = (rel, loc.source, loc.ir_path, loc.visible_path, truth[ir_exists],
               truth[visible_exists], width, height, truth[loc.aligned])
        if old is None:
            inserts.append(row)
        else:
            updates.append({**dict(zip(PAIR_COLUMNS, row)), "id": old.id})
            index.pairs[rel] = old._replace(ir_path=loc.ir_path, visible_path=loc.visible_path,
                                            aligned=loc.aligned, ir_exists=ir_exists,
                                            visible_exists=visible_exists, width=width,
                                            height=height)
            states[rel] = index.pairs[rel].state
    if inserts:
        ids = store.insert_pairs(conn, inserts)
        for pair_id, (rel, _source, _ir, visible, ir_exists, visible_exists, width, height,
                      aligned) in zip(ids, inserts):
            # A Pair this import made is met again only through ``checked``: its paths are
            # never compared, so they are not kept ("" says it has a visible image). At a
            # million images that is about 300 MB.
            index.pairs[rel] = _StoredPair(pair_id, None, None if visible is None else "",
                                           bool(aligned), bool(ir_exists),
                                           bool(visible_exists), width, height)
            states[rel] = index.pairs[rel].state
    if updates:
        store.update_pairs(conn, updates)
    checked.update(states)
    return states, len(inserts), len(updates)
