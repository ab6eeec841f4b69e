"""The kept edit distance (``samples.edit_distance``, issue 15): written by a text edit, put
back by its undo and redo, measured anew from a re-import's new LLM text, filled for an
existing project by migration 0011, and bounded for huge texts; on both stores."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from import_support import sample, write_samples
from irtd_annotator.domain.edit_distance import MAX_CHANGED, levenshtein, turns_distance
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.store.engine import current_revision, head_revision, open_store
from irtd_annotator.store.revisions import replaying
from test_risk_store import IMAGE

PROMPT = "<image>\nDescribe this picture."
LLM = "A red car waits at the crossing while two people walk past it."
PERSON = "A car waits at the crossing while two people walk past it."


def _captions(folder: Path, answer: str) -> list[Path]:
    return [write_samples(folder / "Caption.json", [sample("0", [IMAGE.format(1)], PROMPT, answer)])]


def _distance(project: Project) -> int | None:
    with project.engine.connect() as conn:
        found: int | None = conn.execute(text("SELECT edit_distance FROM samples")).scalar_one()
        return found


def test_an_edit_its_undo_and_redo_and_a_reimport_keep_the_distance(
        store_target: str, tmp_path: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, _captions(tmp_path, LLM), options=ImportOptions())
        assert _distance(project) is None  # nobody edited it
        session = ReviewSession(project, annotator="Ada")
        sid = session.query_ids(QueueFilter())[0]
        edit = session.edit_turn(sid, 1, PERSON)
        assert _distance(project) == levenshtein(LLM, PERSON) == 4
        assert edit.undo is not None
        with replaying("undo"):
            redo = edit.undo.write()
        assert _distance(project) is None
        assert redo.undo is not None
        with replaying("redo"):
            redo.undo.write()
        assert _distance(project) == 4
        # the file's new LLM text becomes the original; the person's text is kept
        reworded = "A red car waits at the crossing while two persons walk past."
        import_files(project, _captions(tmp_path, reworded), options=ImportOptions())
        assert _distance(project) == levenshtein(reworded, PERSON) != 4


def test_migration_fills_the_distance_of_edited_samples(store_target: str) -> None:
    engine = open_store(store_target, upgrade_to="0010")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO pairs (id, rel_path, source, ir_exists, visible_exists,"
                          " aligned) VALUES (1, 'c/1.jpg', 'c', false, false, false)"))
        conn.execute(text("INSERT INTO samples (id, task, original_id, source_file, pair_id,"
                          " image, image_as_list, answer_space, status, edited) VALUES"
                          " (:id, 'Caption', :id, 'C.json', 1, '1.jpg', true, 'pixel',"
                          " 'pending', :edited)"),
                     [{"id": 1, "edited": True}, {"id": 2, "edited": False}])
        conn.execute(text("INSERT INTO turns (sample_id, idx, role, original, text) VALUES"
                          " (:sid, :idx, :role, :original, :said)"), [
            {"sid": 1, "idx": 0, "role": "human", "original": PROMPT, "said": PROMPT + "!"},
            {"sid": 1, "idx": 1, "role": "gpt", "original": LLM, "said": PERSON},
            {"sid": 2, "idx": 0, "role": "human", "original": PROMPT, "said": PROMPT},
            {"sid": 2, "idx": 1, "role": "gpt", "original": LLM, "said": LLM}])
    engine.dispose()
    with Project.open(store_target, create=False) as project:
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            assert conn.execute(text("SELECT id, edit_distance FROM samples ORDER BY id")
                                ).all() == [(1, 1 + 4), (2, None)]


def test_a_huge_rewrite_is_bounded() -> None:
    """Past MAX_CHANGED changed characters a turn counts its longer changed part (an upper
    bound; here the exact distance, which the bit-parallel pass would take minutes for), up
    to it exactly."""
    small_a, small_b = "ab" * (MAX_CHANGED // 4), "ba" * (MAX_CHANGED // 4)
    assert turns_distance([(small_a, small_b)]) == levenshtein(small_a, small_b) == 2
    huge_a, huge_b = "a" * MAX_CHANGED * 200, "b" * MAX_CHANGED * 200  # 1,000,000 characters
    assert turns_distance([(huge_a, huge_b)]) == len(huge_a)
    assert turns_distance([("same", "same"), ("kitten", "sitting")]) == 3
