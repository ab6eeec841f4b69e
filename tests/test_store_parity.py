"""The queue's counts, search and sort give the same answers on SQLite and PostgreSQL.

SQLite keeps a tally (migration 0004) and an FTS5 index (0005); PostgreSQL a tally kept by
its own triggers and a trigram index (0007). Each test runs on both stores (``store_target``)
and checks them against what the rows themselves say, so both stores agree with each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.store.engine import create_store_engine, open_store, store_url
from irtd_annotator.store.schema import Pair, Sample, Turn
from irtd_annotator.store.tally import has_tally

Counts = dict[tuple[str, str, str], int]


def _tally(project: Project) -> Counts:
    with project.engine.connect() as conn:
        return {(src, task, status): n for src, task, status, n in conn.execute(text(
            "SELECT source, task, status, n FROM sample_tally")) if n}


def _counted(project: Project) -> Counts:
    """What the tally must say: the Samples counted one by one."""
    with project.engine.connect() as conn:
        return {(src, task, status): n for src, task, status, n in conn.execute(text(
            "SELECT p.source, s.task, s.status, count(*) FROM samples s"
            " JOIN pairs p ON p.id = s.pair_id GROUP BY p.source, s.task, s.status"))}


# ---- the tally ------------------------------------------------------------------------------

def test_the_tally_follows_imports_decisions_and_other_programs(
        store_target: str, irtd_files: Path, tmp_path: Path) -> None:
    files = [irtd_files / "PedestrianCounting.json", irtd_files / "AerialCounting.json"]
    with Project.open(store_target) as project:
        import_files(project, files, options=ImportOptions())
        with project.engine.connect() as conn:
            assert has_tally(conn)
        assert _tally(project) == _counted(project)
        assert sum(_tally(project).values()) == 1030 + 900
        import_files(project, files[:1], options=ImportOptions())  # the same file again
        assert _tally(project) == _counted(project)
        # a changed file: new Samples and changed ones in one import
        changed = json.loads(files[1].read_text(encoding="utf-8"))
        for sample in changed[:5]:
            sample["conversations"][1]["value"] = "<num>77</num>"
        extra = [dict(s, id=f"{s['id']}-again") for s in changed[:40]]
        (tmp_path / "AerialCounting.json").write_text(json.dumps(changed + extra))
        import_files(project, [tmp_path / "AerialCounting.json"], options=ImportOptions())
        assert _tally(project) == _counted(project)
        assert sum(_tally(project).values()) == 1030 + 940

        session = ReviewSession(project, annotator="Ada")
        ids = session.query_ids(QueueFilter(tasks=("Pedestrian Counting",)))
        session.set_status(ids[0], "approved")
        session.set_status(ids[1], "rejected", reason="wrong count")
        session.set_status(ids[1], "flagged")
        session.set_status(ids[2], "approved")
        session.set_status(ids[2], "pending")
        assert _tally(project) == _counted(project)
        flt = QueueFilter(tasks=("Pedestrian Counting",))
        assert session.counts(flt) == (1, len(ids))
        assert session.counts(QueueFilter(statuses=("flagged",))) == (0, 1)

    engine = create_store_engine(store_url(store_target))  # another program: the triggers count
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE samples SET status = 'approved'"
                              " WHERE task = 'Aerial Counting' AND id % 3 = 0"))
            conn.execute(text("UPDATE samples SET note = 'seen' WHERE task = 'Aerial Counting'"))
            for table in ("turns", "shapes", "leases", "assignments"):
                conn.execute(text(f"DELETE FROM {table} WHERE sample_id IN (:a, :b)"),
                             {"a": ids[3], "b": ids[4]})
            conn.execute(text("DELETE FROM samples WHERE id IN (:a, :b)"),
                         {"a": ids[3], "b": ids[4]})
    finally:
        engine.dispose()
    with Project.open(store_target, create=False) as project:
        assert _tally(project) == _counted(project)
        session = ReviewSession(project, annotator="Ada")
        approved = len(session.query_ids(QueueFilter(statuses=("approved",))))
        assert session.counts(QueueFilter()) == (approved, 1030 + 940 - 2)


def test_two_reviewers_deciding_at_once_keep_the_tally_right(store_target: str) -> None:
    """Two programs move Samples of the same counts in opposite directions at the same time:
    no decision is lost from the tally and neither waits for the other forever."""
    import threading

    with Project.open(store_target) as project, project.engine.begin() as conn:
        ids = _insert(conn, [("97-LLVIP", "Caption", "pending", None, ["x"])] * 40)
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def review(mine: list[int], first: str, then: str) -> None:
        try:
            with Project.open(store_target, create=False) as project:
                session = ReviewSession(project, annotator=first)
                start.wait()
                for sample_id in mine:
                    session.set_status(sample_id, first)
                    session.set_status(sample_id, then)
        except Exception as exc:  # noqa: BLE001 (reported below, in the test's own thread)
            errors.append(exc)

    threads = [threading.Thread(target=review, args=(ids[:20], "approved", "pending")),
               threading.Thread(target=review, args=(ids[20:], "flagged", "approved"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Project.open(store_target, create=False) as project:
        assert _tally(project) == _counted(project) == {
            ("97-LLVIP", "Caption", "pending"): 20, ("97-LLVIP", "Caption", "approved"): 20}


def test_a_failed_import_leaves_the_tally_as_it_was(store_target: str, irtd_files: Path,
                                                    tmp_path: Path) -> None:
    bad = tmp_path / "Security.json"
    bad.write_text((irtd_files / "Security.json").read_text(encoding="utf-8")[:-200],
                   encoding="utf-8")
    with Project.open(store_target) as project:
        import_files(project, [irtd_files / "AerialCounting.json"], options=ImportOptions())
        before = _tally(project)
        with pytest.raises(BadInputError, match=r"Security\.json"):
            import_files(project, [irtd_files / "PedestrianCounting.json", bad],
                         options=ImportOptions())
        assert _tally(project) == before == _counted(project)
        # the import's switch of the insert trigger ended with its transaction
        session = ReviewSession(project, annotator="Ada")
        with project.engine.begin() as conn:
            pair = conn.execute(text("SELECT min(id) FROM pairs")).scalar()
            conn.execute(insert(Sample).values(
                task="Caption", original_id="new", source_file="x.json", pair_id=pair,
                image="x", image_as_list=True, answer_space="pixel", status="pending",
                edited=False))
        assert _tally(project) == _counted(project)
        assert session.counts(QueueFilter(tasks=("Caption",))) == (0, 1)


def test_a_store_from_before_0007_gets_its_tally_when_it_opens(store_target: str) -> None:
    engine = open_store(store_target, upgrade_to="0006")
    with engine.begin() as conn:
        _insert(conn, [("a", "Caption", "approved", None, ["warm engines"]),
                       ("a", "Caption", "pending", None, ["a bicycle"]),
                       ("b", "Grounding", "pending", None, [])])
    engine.dispose()
    with Project.open(store_target, create=False) as project:
        assert _tally(project) == _counted(project) == {
            ("a", "Caption", "approved"): 1, ("a", "Caption", "pending"): 1,
            ("b", "Grounding", "pending"): 1}
        session = ReviewSession(project, annotator="Ada")
        assert session.query_ids(QueueFilter(text="BICYCLE")) == [2]
        assert session.counts(QueueFilter(sources=("a",))) == (1, 2)


# ---- search and sort ------------------------------------------------------------------------

Row = tuple[str, str, str, str | None, list[str]]  # source, task, status, warnings, turns

ROWS: list[Row] = [
    ("97-LLVIP", "Caption", "pending", None,
     ["<image>\nDescribe the picture.", "A person rides a bicycle at night."]),
    ("97-LLVIP", "Caption", "approved", "outside-image",
     ["<image>\nWhere is the car?", "The car is parked; its engine is WARM."]),
    ("63-FLIR_ADAS", "Grounding", "pending", "",
     ["Is it 100% sure?", "a_b and a-b, not ab"]),
    ("63-FLIR_ADAS", "Grounding", "rejected", "Zeta",
     ["He said \"hello\" and 'bye'", "a back\\slash here"]),
    ("b-source", "Location", "flagged", "alpha",
     ["Ångström units", "a naïve café"]),
    ("B-source", "Location", "pending", "ábc", ["BICYCLE lane", "warm engines of parked cars"]),
    ("a_source", "Caption", "pending", None, []),
    ("a_source", "Caption", "approved", "reimport-conflict; outside-image",
     ["Describe the image.", "Two warm engines."]),
    ("97-LLVIP", "Instruction", "pending", "Zeta", ["的 红外 图像", "行人 在 路上"]),
]

SEARCHES = ["bicycle", "BiCyClE", "  bicycle  ", "the", "warm engines", "parked", "a", "ab",
            "b", "%", "_", "a_b", "0%", "100%", "\"hello\"", "'bye'", "\\", "back\\slash",
            "ångström", "ÅNGSTRÖM", "é", "naïve café", "红外", "红", "行人 在", "image. Two",
            "nothing like this", "a-b"]


def _insert(conn: Any, rows: list[Row]) -> list[int]:
    ids = []
    for n, (source, task, status, warnings, turns) in enumerate(rows):
        pair = conn.execute(insert(Pair).values(
            rel_path=f"{source}/img{n:02d}.jpg", source=source, ir_exists=True,
            visible_exists=False, aligned=True)).inserted_primary_key[0]
        sid = conn.execute(insert(Sample).values(
            task=task, original_id=str(n), source_file=f"{task}.json", pair_id=pair,
            image=f"{source}/img{n:02d}.jpg", image_as_list=True, answer_space="pixel",
            status=status, edited=n % 2 == 0, warnings=warnings)).inserted_primary_key[0]
        for idx, turn in enumerate(turns):
            conn.execute(insert(Turn).values(sample_id=sid, idx=idx, role=("human", "gpt")[idx],
                                             original=turn, text=turn))
        ids.append(sid)
    return ids


def _found(needle: str, ids: list[int], rows: list[Row], keep: Any = None) -> list[int]:
    """The ids a case-insensitive substring search of one turn's text finds, in id order."""
    wanted = needle.strip().lower()
    return [i for i, row in zip(ids, rows)
            if any(wanted in turn.lower() for turn in row[4]) and (keep is None or keep(row))]


