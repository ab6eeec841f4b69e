"""Image folders of an existing project: per-source image roots and pairing rules set after
the import, and every Pair of the sources concerned looked for again (issue 13).

Project > Image folders, the "Locate..." button on a missing image and ``irtd-annotator
folders`` all end here. The roots and rules are the import's own settings (``image_roots``,
``pair_rules``), so a later import or re-import uses what was set here, and this uses what an
import stored.

How it writes: the Pairs are read and their files looked for in batches, outside any write
transaction, with progress and cancel between batches; then the new paths and the settings are
written in ONE transaction (holding the import lock, so no import runs meanwhile). Looking
for 40,200 images on a slow or network disk is the long part, and a reviewer's save must not
wait behind a write lock held all that time; the write itself is one executemany (well under
a second for all of IR-TD). And one transaction keeps the project whole: cancelled or failed,
nothing changed, and the stored roots always agree with the paths of the Pairs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from irtd_annotator.domain.errors import StoreError, UserError
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.imaging.probe import image_size
from irtd_annotator.importers.paths import ALL_SOURCES, ImagePathError, PathMapping
from irtd_annotator.services.importing.lock import import_transaction
from irtd_annotator.services.importing.pairs import FileLook
from irtd_annotator.services.project import Project
from irtd_annotator.store.engine import describe_db_error
from irtd_annotator.store.pair_paths import (
    SourceCounts,
    ir_paths,
    pair_count,
    pair_paths,
    set_pair_paths,
    source_counts,
)
from irtd_annotator.store.revisions import add_revision
from irtd_annotator.store.settings import get_setting, set_setting

ROOTS_KEY, RULES_KEY, PREFIX_KEY = "image_roots", "pair_rules", "strip_prefix"
BATCH = 2000  # Pairs read and looked for between two progress reports (and cancel checks)
GUESS_SAMPLE = 25  # Pairs of a source tried against each folder "Locate..." could mean

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


class FoldersCancelled(UserError):
    """The person cancelled: nothing was changed."""


@dataclass(frozen=True)
class SourceImages:
    """One source: its image folder (None: where the imported file named the images) and
    how many of its images are found and still missing."""

    source: str
    root: str | None
    pairs: int
    ir_found: int
    visible_wanted: int
    visible_found: int

    @property
    def found(self) -> int:
        """Images found: infrared and visible."""
        return self.ir_found + self.visible_found

    @property
    def missing(self) -> int:
        """Images still missing: infrared, and visible counterparts that should exist."""
        return self.pairs - self.ir_found + self.visible_wanted - self.visible_found

    def line(self) -> str:
        """``63-FLIR_ADAS: 12 of 40 images found, 28 missing (folder)``."""
        where = self.root or "where the imported files name them"
        return (f"{self.source}: {self.found:,} of {self.found + self.missing:,} images found, "
                f"{self.missing:,} missing ({where})")


@dataclass(frozen=True)
class ImageFolders:
    """The project's image folders: per source, the root for all sources, the rules."""

    sources: tuple[SourceImages, ...]
    all_root: str | None
    pair_rules: tuple[str, ...]


@dataclass
class FoldersReport:
    """What applying image folders did: per source looked at, found and missing."""

    sources: tuple[SourceImages, ...] = ()
    looked: int = 0     # Pairs looked for
    changed: int = 0    # Pairs whose paths or found state changed
    roots: dict[str, str] = field(default_factory=dict)
    skipped: int = 0    # Pairs an import moved while their files were looked for

    def summary(self) -> str:
        """A few lines for the CLI and the window."""
        head = f"looked for the images of {self.looked:,} pairs; {self.changed:,} changed"
        if self.skipped:
            head += (f"; {self.skipped:,} left as an import running meanwhile set them "
                     "(apply again to look for them too)")
        return "\n".join([head, *(s.line() for s in self.sources)])


@contextmanager
def _store_errors(project: Project) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        raise StoreError(describe_db_error(project.location, exc)) from exc


def image_folders(project: Project) -> ImageFolders:
    """Each source's folder and images found/missing, the root for all, the pairing rules."""
    with _store_errors(project), project.engine.connect() as conn:
        roots: dict[str, str] = get_setting(conn, ROOTS_KEY) or {}
        rules = tuple(get_setting(conn, RULES_KEY) or ())
        counts = source_counts(conn)
    return ImageFolders(tuple(_images(c, roots) for c in counts), roots.get(ALL_SOURCES), rules)


