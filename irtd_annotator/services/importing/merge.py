"""What a re-import does with the Samples already in the store (ADR 0014).

Each sample of a file is compared with its stored twin (same task and original id) on what
the file says: the turns' roles and LLM text, the image string and its form, and so the Pair.
An unchanged sample is not written at all. A changed one either had no human work on it
(pending, unedited, no note, no markers): it is replaced, as the file now says; or it had:
then everything a person did stays (status, reason, note, turn texts, geometry, markers),
the turns' ``original`` becomes the file's new text, and the sample is marked with the
``reimport-conflict`` warning for a reviewer to decide again. Every change an import makes
to an existing sample leaves a revision (what the file said before, what it says now).

Bulk work only, like ``write``: one query per table to read, executemany to write
(the SQL is ``store.imports``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.warnings import REIMPORT_CONFLICT, keep_codes
from irtd_annotator.services.importing.prepare import PreparedSample
from irtd_annotator.store import imports as store
from irtd_annotator.store.bulk import Truth
from irtd_annotator.store.revisions import now_iso

REIMPORT = "reimport"  # the action of a re-import's revisions
Turns = tuple[tuple[str, str], ...]  # (role, LLM text) of each turn, in order


class Stored(NamedTuple):
    """A Sample already in the store, as a re-import compares it with the file."""

    id: int
    pair_id: int
    signature: tuple[str, bool, Turns]  # image, image as a list, (role, original) per turn

    @property
    def image(self) -> str:
        return self.signature[0]

    @property
    def image_as_list(self) -> bool:
        return self.signature[1]

    @property
    def turns(self) -> Turns:
        return self.signature[2]


@dataclass
class Merge:
    """The samples of one file sorted by what a re-import does with them."""

    new: list[PreparedSample] = field(default_factory=list)
    unchanged: int = 0
    replaced: list[tuple[Stored, PreparedSample]] = field(default_factory=list)  # untouched
    conflicts: list[tuple[Stored, PreparedSample]] = field(default_factory=list)  # touched
    restated: list[tuple[Stored, PreparedSample]] = field(default_factory=list)  # image form
    warnings: dict[int, str | None] = field(default_factory=dict)  # of the conflicts


def sort_samples(conn: Connection, samples: list[PreparedSample],
                 stored: dict[tuple[str, str], Stored], pair_of: dict[str, int]) -> Merge:
    """Sort a file's ``samples`` against ``stored``; ``pair_of`` maps a rel_path to its Pair.
    Whether a changed sample holds human work is read for the changed ones only (few)."""
    merge = Merge()
    changed: list[tuple[Stored, PreparedSample]] = []
    for sample in samples:
        old = stored.get((sample.task, sample.original_id))
        if old is None:
            merge.new.append(sample)
        elif old.signature == sample.signature:
            merge.unchanged += 1
        elif old.turns == sample.turns and old.pair_id == pair_of[sample.rel_path]:
            # The same text about the same image, written another way (a string instead of a
            # one-element list, another mount prefix): no review is affected.
            merge.restated.append((old, sample))
        else:
            changed.append((old, sample))
    if changed:
        merge.warnings = _human_work(conn, [old.id for old, _s in changed])
        for pair in changed:
            (merge.conflicts if pair[0].id in merge.warnings else merge.replaced).append(pair)
    return merge


def stored_samples(conn: Connection, tasks: list[str]) -> dict[tuple[str, str], Stored]:
    """The Samples of ``tasks`` already in the store, keyed by (task, original id)."""
    if not tasks:
        return {}
    turns: dict[int, list[tuple[str, str]]] = {}
    for sample_id, role, original in store.stored_turn_rows(conn, tasks):
        turns.setdefault(sample_id, []).append((role, original))
    return {
        (task, oid): Stored(sid, pair_id, (image, bool(as_list), tuple(turns.get(sid, ()))))
        for sid, task, oid, pair_id, image, as_list in store.stored_sample_rows(conn, tasks)
    }


def _human_work(conn: Connection, ids: list[int]) -> dict[int, str | None]:
    """Those of ``ids`` a person worked on (edited, decided, a note or reason, markers),
    with their stored warnings."""
    return {sid: warnings
            for sid, edited, status, reason, note, warnings, marked in store.work_rows(conn, ids)
            if edited or status != "pending" or reason or note or marked}


def revision_rows(pairs: list[tuple[Stored, PreparedSample]], pair_of: dict[str, int], *,
                  who: str, at: str | None = None) -> list[tuple[Any, ...]]:
    """One revision (``store.imports.REVISION_COLUMNS``) per turn whose LLM text changed and
    one for a changed image string: what the file said before and what it says now."""
    at = at or now_iso()
    rows: list[tuple[Any, ...]] = []
    for old, new in pairs:
        head = (old.id, pair_of[new.rel_path], at, who, REIMPORT)
        for idx in range(max(len(old.turns), len(new.turns))):
            before = old.turns[idx] if idx < len(old.turns) else None
            after = new.turns[idx] if idx < len(new.turns) else None
            if before != after:
                rows.append(head + (f"turn {idx}", _turn_text(before), _turn_text(after)))
        if (old.image, old.image_as_list) != (new.image, new.image_as_list):
            rows.append(head + ("image", _image_text(old.image, old.image_as_list),
                                _image_text(new.image, new.image_as_list)))
    return rows


def _turn_text(turn: tuple[str, str] | None) -> str | None:
    if turn is None:
        return None
    role, text = turn
    # a role is only worth saying when it is not the usual one (human asks, gpt answers)
    return text if role in ("human", "gpt") else f"[{role}] {text}"


def _image_text(image: str, as_list: bool) -> str:
    return f"[{image}]" if as_list else image


def write_restated(conn: Connection, pairs: list[tuple[Stored, PreparedSample]],
                   truth: Truth) -> None:
    """Take the file's image string and form for samples whose text did not change."""
    store.set_images(conn, [(old.id, new.image, truth[new.image_as_list]) for old, new in pairs])