@pytest.fixture()
def parity(store_target: str) -> Iterator[tuple[ReviewSession, list[int]]]:
    with Project.open(store_target) as project:
        with project.engine.begin() as conn:
            ids = _insert(conn, ROWS)
        yield ReviewSession(project, annotator="Ada"), ids


def test_search_finds_the_same_samples_on_each_store(
        parity: tuple[ReviewSession, list[int]]) -> None:
    session, ids = parity
    for needle in SEARCHES:
        expected = _found(needle, ids, ROWS)
        assert session.query_ids(QueueFilter(text=needle)) == expected, needle
        decided = sum(1 for i, row in zip(ids, ROWS)
                      if i in expected and row[2] in ("approved", "accepted", "rejected"))
        assert session.counts(QueueFilter(text=needle)) == (decided, len(expected)), needle
        assert session.query_ids(QueueFilter(text=needle, descending=True)) == expected[::-1]
        in_task = _found(needle, ids, ROWS, keep=lambda row: row[1] == "Caption")
        assert session.query_ids(QueueFilter(tasks=("Caption",), text=needle)) == in_task
        pending = _found(needle, ids, ROWS, keep=lambda r: r[2] == "pending" and r[0] == "97-LLVIP")
        assert session.query_ids(QueueFilter(statuses=("pending",), sources=("97-LLVIP",),
                                             text=needle)) == pending
    assert session.query_ids(QueueFilter(text="bicycle")) == [ids[0], ids[5]]
    assert session.query_ids(QueueFilter(text="%")) == [ids[2]]
    assert session.query_ids(QueueFilter(text="_")) == [ids[2]]