def _images(counts: SourceCounts, roots: Mapping[str, str]) -> SourceImages:
    return SourceImages(counts.source, root_of(counts.source, roots), counts.pairs,
                        counts.ir_found, counts.visible_wanted, counts.visible_found)


def root_of(source: str, roots: Mapping[str, str]) -> str | None:
    """The folder a source's images are looked for in (its own, or the one for all)."""
    own = PathMapping(image_roots=dict(roots)).source_root(source)
    if own is not None:
        return own
    root = roots.get(ALL_SOURCES)
    return None if root is None else str(Path(root) / source)


def checked_folder(folder: str | Path) -> str:
    """``folder`` made absolute, as the import stores roots; UserError if it is no folder."""
    text = str(folder).strip()
    if not text:
        raise UserError("the image folder is empty: give a folder")
    path = Path(text).expanduser().resolve()
    if not path.is_dir():
        raise UserError(f"image folder {path} does not exist (or is not a folder)")
    return str(path)


def apply_image_folders(project: Project, *, roots: Mapping[str, str] | None = None,
                        pair_rules: Sequence[str] | None = None,
                        sources: Collection[str] | None = None, who: str = "folders",
                        progress: Progress | None = None,
                        cancel: Cancel | None = None) -> FoldersReport:
    """Set image ``roots`` (source -> folder, ``*`` for all; merged over the stored ones) and,
    when given, the ``pair_rules`` (replacing the stored ones), then look for the images of
    every Pair of ``sources`` (all when None) again and store what was found.

    Raises UserError for a folder that does not exist or a bad rule, FoldersCancelled when
    ``cancel()`` turns true (nothing is changed then), StoreError when the store fails.
    ``progress(done, total, what)`` and ``cancel()`` are called from the calling thread.
    """
    given = {source: checked_folder(root) for source, root in (roots or {}).items()}
    with _store_errors(project):
        with project.engine.connect() as conn:
            stored_roots: dict[str, str] = get_setting(conn, ROOTS_KEY) or {}
            stored_rules: list[str] = get_setting(conn, RULES_KEY) or []
            strip = get_setting(conn, PREFIX_KEY)
        merged = {**stored_roots, **given}
        rules = list(stored_rules if pair_rules is None else pair_rules)
        mapping = PathMapping.build(strip_prefix=strip, image_roots=merged, pair_rules=rules)
        scope = None if sources is None else sorted(set(sources))
        updates, seen, looked, total = _look_again(project, mapping, scope, progress, cancel)
        if cancel is not None and cancel():
            raise FoldersCancelled("image folders not applied: cancelled, nothing was changed")
        if progress is not None:
            progress(total, total, "saving the paths found")
        with import_transaction(project, cancelled=cancel) as conn:
            if merged != stored_roots:
                set_setting(conn, ROOTS_KEY, merged)
            if rules != stored_rules:
                set_setting(conn, RULES_KEY, rules)
            # an import that ran while the files were looked for wins for its Pairs
            now = ir_paths(conn, [row["id"] for row in updates])
            rows = [row for row in updates if row["id"] in now and now[row["id"]] == seen[row["id"]]]
            set_pair_paths(conn, rows)
            add_revision(conn, who=who, action="image-folders", target=", ".join(scope or ["all"]),
                         new=json.dumps({"roots": given, "pair_rules": rules,
                                         "pairs_changed": len(rows)}, sort_keys=True))
            counts = source_counts(conn, scope)
    return FoldersReport(tuple(_images(c, merged) for c in counts), looked, len(rows), given,
                         skipped=len(updates) - len(rows))


