"""Finding samples by id, original id and image file name (issue 13), on both stores: Go to's
lookups (services/review/goto.py) and the queue's search, which finds them beside its text
hits, with the progress counts of what it found. Migration 0008 upgrades an existing project."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from irtd_annotator.services.project import Project
from irtd_annotator.services.review.goto import Found, SampleFinder
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.store import lookup
from irtd_annotator.store.engine import current_revision, head_revision, open_store
from irtd_annotator.store.schema import Pair, Sample, Turn
from review_data import ReviewData, build_review_project


@pytest.fixture()
def project_data(store_target: str, llvip_dir: Path, irtd_files: Path) -> ReviewData:
    return build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)


def _found(data: ReviewData, typed: str, flt: QueueFilter | None = None) -> Found:
    with Project.open(str(data.path), create=False) as project:
        return SampleFinder(project).find(typed, flt or QueueFilter())


def test_go_to_finds_by_id_task_and_original_id_and_file_name(project_data: ReviewData) -> None:
    d = project_data
    assert _found(d, "17") == Found(17, matches=1)
    assert _found(d, " #17 ") == Found(17, matches=1)
    assert _found(d, "LOCATION 190003").sample_id == d.location["190003"]
    assert _found(d, "Detection #2").sample_id == d.flir[2]  # the release file's name
    assert _found(d, "190002.jpg") == Found(d.grounding["190002"], matches=3)
    assert _found(d, "190002") == Found(d.grounding["190002"], matches=3)  # no sample 190002
    assert _found(d, "infrared\\TEST\\190002.JPG").sample_id == d.grounding["190002"]
    assert _found(d, "PreviewData/FLIR_01490.jpeg") == Found(d.flir[2], matches=1)
    # the first in the queue's order; one the filter hides is named so
    assert _found(d, "190002", QueueFilter(tasks=("Caption",))) == Found(
        d.caption["190002"], matches=3)
    assert _found(d, "190002", QueueFilter(sort="task", descending=True)).sample_id \
        == d.location["190002"]
    assert _found(d, "190002", QueueFilter(statuses=("approved",))) == Found(
        d.grounding["190002"], matches=3, in_filter=False)
    assert _found(d, "17", QueueFilter(tasks=("Caption",))) == Found(17, 1, in_filter=False)


@pytest.mark.parametrize(("typed", "problem"), [
    ("999999", "No sample 999999"), ("#190002", "No sample 190002"),
    ("Location 424242", "No Location sample with original id 424242"),
    ("train/190002.jpg", "No sample of an image named train/190002.jpg"),
    ("190002.jp", "No sample of an image named 190002.jp"),  # a whole name, not a prefix
    ("infrared/", "No sample of an image named infrared/"),
    ("", "Type a sample id (17), a task and original id (Location 1234) or an image file name"),
])
def test_go_to_says_in_one_line_what_it_did_not_find(project_data: ReviewData, typed: str,
                                                    problem: str) -> None:
    assert _found(project_data, typed) == Found(None, problem=problem)


def _expected(project: Project, needle: str, flt: QueueFilter) -> list[int]:
    """What the search must find, read from the rows one by one: the text of a turn holding
    the needle (any case), or the Sample's id, original id or image file name (or stem)."""
    lowered = needle.lower()
    tail = lowered.replace("\\", "/")
    with project.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.id, s.original_id, s.status, s.task, p.rel_path,"
            " (SELECT count(*) FROM turns t WHERE t.sample_id = s.id"
            "  AND lower(t.text) LIKE :pattern) FROM samples s JOIN pairs p ON p.id = s.pair_id"
            " ORDER BY s.id"), {"pattern": f"%{lowered}%"}).all()
    found = []
    t = tail.rsplit("/", 1)[-1]
    for sid, original, status, task, rel_path, hits in rows:
        name = rel_path.lower().rsplit("/", 1)[-1]
        by_file = (name == t or name.startswith(t + ".")) and (
            "/" not in tail or "/" + tail in "/" + rel_path.lower())
        named = str(sid) == needle.removeprefix("#") or original == needle or by_file
        if (hits or named) and (not flt.statuses or status in flt.statuses) \
                and (not flt.tasks or task in flt.tasks) \
                and (not flt.sources or rel_path.split("/", 1)[0] in flt.sources):
            found.append(sid)
    return found