def test_search_follows_edits_on_each_store(parity: tuple[ReviewSession, list[int]]) -> None:
    """Changed, moved, deleted and new turns, written by plain SQL (the triggers index them)."""
    session, ids = parity
    with session.project.engine.begin() as conn:
        conn.execute(text("UPDATE turns SET text = 'a tricycle' WHERE sample_id = :s AND idx = 1"),
                     {"s": ids[0]})
        conn.execute(text("UPDATE turns SET sample_id = :to, idx = 5 WHERE sample_id = :s"
                          " AND idx = 1"), {"s": ids[1], "to": ids[6]})
        conn.execute(text("DELETE FROM turns WHERE sample_id = :s"), {"s": ids[4]})
        conn.execute(insert(Turn).values(sample_id=ids[3], idx=2, role="gpt", original="",
                                         text="Ångström again"))
    assert session.query_ids(QueueFilter(text="bicycle")) == [ids[5]]
    assert session.query_ids(QueueFilter(text="TRICYCLE")) == [ids[0]]
    assert session.query_ids(QueueFilter(text="engine is warm")) == [ids[6]]
    assert session.query_ids(QueueFilter(text="where is the car")) == [ids[1]]
    assert session.query_ids(QueueFilter(text="ångström")) == [ids[3]]
    assert session.query_ids(QueueFilter(text="naïve")) == []
    assert session.query_ids(QueueFilter(text="again")) == [ids[3]]


