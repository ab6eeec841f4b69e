"""What migration 0003 and the scale work add: the FTS5 search index kept in step with the
turns, the kept progress counts, the pairs for read-ahead (real temporary stores, no Qt)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from review_data import ReviewData


def _like(path: Path, needle: str) -> list[int]:
    """The ids a plain LIKE over the turns finds: what the search index must agree with."""
    with sqlite3.connect(path) as conn:
        return [i for (i,) in conn.execute(
            "SELECT DISTINCT sample_id FROM turns WHERE text LIKE ? ORDER BY sample_id",
            (f"%{needle}%",))]


def test_search_uses_the_fts_index_and_finds_what_like_finds(
        session: ReviewSession, data: ReviewData) -> None:
    with sqlite3.connect(data.path) as conn:
        plan = " ".join(str(row) for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT rowid FROM samples_fts WHERE samples_fts MATCH '\"car\"'"))
    assert "VIRTUAL TABLE" in plan
    for needle in ("headlights", "HEADLIGHTS", "<ref>person</ref>", "eadligh", "bounding box"):
        assert session.query_ids(QueueFilter(text=needle)) == _like(data.path, needle), needle
    # shorter than a trigram: the LIKE fallback still finds it
    assert session.query_ids(QueueFilter(text="<b")) == _like(data.path, "<b")
    assert session.query_ids(QueueFilter(text='say "quoted" words')) == []


def test_search_index_follows_edits_and_reverts(session: ReviewSession, data: ReviewData) -> None:
    sid = data.grounding["190003"]
    flt = QueueFilter(text="zebra crossing")
    assert session.query_ids(flt) == []
    session.edit_turn(sid, 0, "Detect the bounding box of the person near the zebra crossing.")
    assert session.query_ids(flt) == [sid]
    assert session.counts(flt) == (0, 1)
    session.revert_turn(sid, 0)
    assert session.query_ids(flt) == []


def test_kept_counts_follow_decisions_here_and_elsewhere(
        session: ReviewSession, data: ReviewData) -> None:
    everything, location = QueueFilter(), QueueFilter(tasks=("Location",))
    pending = QueueFilter(statuses=("pending",))
    total = len(session.query_ids(everything))
    n_location = len(session.query_ids(location))
    for flt in (everything, location, pending):
        session.counts(flt)
    sid = data.location["190002"]
    session.set_status(sid, "approved")
    assert session.counts(everything) == (1, total)
    assert session.counts(location) == (1, n_location)
    assert session.counts(pending) == (0, total - 1)
    session.set_status(data.caption["190002"], "rejected", reason="hallucination")
    assert session.counts(location) == (1, n_location)
    assert session.counts(pending) == (0, total - 2)
    # another annotator's decision (another session, another process) is seen too
    with Project.open(data.path, create=False) as project:
        ReviewSession(project, annotator="Bo").set_status(data.grounding["190002"], "approved")
    assert session.counts(everything) == (3, total)  # decided: 2 approved, 1 rejected
    assert session.counts(pending) == (0, total - 3)


def test_pairs_of_gives_each_samples_pair(session: ReviewSession, data: ReviewData) -> None:
    ids = [data.grounding["190002"], data.caption["190002"], data.location["190003"], 10 ** 9]
    pairs = session.pairs_of(ids)
    assert set(pairs) == set(ids[:3])
    for sid in ids[:3]:
        assert pairs[sid] == session.sample(sid).pair


def test_an_import_indexes_its_turns_for_search(tmp_path: Path, irtd_files: Path) -> None:
    from irtd_annotator.services.importing.files import ImportOptions, import_files
    from irtd_annotator.services.search_index import build_search_index

    path = tmp_path / "p.db"
    with Project.open(path) as project:
        import_files(project, [irtd_files / "Recognition.json"], options=ImportOptions())
        session = ReviewSession(project, annotator="Ada")
        for needle in ("crocodile", "What is the object", "(B) duck"):
            found = session.query_ids(QueueFilter(text=needle))
            assert found and found == _like(path, needle), needle
        build_search_index(project)  # after the import, as its background builder does
        for needle in ("crocodile", "What is the object", "(B) duck"):
            assert session.query_ids(QueueFilter(text=needle)) == _like(path, needle), needle
    with sqlite3.connect(path) as conn:  # the insert trigger is back for later changes
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger'"
                            " AND name='samples_fts_insert'").fetchone() == (1,)
        # one row per Sample: its turns, in order, one per line
        assert conn.execute("SELECT count(*) FROM samples_fts").fetchone() == \
            conn.execute("SELECT count(DISTINCT sample_id) FROM turns").fetchone()
        sid, = conn.execute("SELECT max(sample_id) FROM turns").fetchone()
        turns = [t for (t,) in conn.execute(
            "SELECT text FROM turns WHERE sample_id = ? ORDER BY idx", (sid,))]
        assert conn.execute("SELECT text FROM samples_fts WHERE rowid = ?",
                            (sid,)).fetchone() == ("\n".join(turns),)
