"""The stored risk score: written at import, kept by every edit and its undo, not moved by a
decision, filled for an existing project by migration 0010; on both stores."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from import_support import PREFIX, sample, write_samples
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.store.engine import current_revision, head_revision, open_store

COUNT_PROMPT = "<image>\nCalculate the number of pedestrians in the picture."
IMAGE = f"{PREFIX}23-RGBTCrowdCounting/train/{{}}_Grey.jpg"


def project_files(folder: Path) -> list[Path]:
    """Two counts of image 1 that disagree (3 and 5), a Location of image 1 pointing at 3
    persons, a count of image 2, and a caption of image 2 with a colour infrared cannot show."""
    one, two = [IMAGE.format(1)], [IMAGE.format(2)]
    points = "<ref>person</ref> at <pos>[(100, 200), (300, 400), (500, 600)]</pos>"
    return [
        write_samples(folder / "PedestrianCounting.json", [
            sample("0", one, COUNT_PROMPT, "<num>3</num>"),
            sample("1", one, COUNT_PROMPT, "<num>5</num>"),
            sample("2", two, COUNT_PROMPT, "<num>4</num>")]),
        write_samples(folder / "Location.json", [
            sample("0", one, "<image>\n Locate all person from left to right.", points)]),
        write_samples(folder / "Caption.json", [
            sample("0", two, "<image>\nDescribe this picture.",
                   "A red car waits at the crossing while two people walk past it.")]),
    ]


def risks(project: Project) -> dict[tuple[str, str], tuple[int, str | None]]:
    with project.engine.connect() as conn:
        return {(task, oid): (risk, parts) for task, oid, risk, parts in conn.execute(text(
            "SELECT task, original_id, risk, risk_parts FROM samples"))}


def ids(project: Project) -> dict[tuple[str, str], int]:
    with project.engine.connect() as conn:
        return {(t, o): i for t, o, i in conn.execute(text(
            "SELECT task, original_id, id FROM samples"))}


PED = "Pedestrian Counting"
IMPORTED = {
    (PED, "0"): (4, "contradiction"),
    (PED, "1"): (8, "count-vs-boxes,contradiction"),
    (PED, "2"): (0, None),
    ("Location", "0"): (0, None),
    ("Caption", "0"): (2, "infrared-words"),
}


def test_import_scores_every_sample(store_target: str, tmp_path: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, project_files(tmp_path), options=ImportOptions())
        assert risks(project) == IMPORTED


def test_an_edit_and_its_undo_rescore_the_sample_and_its_siblings(
        store_target: str, tmp_path: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, project_files(tmp_path), options=ImportOptions())
        session = ReviewSession(project, annotator="Ada")
        changes = session.edit_turn(ids(project)[(PED, "1")], 1, "<num>3</num>")
        now = risks(project)
        assert now[(PED, "1")] == (0, None)
        assert now[(PED, "0")] == (0, None)  # the sibling no longer contradicted
        assert changes.undo is not None
        changes.undo.write()
        assert risks(project) == IMPORTED


def test_a_decision_leaves_the_score(store_target: str, tmp_path: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, project_files(tmp_path), options=ImportOptions())
        session = ReviewSession(project, annotator="Ada")
        session.set_status(ids(project)[("Caption", "0")], "approved")
        session.set_status(ids(project)[(PED, "1")], "rejected", reason="wrong count")
        assert risks(project) == IMPORTED


def test_riskiest_first_in_the_queue(store_target: str, tmp_path: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, project_files(tmp_path), options=ImportOptions())
        by_key = ids(project)
        session = ReviewSession(project, annotator="Ada")
        order = [by_key[(PED, "1")], by_key[(PED, "0")], by_key[("Caption", "0")]]
        zeros = sorted([by_key[(PED, "2")], by_key[("Location", "0")]])
        assert session.query_ids(QueueFilter(sort="risk")) == order + zeros
        assert session.query_ids(QueueFilter(sort="risk", tasks=(PED,))) == [
            order[0], order[1], by_key[(PED, "2")]]


def test_migration_scores_an_existing_project(store_target: str) -> None:
    """Two counts of one image that disagree, written before migration 0010."""
    engine = open_store(store_target, upgrade_to="0008")
    samples = [{"id": sid, "task": PED, "oid": str(sid), "n": n} for sid, n in ((1, 3), (2, 5))]
    turns = [{"sid": sid, "idx": idx, "role": role, "said": said}
             for sid, n in ((1, 3), (2, 5))
             for idx, role, said in ((0, "human", COUNT_PROMPT), (1, "gpt", f"<num>{n}</num>"))]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO pairs (id, rel_path, source, ir_exists, visible_exists,"
                          " aligned) VALUES (1, 'c/1.jpg', 'c', false, false, false)"))
        conn.execute(text("INSERT INTO samples (id, task, original_id, source_file, pair_id,"
                          " image, image_as_list, answer_space, status, edited, count) VALUES"
                          " (:id, :task, :oid, 'P.json', 1, '1.jpg', true, 'pixel', 'pending',"
                          " false, :n)"), samples)
        conn.execute(text("INSERT INTO turns (sample_id, idx, role, original, text) VALUES"
                          " (:sid, :idx, :role, :said, :said)"), turns)
    engine.dispose()
    with Project.open(store_target, create=False) as project:
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            assert conn.execute(text("SELECT id, risk, risk_parts FROM samples ORDER BY id")
                                ).all() == [(1, 4, "contradiction"), (2, 4, "contradiction")]


def test_the_risk_order_is_read_in_windows(store_target: str, tmp_path: Path) -> None:
    """A window after a known Sample, and the rows before one, follow the risk order both
    ways, as the whole read does: the queue need not read 260,000 ids to sort by risk."""
    with Project.open(store_target) as project:
        import_files(project, project_files(tmp_path), options=ImportOptions())
        session = ReviewSession(project, annotator="Ada")
        for flt in (QueueFilter(sort="risk"), QueueFilter(sort="risk", descending=True)):
            assert session.windowed(flt)
            whole = session.query_ids(flt)
            assert session.window_ids(flt, after=None, limit=2) == whole[:2]
            for n, sid in enumerate(whole):
                assert session.window_ids(flt, after=sid, limit=2) == whole[n + 1:n + 3]
                assert session.rows_before(flt, sid) == n
            assert session.window_ids(flt, after=None, offset=3, limit=5) == whole[3:]


def test_samples_alike_but_for_their_image_are_scored_apart(store_target: str,
                                                              tmp_path: Path) -> None:
    """Two counts with the same question and answer (3) on images whose Location samples
    point at 3 and at 5 persons: only the second disagrees with its image. And two captions
    of one text on the two images: the same words."""
    one, three = [IMAGE.format(1)], [IMAGE.format(3)]
    located = "<ref>person</ref> at <pos>[{}]</pos>"
    caption = "A red car under a blue sky."
    files = [
        write_samples(tmp_path / "PedestrianCounting.json", [
            sample("0", one, COUNT_PROMPT, "<num>3</num>"),
            sample("1", three, COUNT_PROMPT, "<num>3</num>")]),
        write_samples(tmp_path / "Location.json", [
            sample("0", one, "<image>\n Locate all person from left to right.",
                   located.format("(1, 2), (3, 4), (5, 6)")),
            sample("1", three, "<image>\n Locate all person from left to right.",
                   located.format("(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)"))]),
        write_samples(tmp_path / "Caption.json", [
            sample("0", one, "<image>\nDescribe this picture.", caption),
            sample("1", three, "<image>\nDescribe this picture.", caption)]),
    ]
    with Project.open(store_target) as project:
        import_files(project, files, options=ImportOptions())
        scored = risks(project)
    assert scored[(PED, "0")] == (0, None)
    assert scored[(PED, "1")] == (4, "count-vs-boxes")
    assert scored[("Caption", "0")] == scored[("Caption", "1")] == (4, "infrared-words")
