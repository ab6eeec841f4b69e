"""``irtd-annotator check`` compares the tally and the search index with the Samples on both
stores (issue 12, adversarial test: PostgreSQL skipped both), and ``--repair`` rebuilds them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from import_support import grounding, write_samples
from irtd_annotator import cli
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.store.engine import sqlite_path, store_url

SAMPLES = 8


def check(target: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["check", "--db", target, *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def shown(target: str) -> str:
    url = store_url(target)
    path = sqlite_path(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


@pytest.fixture()
def target(store_target: str, tmp_path: Path) -> str:
    samples = [grounding(i, 2400 + i, (10, 20, 200, 300)) for i in range(1, SAMPLES + 1)]
    source = write_samples(tmp_path / "Detection.json", samples)
    assert cli.main(["import", str(source), "--db", store_target, "--quiet"]) == 0
    assert cli.main(["index", "--db", store_target, "--quiet"]) == 0  # as in the background
    return store_target


def damage(target: str) -> tuple[list[int], str]:
    """A wrong count in the tally, two Samples missing from the search index and one with
    stale text, as a bad restore or a hand-made change would leave them; the ids and what
    the index should name."""
    with Project.open(target, create=False) as project, project.engine.begin() as conn:
        ids = ReviewSession(project, annotator="Ada").query_ids(QueueFilter())
        conn.execute(text("UPDATE sample_tally SET n = n + 5 WHERE status = 'pending'"))
        if conn.dialect.name == "sqlite":
            index = "samples_fts"
            conn.execute(text(f"DELETE FROM {index} WHERE rowid IN ({ids[1]}, {ids[2]})"))
            conn.execute(text(f"UPDATE {index} SET text = 'nothing' WHERE rowid = {ids[4]}"))
        else:
            index = "sample_search"
            conn.execute(text(f"DELETE FROM {index} WHERE sample_id IN ({ids[1]}, {ids[2]})"))
            conn.execute(text(f"UPDATE {index} SET text = 'nothing' WHERE sample_id = {ids[4]}"))
    return ids, index


def test_check_names_a_wrong_tally_and_search_index_and_repair_mends_them(
        target: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(target, capsys)
    assert code == 0 and "checked: " in out and "schema, tally, search index" in out, out
    ids, index = damage(target)
    code, out = check(target, capsys)
    assert code == 1, out
    assert out.startswith(f"project {shown(target)}: DAMAGED: tally: sample_tally: 1 wrong count")
    assert f"search index: {index}: 2 samples missing (sample {ids[1]}, sample {ids[2]})" in out
    assert f"{index}: 1 row with stale text (sample {ids[4]})" in out
    assert f"irtd-annotator check --db {shown(target)} --repair" in out
    code, out = check(target, capsys, "--quick")   # counts only
    assert code == 1 and f"{index}: {SAMPLES - 2} rows for {SAMPLES} samples with text" in out
    code, out = check(target, capsys, "--repair")
    assert code == 0 and "rebuilt tally and search index" in out, out
    assert check(target, capsys)[0] == 0
    with Project.open(target, create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        # the rebuilt index finds the Samples by their text again, and the triggers keep it
        assert ada.query_ids(QueueFilter(text="bounding box")) == ids
        ada.set_status(ids[0], "approved")
        ada.edit_turn(ids[1], 1, "The target bounding box is <box>[[1, 2, 30, 40]]</box> zebra.")
        assert ada.query_ids(QueueFilter(text="zebra")) == [ids[1]]
    assert check(target, capsys)[0] == 0