def write_conflicts(conn: Connection, merge: Merge, pair_of: dict[str, int],
                    truth: Truth, *, file: str) -> None:
    """Keep the human work of touched samples whose file text changed: the file's text
    becomes the turns' ``original`` (text, status, geometry and markers stay), the image is
    the file's, and the sample gets the reimport-conflict warning."""
    pairs = merge.conflicts
    if not pairs:
        return
    texts = store.turn_texts(conn, [old.id for old, _new in pairs])
    originals: list[tuple[int, int, str, str]] = []
    added: list[tuple[Any, ...]] = []
    dropped: list[tuple[int, int]] = []
    samples: list[store.ConflictRow] = []
    moved: list[tuple[int, int]] = []
    for old, new in pairs:
        kept = texts.get(old.id, {})
        for idx, (role, text) in enumerate(new.turns):
            if idx not in kept:  # a turn the file added: nobody has reviewed it yet
                added.append((old.id, idx, role, text, text))
            elif idx >= len(old.turns) or old.turns[idx] != (role, text):
                originals.append((old.id, idx, role, text))
        # A turn the file no longer has goes, its text kept in the revision log; but never
        # a turn a reviewer edited: the whole import is refused rather than lose that text.
        for idx in sorted(kept):
            if len(new.turns) <= idx < len(old.turns) and kept[idx] != old.turns[idx][1]:
                raise BadInputError(
                    f"the file no longer has turn {idx} of this {new.task} sample, whose text "
                    "a reviewer edited; nothing was imported (put the turn back in the file, "
                    "or revert the edit in the window first)",
                    file=file, sample_id=new.original_id, line=new.line)
        dropped.extend((old.id, idx) for idx in kept if idx >= len(new.turns))
        edited = any(kept[idx] != text for idx, (_role, text) in enumerate(new.turns)
                     if idx in kept)
        pair_id = pair_of[new.rel_path]
        samples.append((old.id, new.image, truth[new.image_as_list], pair_id, truth[edited],
                        keep_codes(merge.warnings[old.id], REIMPORT_CONFLICT)))
        if pair_id != old.pair_id:  # a sample's shapes and markers are on its Pair
            moved.append((old.id, pair_id))
    store.set_turn_originals(conn, originals)
    store.delete_turns_at(conn, dropped)
    store.insert_turns(conn, added)
    store.keep_conflicts(conn, samples)
    store.move_sample_shapes(conn, moved)