def test_search_by_status_and_task_follows_decisions_on_each_store(
        parity: tuple[ReviewSession, list[int]]) -> None:
    """PostgreSQL answers these from its search table alone: it must follow every decision."""
    session, ids = parity
    engines = QueueFilter(text="warm engines")
    assert session.query_ids(engines) == [ids[5], ids[7]]
    session.set_status(ids[5], "approved")
    session.set_status(ids[7], "rejected", reason="wrong count")
    approved = QueueFilter(statuses=("approved",), text="WARM")
    assert session.query_ids(approved) == [ids[1], ids[5]]
    assert session.counts(approved) == (2, 2)
    # decided: approved, accepted or rejected
    assert session.counts(QueueFilter(statuses=("approved", "rejected"), text="warm")) == (3, 3)
    session.set_status(ids[5], "pending")
    assert session.query_ids(approved) == [ids[1]]
    assert session.query_ids(QueueFilter(statuses=("pending",), text="warm engines",
                                         descending=True)) == [ids[5]]
    with session.project.engine.begin() as conn:  # another program changes a task
        conn.execute(text("UPDATE samples SET task = 'Caption' WHERE id = :s"), {"s": ids[5]})
    assert session.query_ids(QueueFilter(tasks=("Caption",), text="engines")) == [ids[5], ids[7]]
    assert session.query_ids(QueueFilter(tasks=("Location",), text="engines")) == []


@pytest.mark.parametrize("sort", ["warnings", "status", "task", "source", "image", "edited"])
def test_every_sort_orders_the_same_on_each_store(
        parity: tuple[ReviewSession, list[int]], sort: str) -> None:
    """Samples without warnings (NULL) first going up and last going down, text by code
    point (SQLite's BINARY collation), ties by id."""
    session, ids = parity
    column = {"warnings": 3, "status": 2, "task": 1, "source": 0}

    def value(n: int) -> Any:
        row = ROWS[n]
        if sort == "image":
            return f"{row[0]}/img{n:02d}.jpg"
        if sort == "edited":
            return n % 2 == 0
        return row[column[sort]]

    present = [n for n in range(len(ROWS)) if value(n) is not None]
    absent = [n for n in range(len(ROWS)) if value(n) is None]
    up = absent + sorted(present, key=lambda n: (value(n), n))
    down = sorted(present, key=lambda n: (_Reversed(value(n)), n)) + absent
    assert session.query_ids(QueueFilter(sort=sort)) == [ids[n] for n in up]
    assert session.query_ids(QueueFilter(sort=sort, descending=True)) == [ids[n] for n in down]
    if sort == "warnings":
        assert [ROWS[n][3] for n in up] == [
            None, None, "", "Zeta", "Zeta", "alpha", "outside-image",
            "reimport-conflict; outside-image", "ábc"]


class _Reversed:
    """A sort key that orders its value the other way round."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def test_without_pg_trgm_the_search_is_slower_but_the_same(
        pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A user who may not create extensions in the database (no CREATE on it) still gets a
    project: the migration says once that the text index is missing, and the search works."""
    import uuid

    from sqlalchemy.engine import make_url

    role = f"irtd_plain_{uuid.uuid4().hex[:8]}"
    admin = create_store_engine(pg_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}"))
            conn.execute(text(f"REVOKE CREATE ON DATABASE "
                              f"\"{make_url(pg_url).database}\" FROM PUBLIC, {role}"))
        url = make_url(pg_url).set(username=role, password=None).render_as_string(
            hide_password=False)
        with caplog.at_level("WARNING", logger="irtd_annotator.migrations"):
            project = Project.open(url)
        try:
            missing = [r.getMessage() for r in caplog.records if "text search index" in r.getMessage()]
            assert len(missing) == 1 and "slower" in missing[0]
            with project.engine.begin() as conn:
                ids = _insert(conn, ROWS)
                assert conn.execute(text("SELECT count(*) FROM pg_indexes"
                                         " WHERE indexname = 'ix_sample_search_trgm'")).scalar() == 0
            session = ReviewSession(project, annotator="Ada")
            for needle in ("bicycle", "ÅNGSTRÖM", "100%", "a_b", "é"):
                assert session.query_ids(QueueFilter(text=needle)) == _found(needle, ids, ROWS)
            assert session.counts(QueueFilter(tasks=("Caption",))) == (2, 4)  # the tally works
        finally:
            project.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