def _look_again(project: Project, mapping: PathMapping, scope: list[str] | None,
                progress: Progress | None,
                cancel: Cancel | None
                ) -> tuple[list[dict[str, Any]], dict[int, str | None], int, int]:
    """The new state of every Pair of ``scope`` that changed, the infrared path each of them
    had when read, how many Pairs were looked at, and the total ``progress`` was given.

    The total is the count when the look began, kept to the end (a stable total is what makes
    the time left mean something): Pairs an import adds meanwhile are looked for as well, and
    the count shown stops at the total."""
    look = FileLook()
    updates: list[dict[str, Any]] = []
    seen: dict[int, str | None] = {}
    with project.engine.connect() as conn:
        total = pair_count(conn, scope)
    done, after = 0, 0
    while True:
        if cancel is not None and cancel():
            raise FoldersCancelled("image folders not applied: cancelled, nothing was changed")
        if progress is not None:
            progress(min(done, total), total, "looking for images")
        with project.engine.connect() as conn:  # a short read: no lock held while looking
            batch = pair_paths(conn, after=after, limit=BATCH, sources=scope)
        if not batch:
            return updates, seen, done, total
        for pair in batch:
            row = _located(pair, mapping, look)
            if row is not None:
                updates.append(row)
                seen[pair.id] = pair.ir_path
        done += len(batch)
        after = batch[-1].id


def _located(pair: PairInfo, mapping: PathMapping, look: FileLook) -> dict[str, Any] | None:
    """The Pair's new paths and state as a row to write, or None when nothing changed."""
    ir, visible, aligned = pair.ir_path, pair.visible_path, pair.aligned
    prefix = _prefix(pair)
    if prefix is not None or mapping.has_root(pair.source):
        try:
            loc = mapping.locate_rel(pair.rel_path, prefix=prefix or "")
        except ImagePathError:
            loc = None  # a rule maps it outside its root: keep the paths it has
        if loc is not None:
            ir, visible, aligned = loc.ir_path, loc.visible_path, loc.aligned
    ir_exists = ir is not None and look.is_file(ir)
    if not ir_exists and pair.ir_path is not None and pair.ir_path != ir \
            and look.is_file(pair.ir_path):
        # never trade a found image for a path where nothing is (as an import does)
        ir, visible, aligned, ir_exists = pair.ir_path, pair.visible_path, pair.aligned, True
    visible_exists = visible is not None and look.is_file(visible)
    width, height = pair.width, pair.height
    if ir_exists and (ir != pair.ir_path or not pair.ir_exists or width is None):
        size = image_size(ir) if ir is not None else None
        if size is not None:
            width, height = size
    new = (ir, visible, ir_exists, visible_exists, width, height, aligned)
    if new == (pair.ir_path, pair.visible_path, pair.ir_exists, pair.visible_exists,
               pair.width, pair.height, pair.aligned):
        return None
    return {"id": pair.id, "ir_path": ir, "visible_path": visible, "ir_exists": ir_exists,
            "visible_exists": visible_exists, "width": width, "height": height,
            "aligned": aligned}


def _prefix(pair: PairInfo) -> str | None:
    """The folder the import joined the rel_path to when no root applied (the prefix the
    file named), read back from the stored path; None when the path is not so made."""
    ir, rel = pair.ir_path or "", pair.rel_path
    if ir.endswith("/" + rel) and os.path.isabs(ir):
        return ir[:len(ir) - len(rel)]
    return None


def guess_root(project: Project, source: str, folder: str | Path) -> str:
    """The root of ``source`` that ``folder`` (picked by "Locate...") means: the folder
    itself, the folder holding the source's folder, or the source's folder above a subfolder
    picked (``LLVIP/infrared`` -> ``LLVIP``); whichever finds most of a few of its images.
    UserError if the folder does not exist."""
    picked = Path(checked_folder(folder))
    with _store_errors(project), project.engine.connect() as conn:
        rels = [p.rel_path for p in pair_paths(conn, after=0, limit=GUESS_SAMPLE,
                                               sources=[source])]
    candidates = [picked, picked / source]
    for rel in rels[:1]:
        parts = rel.split("/")[1:-1]  # the folders inside the source
        for depth in range(1, len(parts) + 1):
            if picked.parts[-depth:] == tuple(parts[:depth]):
                candidates.append(picked.parents[depth - 1])
    mappings = [PathMapping(image_roots={source: str(c)}) for c in candidates]
    found = [sum(os.path.isfile(m.resolve(rel, source)) for rel in rels) for m in mappings]
    best = max(range(len(candidates)), key=lambda n: (found[n], -n))
    if rels and not found[best]:
        raise UserError(f"no {source} image is in {picked} (looked for "
                        f"{mappings[0].resolve(rels[0], source)}, and in {source}/ there); "
                        "nothing was changed")
    return str(candidates[best])
