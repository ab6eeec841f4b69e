"""The queue reads its ids a window at a time and counts from the store's tally (migration
0004): real temporary stores, checked against plain SQL over the same rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.search_index import build_search_index
from irtd_annotator.store.engine import open_store
from irtd_annotator.ui.queue.model import QueueModel
from review_data import ReviewData


def _tally(path: Path) -> dict[tuple[str, str, str], int]:
    with sqlite3.connect(path) as conn:
        return {(src, task, status): n for src, task, status, n in conn.execute(
            "SELECT source, task, status, n FROM sample_tally") if n}


def _grouped(path: Path) -> dict[tuple[str, str, str], int]:
    """What the tally must say: the Samples counted one by one."""
    with sqlite3.connect(path) as conn:
        return {(src, task, status): n for src, task, status, n in conn.execute(
            "SELECT p.source, s.task, s.status, count(*) FROM samples s"
            " JOIN pairs p ON p.id = s.pair_id GROUP BY 1, 2, 3")}


def _sql_ids(path: Path, where: str = "1", *params: object, desc: bool = False) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [i for (i,) in conn.execute(
            "SELECT s.id FROM samples s JOIN pairs p ON p.id = s.pair_id WHERE " + where
            + " ORDER BY s.id" + (" DESC" if desc else ""), params)]


# ---- the tally ------------------------------------------------------------------------------

def test_the_tally_follows_imports_decisions_and_other_processes(
        tmp_path: Path, irtd_files: Path) -> None:
    path = tmp_path / "p.db"
    with Project.open(path) as project:
        import_files(project, [irtd_files / "Recognition.json", irtd_files / "Security.json"],
                     options=ImportOptions())
        assert _tally(path) == _grouped(path) and sum(_tally(path).values()) > 1000
        import_files(project, [irtd_files / "Security.json"], options=ImportOptions())  # again
        assert _tally(path) == _grouped(path)
        build_search_index(project)  # as the import's background builder does (ADR 0024)
        session = ReviewSession(project, annotator="Ada")
        ids = session.query_ids(QueueFilter(tasks=("Security",)))
        session.set_status(ids[0], "approved")
        session.set_status(ids[1], "rejected", reason="ambiguous")
        session.set_status(ids[1], "flagged")
        assert _tally(path) == _grouped(path)
        with sqlite3.connect(path) as conn:
            (source,), = conn.execute("SELECT p.source FROM samples s JOIN pairs p"
                                      " ON p.id = s.pair_id WHERE s.id = ?", (ids[0],))
        flt = QueueFilter(tasks=("Security",), sources=(source,))
        expected = _sql_ids(path, "s.task = 'Security' AND p.source = ?", source)
        assert session.counts(flt) == (1, len(expected))
    with sqlite3.connect(path) as conn:  # another program, no session: the triggers count
        conn.execute("UPDATE samples SET status = 'approved' WHERE task = 'Recognition'")
        conn.execute("DELETE FROM turns WHERE sample_id = ?", (ids[2],))
        conn.execute("DELETE FROM shapes WHERE sample_id = ?", (ids[2],))
        conn.execute("DELETE FROM samples WHERE id = ?", (ids[2],))
    assert _tally(path) == _grouped(path)
    with sqlite3.connect(path) as conn:  # the deleted sample's text left the search index
        assert conn.execute("SELECT count(*) FROM samples_fts WHERE rowid = ?",
                            (ids[2],)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM samples_fts").fetchone() == \
            conn.execute("SELECT count(*) FROM samples").fetchone()
    with sqlite3.connect(path) as conn:  # the import's insert trigger is back
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                            " AND name = 'sample_tally_insert'").fetchone() == (1,)


def test_a_failed_import_leaves_the_tally_as_it_was(tmp_path: Path, irtd_files: Path) -> None:
    path = tmp_path / "p.db"
    bad = tmp_path / "Security.json"
    bad.write_text((irtd_files / "Security.json").read_text()[:-200], encoding="utf-8")
    with Project.open(path) as project:
        import_files(project, [irtd_files / "Recognition.json"], options=ImportOptions())
        before = _tally(path)
        with pytest.raises(BadInputError):
            import_files(project, [bad], options=ImportOptions())
    assert _tally(path) == before == _grouped(path)


def test_a_store_from_before_the_tally_is_counted_when_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = open_store(path, upgrade_to="0003")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO pairs (id, rel_path, source, ir_exists, visible_exists, aligned) VALUES"
            " (1, '63-FLIR_ADAS/a.jpeg', '63-FLIR_ADAS', 0, 0, 1),"
            " (2, '97-LLVIP/b.jpg', '97-LLVIP', 0, 0, 1)"))
        for sid, task, pair, status in ((1, "Grounding", 1, "approved"), (2, "Caption", 1, "pending"),
                                        (3, "Caption", 2, "pending"), (4, "Caption", 2, "pending")):
            conn.execute(text(
                "INSERT INTO samples (id, task, original_id, source_file, pair_id, image,"
                " image_as_list, answer_space, status, edited) VALUES"
                f" ({sid}, '{task}', '{sid}', 'x.json', {pair}, 'x', 1, 'pixel', '{status}', 0)"))
        conn.execute(text(
            "INSERT INTO turns (sample_id, idx, role, original, text) VALUES"
            " (3, 0, 'human', 'q', 'Describe the image.'),"
            " (3, 1, 'gpt', 'a', 'Two warm engines of parked cars.'),"
            " (4, 1, 'gpt', 'a', 'A cold street.'), (4, 0, 'human', 'q', 'warm up: describe')"))
    engine.dispose()
    with Project.open(path) as project:
        session = ReviewSession(project, annotator="Ada")
        # the search index made from 0003's: per Sample, its turns in order
        assert session.query_ids(QueueFilter(text="warm engines")) == [3]
        assert session.query_ids(QueueFilter(text="WARM")) == [3, 4]
        assert session.query_ids(QueueFilter(text="describe the")) == [3]
        assert session.query_ids(QueueFilter(text="image. Two")) == []  # not across turns
        assert session.counts(QueueFilter(tasks=("Caption",))) == (0, 3)
        assert session.counts(QueueFilter(sources=("63-FLIR_ADAS",))) == (1, 2)
    assert _tally(path) == _grouped(path) == {
        ("63-FLIR_ADAS", "Grounding", "approved"): 1, ("63-FLIR_ADAS", "Caption", "pending"): 1,
        ("97-LLVIP", "Caption", "pending"): 2}


# ---- windows of ids ------------------------------------------------------------------------

FILTERS = [
    (QueueFilter(), "1"),
    (QueueFilter(descending=True), "1"),
    (QueueFilter(statuses=("pending",)), "s.status = 'pending'"),
    (QueueFilter(sources=("LLVIP",)), "p.source = 'LLVIP'"),
    (QueueFilter(sources=("63-FLIR_ADAS",), descending=True), "p.source = '63-FLIR_ADAS'"),
    (QueueFilter(tasks=("Caption", "Grounding"), sources=("LLVIP",)),
     "s.task IN ('Caption', 'Grounding') AND p.source = 'LLVIP'"),
    (QueueFilter(missing_images=True), "p.ir_exists = 0 OR p.visible_exists = 0"),
]


@pytest.mark.parametrize(("flt", "where"), FILTERS)
def test_windows_give_the_filters_ids_in_order(session: ReviewSession, data: ReviewData,
                                               flt: QueueFilter, where: str) -> None:
    session.set_status(data.caption["190001"], "approved")
    expected = _sql_ids(data.path, where, desc=flt.descending)
    assert expected and session.counts(flt)[1] == len(expected)
    # windows of 4: after the last id of the one before, or by offset
    got, after = [], None
    while window := session.window_ids(flt, after=after, limit=4):
        got += window
        after = window[-1]
    assert got == expected
    assert session.window_ids(flt, after=None, offset=4, limit=4) == expected[4:8]
    for n, sid in enumerate(expected):
        assert session.rows_before(flt, sid) == n and session.selects(flt, sid)
    outside = sorted(set(_sql_ids(data.path)) - set(expected))
    for sid in outside:
        assert not session.selects(flt, sid)


@pytest.mark.parametrize(("flt", "where"), FILTERS)
def test_the_model_reads_windows_and_shows_every_row(
        qtbot: QtBot, session: ReviewSession, data: ReviewData, flt: QueueFilter,
        where: str) -> None:
    expected = _sql_ids(data.path, where, desc=flt.descending)
    model = QueueModel(session, window_size=3, page_size=2)
    model.set_filter(flt)
    assert model.rowCount() == len(expected)
    assert model.held_windows() == [0]  # one window read for a new filter
    last = expected[-1]
    assert model.row_of(last) == len(expected) - 1  # found by its place, not by reading all
    assert model.held_windows() == sorted({0, (len(expected) - 1) // 3})
    assert [model.row_at(r).id for r in range(model.rowCount())] == expected
    assert model.ids() == expected and list(model.id_view()) == expected
    assert model.id_view()[-1] == last and model.id_view().index(last) == len(expected) - 1


def test_approving_under_a_status_filter_keeps_the_sample_in_place(
        qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    model = QueueModel(session, window_size=3, page_size=2)
    model.set_filter(QueueFilter(statuses=("pending",)))
    pending = _sql_ids(data.path, "s.status = 'pending'")
    looked_at = pending[7]
    assert model.row_of(looked_at) == 7
    with qtbot.waitSignal(model.layoutChanged, timeout=1000):
        model.refresh(session.set_status(looked_at, "approved"), keep=looked_at)
    # still there, at its row, showing its new status; the count is one less plus the pin
    assert model.row_of(looked_at) == 7 and model.row_at(7).status == "approved"
    assert model.rowCount() == len(pending)
    rest = [sid for sid in pending if sid != looked_at]
    assert [model.id_at(r) for r in range(model.rowCount())] == rest[:7] + [looked_at] + rest[7:]
    # the next pending sample after it is the one that followed it
    assert session.next_pending(looked_at, model.id_view()) == pending[8]
    # a sample elsewhere leaving the filter: a new reading, the looked-at sample kept
    model.refresh(session.set_status(pending[2], "flagged"), keep=looked_at)
    assert model.row_of(pending[2]) is None and model.row_of(looked_at) == 6
    model.requery()
    assert model.row_of(looked_at) is None and model.rowCount() == len(pending) - 2