@pytest.mark.parametrize(("needle", "flt"), [
    ("FLIR_01615", QueueFilter()),                           # a file name, no extension
    ("190002.JPG", QueueFilter()),                           # a name, any case
    ("infrared/test/190003.jpg", QueueFilter()),             # a path tail
    ("17", QueueFilter()),                                   # an id (and text holding "17")
    ("#16", QueueFilter()),
    ("190004", QueueFilter(statuses=("pending",))),          # original ids and a file stem
    ("190004", QueueFilter(tasks=("Caption",))),
    ("person", QueueFilter(statuses=("approved",))),         # text alone, as before
    ("190001", QueueFilter(sources=("LLVIP",))),
])
def test_search_finds_ids_original_ids_and_file_names_with_the_counts(
        project_data: ReviewData, needle: str, flt: QueueFilter) -> None:
    with Project.open(str(project_data.path), create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        session.set_status(project_data.grounding["190004"], "approved")
        session.set_status(project_data.caption["190001"], "approved")
        wanted = _expected(project, needle, flt)
        assert wanted, "the case must find something"
        searched = dataclasses.replace(flt, text=needle)
        assert session.query_ids(searched) == wanted
        approved = [sid for sid in wanted if sid in (project_data.grounding["190004"],
                                                     project_data.caption["190001"])]
        # counted by a session that did not run the search, and by the one that did
        assert ReviewSession(project, annotator="Bo").counts(searched) \
            == (len(approved), len(wanted))
        assert session.counts(searched) == (len(approved), len(wanted))


def test_search_of_a_file_name_before_this_change_found_nothing(
        project_data: ReviewData) -> None:
    """The issue's example: no text holds the file name, yet its samples are found."""
    with Project.open(str(project_data.path), create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        with project.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM turns WHERE lower(text) LIKE"
                                     " '%flir_01615%'")).scalar() == 0
        assert session.query_ids(QueueFilter(text="FLIR_01615")) == [project_data.flir[1]]


