"""Finding Samples by what a reviewer reads elsewhere: their id, IR-TD's original id, the file
name of their image. Go to's lookups, and the ids the queue's search adds to its text hits.

Each lookup is a few entries of an index (migration 0008): the original id's, and the lowered
file name of each Pair (the last part of ``rel_path``, ASCII letters lowered, an index on
an expression, which a
query must spell exactly as the index does for the planner to use it). A file name is matched
as a range of that index, the name and its stem (``FLIR_03641`` finds ``flir_03641.jpeg``),
compared byte by byte (SQLite's BINARY, PostgreSQL's "C" collation), so that the two stores
find the same Samples.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from irtd_annotator.store.schema import Sample

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWERED = f"'{_UPPER}', '{_UPPER.lower()}'"
_TO_LOWER = str.maketrans(_UPPER, _UPPER.lower())
# ASCII letters lowered, and no other: SQLite's lower() does no more, so PostgreSQL's must not
# either (it would lower "Ä"), or the two stores would find different Samples.
_ASCII_LOWER = {"sqlite": "lower({})", "postgresql": "translate({}, " + _LOWERED + ")"}
# The lowered file name of a Pair, as migration 0008 indexes it (per dialect; another
# database gets SQLite's spelling, without an index).
_FILE_NAME = {
    "sqlite": "lower(substr(rel_path, length(rtrim(rel_path, replace(rel_path, '/', ''))) + 1))",
    "postgresql": f"(translate(regexp_replace(rel_path, '^.*/', ''), {_LOWERED}) COLLATE \"C\")",
}
_IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "tif", "tiff", "bmp")
_ID_LIMIT = 2**31 - 1  # samples.id is an INTEGER: a longer number names no Sample
# Pairs whose file name lies in [:fn_lo, :fn_hi), not below :fn_min (a stem's "name." range
# would also hold "name-copy"), and whose path ends in the folders typed (pattern, if any).
_PAIRS_NAMED = ("SELECT id FROM pairs WHERE {name} >= :fn_lo AND {name} < :fn_hi"
                " AND ({name} = :fn_lo OR {name} >= :fn_min)"
                " AND ('/' || {path}) LIKE :fn_path ESCAPE '\\'")


@dataclass(frozen=True)
class NameMatch:
    """The bound values of a file-name lookup (see ``name_match``)."""

    lo: str
    hi: str
    least: str  # below it, only ``lo`` itself matches
    path: str   # LIKE pattern for "/" + the lowered rel_path

    def params(self) -> dict[str, str]:
        """The values by the names ``_PAIRS_NAMED`` binds them."""
        return {"fn_lo": self.lo, "fn_hi": self.hi, "fn_min": self.least, "fn_path": self.path}


def name_match(typed: str) -> NameMatch | None:
    """The file names ``typed`` names (a name, or a path tail ending in one; any case): the
    name itself, or its stem (``FLIR_03641`` finds ``FLIR_03641.jpeg``). None when it ends
    in a separator (no name typed)."""
    path = typed.strip().replace("\\", "/").translate(_TO_LOWER)
    name = path.rsplit("/", 1)[-1]
    if not name:
        return None
    # "/0778.jpg": the name is whole (a leading "/" is not one more folder)
    folders = path if path.startswith("/") else "/" + path if "/" in path else ""
    # "name" < "name." (the stem's names) < "name/"; "name-copy" falls between, left out
    return NameMatch(name, name + "/", name + ".", "%" + _escape(folders) + "%")


def stem_match(typed: str) -> NameMatch | None:
    """The names sharing the stem of the image file name ``typed`` (any extension):
    ``FLIR_03641.jpg``, a visible image's name (under ``RGB/``), finds its infrared pair
    ``FLIR_03641.jpeg``. None for a path (its folders are the visible image's, which the
    index does not hold) or a name that is not of an image (``190002.jp`` is no name)."""
    name = typed.strip()
    stem, dot, extension = name.rpartition(".")
    if "/" in name or "\\" in name or not (dot and stem) \
            or extension.translate(_TO_LOWER) not in _IMAGE_EXTENSIONS:
        return None
    return name_match(stem)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pairs_named(dialect: str) -> str:
    """SELECT of the Pairs a NameMatch names, its file name spelt as the dialect's index is."""
    known = dialect if dialect in _FILE_NAME else "sqlite"
    return _PAIRS_NAMED.format(name=_FILE_NAME[known],
                               path=_ASCII_LOWER[known].format("rel_path"))


def sample_exists(conn: Connection, sample_id: int) -> bool:
    """Whether the Sample ``sample_id`` is in the store."""
    if not 0 < sample_id <= _ID_LIMIT:
        return False
    return conn.execute(select(Sample.id).where(Sample.id == sample_id)).first() is not None


def sample_of_original(conn: Connection, task: str, original_id: str) -> int | None:
    """The Sample of ``task`` whose original (IR-TD) id is ``original_id``, or None."""
    return conn.execute(select(Sample.id).where(
        Sample.task == task, Sample.original_id == original_id)).scalar()


def samples_of_file(conn: Connection, match: NameMatch) -> list[int]:
    """The Samples of the Pairs whose file name ``match`` names, in id order."""
    pairs = _pairs_named(conn.dialect.name)
    return list(conn.execute(text(
        f"SELECT id FROM samples WHERE pair_id IN ({pairs}) ORDER BY id"), match.params())
        .scalars())


def file_name_of(conn: Connection, match: NameMatch) -> str | None:
    """The file name (as stored) of one Pair ``match`` names, or None."""
    pairs = _pairs_named(conn.dialect.name).replace("SELECT id", "SELECT rel_path", 1)
    rel = conn.execute(text(f"{pairs} LIMIT 1"), match.params()).scalar()
    return None if rel is None else str(rel).rsplit("/", 1)[-1]


def named_ids(dialect: str, needle: str) -> tuple[str, dict[str, object]]:
    """SELECT (and its bound values) of the ids of the Samples the search text ``needle``
    names by other means than their text: the Sample's id (``17``, ``#17``), its original
    id, or its image's file name (``FLIR_03641``, ``190001.jpg``, a path tail). A union of
    index lookups (a file name is whole, never a prefix: "fli" would name every FLIR image
    and cost as much as reading every Sample)."""
    needle = needle.strip()
    parts = ["SELECT id FROM samples WHERE original_id = :named_original"]
    params: dict[str, object] = {"named_original": needle}
    digits = needle.removeprefix("#")
    if digits.isascii() and digits.isdigit() and 0 < int(digits) <= _ID_LIMIT:
        parts.append("SELECT id FROM samples WHERE id = :named_id")
        params["named_id"] = int(digits)
    match = name_match(needle)
    if match is not None:
        pairs = _pairs_named(dialect)
        parts.append(f"SELECT id FROM samples WHERE pair_id IN ({pairs})")
        params.update(match.params())
    return " UNION ".join(parts), params
