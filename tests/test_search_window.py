"""A text search read a window at a time (issue 16) finds the same Samples, in the same
order, as the whole read of the filter did: on both stores, before the search index's
backlog is built (SQLite's exact fallback), and after."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter
from irtd_annotator.services.search_index import build_search_index
from irtd_annotator.store.queue import filtered_ids, search_kind, selects, window_ids

FILES = ("Recognition.json", "Security.json")
NEEDLES = ("person", "PERSON", "crocodile", "What is the object", "ca", "%", "<ref>", "zebracorn")


@pytest.fixture()
def project(store_target: str, irtd_files: Path) -> Iterator[Project]:
    with Project.open(store_target) as opened:
        import_files(opened, [irtd_files / name for name in FILES], options=ImportOptions())
        yield opened


def _filters(conn: Connection) -> list[QueueFilter]:
    first_id = filtered_ids(conn, QueueFilter())[0][0]
    plain = [QueueFilter(text=needle) for needle in NEEDLES]
    return plain + [
        QueueFilter(text="person", descending=True),
        QueueFilter(text="person", tasks=("Security",)),
        QueueFilter(text="person", statuses=("pending",), tasks=("Recognition",),
                    descending=True),
        QueueFilter(text=str(first_id + 3)),  # names a Sample by its id, beside text hits
    ]


def _windows(conn: Connection, flt: QueueFilter, size: int) -> list[int]:
    """Every id of the filter, read as the queue reads them: window after window."""
    found: list[int] = []
    while True:
        window = window_ids(conn, flt, after=found[-1] if found else None, offset=0, limit=size)
        found.extend(window)
        if len(window) < size:
            return found


def _same_as_the_whole_read(project: Project) -> int:
    checked = 0
    with project.engine.connect() as conn:
        for flt in _filters(conn):
            whole = [row[0] for row in filtered_ids(conn, flt)]
            assert _windows(conn, flt, 37) == whole, flt
            # a window further on by offset (a jump, or End reading backwards from the end)
            assert window_ids(conn, flt, after=None, offset=40, limit=25) == whole[40:65], flt
            back = dataclasses.replace(flt, descending=not flt.descending)
            assert window_ids(conn, back, after=None, offset=3, limit=10) \
                == whole[::-1][3:13], flt
            checked += len(whole) > 100
            if len(whole) > 4100:  # far on by offset: more hits than a batch of each source
                assert window_ids(conn, flt, after=None, offset=len(whole) - 50, limit=30) \
                    == whole[-50:-20], flt
            # whether the search selects a Sample: a seek, the same answer as the whole read
            every = [row[0] for row in filtered_ids(conn, QueueFilter())]
            for sid in [*whole[:3], *whole[-3:], *every[::97]]:
                assert selects(conn, flt, sid) == (sid in whole), (flt, sid)
    return checked


def test_a_search_read_in_windows_finds_what_the_whole_read_found(project: Project) -> None:
    with project.engine.connect() as conn:
        kind = search_kind(conn)
    if project.engine.dialect.name == "sqlite":
        assert kind == "fts5+backlog"  # the import left the index to the builder (ADR 0024)
        assert _same_as_the_whole_read(project) >= 3
        build_search_index(project)
        with project.engine.connect() as conn:
            assert search_kind(conn) == "fts5"
    assert _same_as_the_whole_read(project) >= 3  # several searches span many windows