def test_an_existing_project_upgrades_and_finds_by_name(store_target: str) -> None:
    open_store(store_target, upgrade_to="0007").dispose()
    old = open_store(store_target, create=False, upgrade_to="0007")
    with old.begin() as conn:
        conn.execute(insert(Pair).values(id=1, rel_path="63-FLIR_ADAS/video/FLIR_03641.jpeg",
                                         source="63-FLIR_ADAS", ir_exists=False,
                                         visible_exists=False, aligned=False))
        conn.execute(insert(Sample).values(
            id=5, task="Security", original_id="19750", source_file="Security.json",
            pair_id=1, image="/x/FLIR_03641.jpeg", image_as_list=True, answer_space="pixel",
            status="pending", edited=False))
        conn.execute(insert(Turn).values(sample_id=5, idx=0, role="human",
                                         original="Is it safe?", text="Is it safe?"))
    old.dispose()
    with Project.open(store_target, create=False) as project:
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            names = {row[0] for row in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                if conn.dialect.name == "sqlite" else
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('pairs', 'samples')"))}
        assert {"ix_pairs_file_name", "ix_samples_original_id"} <= names
        session = ReviewSession(project, annotator="Ada")
        assert session.query_ids(QueueFilter(text="FLIR_03641")) == [5]
        assert session.query_ids(QueueFilter(text="19750")) == [5]
        assert SampleFinder(project).find("Security 19750", QueueFilter()).sample_id == 5


def _two_pairs(location: str, *rel_paths: str) -> None:
    """Pairs (by default two with non-ASCII file names) and a Sample each (ids 1, 2, ...)."""
    with Project.open(location) as project, project.engine.begin() as conn:
        for n, rel in enumerate(rel_paths or ("97-X/Nacht/Straße_Ä.jpg", "97-X/Tag/ÄBC.JPG"),
                                start=1):
            conn.execute(insert(Pair).values(id=n, rel_path=rel, source="97-X",
                                             ir_exists=False, visible_exists=False))
            conn.execute(insert(Sample).values(
                id=n, task="Caption", original_id=f"x{n}", source_file="Caption.json",
                pair_id=n, image=rel, image_as_list=True, answer_space="pixel",
                status="pending", edited=False))
            conn.execute(insert(Turn).values(sample_id=n, idx=0, role="gpt",
                                             original="warm", text="warm"))


@pytest.mark.parametrize(("typed", "found"), [
    ("straße_Ä.JPG", [1]), ("STRASSE_Ä", []),  # ASCII letters in any case, others as stored
    ("straße_ä.jpg", []), ("nacht/STRAßE_Ä", [1]), ("tag/Straße_Ä", []), ("äbc", []),
    ("Äbc", [2]),
])
def test_both_stores_find_the_same_non_ascii_names(store_target: str, typed: str,
                                                   found: list[int]) -> None:
    """SQLite's lower() lowers ASCII letters alone; the lookup does the same on PostgreSQL."""
    _two_pairs(store_target)
    with Project.open(store_target, create=False) as project:
        assert ReviewSession(project, annotator="Ada").query_ids(QueueFilter(text=typed)) == found
        assert SampleFinder(project).find(typed, QueueFilter()).sample_id == (
            found[0] if found else None)


def test_the_file_name_lookup_reads_the_index(store_target: str) -> None:
    """The query spells the name as migration 0008's index does, so the planner uses it."""
    _two_pairs(store_target)
    with Project.open(store_target, create=False) as project, project.engine.connect() as conn:
        sql = lookup._pairs_named(conn.dialect.name)
        params = lookup.name_match("ÄBC").params()  # type: ignore[union-attr]
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.execute(
                text(f"EXPLAIN QUERY PLAN {sql}"), params))
        else:
            conn.execute(text("SET enable_seqscan = off"))  # two rows: it would scan them
            plan = " ".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}"), params))
        assert "ix_pairs_file_name" in plan, plan


def test_a_file_named_like_a_task_and_id_is_found_after_the_task(store_target: str) -> None:
    _two_pairs(store_target, "97-X/Scene 1.jpg")
    with Project.open(store_target, create=False) as project:
        finder = SampleFinder(project)
        assert finder.find("Scene 1", QueueFilter()) == Found(1, matches=1)
        assert finder.find("scene 2", QueueFilter()) == Found(
            None, problem="No Scene sample with original id 2")


NUMBERED = ("53-LLCM/train/0002.jpg", "53-LLCM/train/1.jpg",
            "63-FLIR_ADAS/training/PreviewData/FLIR_03641.jpeg")


@pytest.mark.parametrize(("typed", "found"), [
    ("0002", Found(1, matches=1)),  # a leading zero: LLCM's file, not sample 2
    ("0001", Found(None, problem="No sample of an image named 0001")),
    ("1", Found(1, matches=1, remark="an image 1.jpg exists too: type 1.jpg")),
    ("2", Found(2, matches=1)),
    ("#1", Found(1, matches=1)),  # "#": the id, said plainly
    ("/0002.jpg", Found(1, matches=1)),
    ("train/0002.jpg", Found(1, matches=1)),
    ("FLIR_03641.jpg", Found(3, matches=1, remark="no image is named FLIR_03641.jpg; "
                                                    "showing its pair FLIR_03641.jpeg")),
    ("RGB/FLIR_03641.jpg", Found(None, problem="No sample of an image named RGB/FLIR_03641.jpg")),
    ("٣", Found(None, problem="No sample of an image named ٣")),  # no sample id
    ("３", Found(None, problem="No sample of an image named ３")),
])
def test_numeric_file_names_and_sample_ids(store_target: str, typed: str, found: Found) -> None:
    """M5: many images are named by numbers; a leading zero makes digits a file name."""
    _two_pairs(store_target, *NUMBERED)
    with Project.open(store_target, create=False) as project:
        assert SampleFinder(project).find(typed, QueueFilter()) == found
