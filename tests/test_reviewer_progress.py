"""Per-reviewer progress: each reviewer's decisions today and in all, in ``stats`` and in the
window. A Sample counts once, for whoever set its status last; on both kinds of store."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from import_support import grounding, write_samples
from irtd_annotator.cli import main
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.stats import ReviewerProgress, day_bounds, project_stats
from irtd_annotator.store.schema import Revision, Sample


def _project(target: str, folder: Path, n: int = 12) -> None:
    samples = [grounding(i, i, (10 + i, 20, 200, 300)) for i in range(1, n + 1)]
    path = write_samples(folder / "Detection.json", samples, form="concat")
    assert main(["import", str(path), "--db", target, "--quiet"]) == 0


def _from_revisions(project: Project) -> dict[str, int]:
    """Decisions per reviewer counted the long way, without decided_by: the author of each
    Sample's last status revision, when the Sample is not pending now."""
    with project.engine.connect() as conn:
        last: dict[int, str] = {}
        for sid, who in conn.execute(select(Revision.sample_id, Revision.who)
                                     .where(Revision.action == "status").order_by(Revision.id)):
            last[sid] = who
        status = dict(conn.execute(select(Sample.id, Sample.status)).all())
    out: dict[str, int] = {}
    for sid, who in last.items():
        if status[sid] != "pending":
            out[who] = out.get(who, 0) + 1
    return out


def _totals(progress: ReviewerProgress) -> dict[str, int]:
    return {r.who: r.total for r in progress.everyone()}


def test_counts_follow_decisions_undo_and_pending(store_target: str, tmp_path: Path) -> None:
    _project(store_target, tmp_path)
    with Project.open(store_target, create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        bob = ReviewSession(project, annotator="Bob")
        progress = ReviewerProgress(project)
        ids = ada.query_ids(QueueFilter())
        assert progress.everyone() == [] and progress.of("Ada") == (0, 0)
        for sid in ids[:3]:
            ada.set_status(sid, "approved")
        ada.set_status(ids[3], "rejected", reason="wrong geometry")
        ada.set_status(ids[4], "flagged")
        for sid in ids[5:7]:
            bob.set_status(sid, "approved")
        bob.set_status(ids[0], "rejected", reason="wrong geometry")  # Bob decides it last now
        assert _totals(progress) == _from_revisions(project) == {"Ada": 4, "Bob": 3}
        rows = {r.who: r for r in progress.everyone()}
        assert rows["Ada"].by_status == {"approved": 2, "rejected": 1, "flagged": 1}
        assert rows["Bob"].by_status == {"approved": 2, "rejected": 1}
        assert progress.of("Ada") == (4, 4) and progress.of("Bob") == (3, 3)

        # the undo of a decision takes it back; so does putting a Sample back to pending
        undo = bob.set_status(ids[7], "approved").undo
        assert progress.of("Bob") == (4, 4)
        assert undo is not None
        undo.write()
        assert progress.of("Bob") == (3, 3)
        # Bob's undo of his taking over puts Ada's decision back, hers again; his redo, his
        taken = bob.set_status(ids[2], "rejected", reason="other").undo
        assert _totals(progress) == {"Ada": 3, "Bob": 4} and taken is not None
        redo = taken.write().undo
        assert _totals(progress) == {"Ada": 4, "Bob": 3} and redo is not None
        redo.write()
        assert _totals(progress) == {"Ada": 3, "Bob": 4}
        ada.set_status(ids[1], "pending")
        assert _totals(progress) == {"Ada": 2, "Bob": 4}

        # "today" is the local day: tomorrow none of it was today, in all stays
        tomorrow = datetime.now() + timedelta(days=1)
        assert progress.of("Ada", now=tomorrow) == (0, 2)
        assert {r.who: r.today for r in progress.everyone(now=tomorrow)} == {"Ada": 0, "Bob": 0}
        assert project_stats(project).reviewers == progress.everyone()


def test_stats_lists_the_reviewers(store_target: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    _project(store_target, tmp_path, n=4)
    with Project.open(store_target, create=False) as project:
        ada = ReviewSession(project, annotator="Ada")
        ids = ada.query_ids(QueueFilter())
        ada.set_status(ids[0], "approved")
        ada.set_status(ids[1], "rejected", reason="wrong geometry")
    capsys.readouterr()
    assert main(["stats", "--db", store_target, "--json"]) == 0
    reviewers = json.loads(capsys.readouterr().out)["reviewers"]
    assert reviewers == [{"name": "Ada", "today": 2, "in_all": 2,
                          "by_status": {"approved": 1, "rejected": 1}}]
    assert main(["stats", "--db", store_target]) == 0
    table = capsys.readouterr().out
    assert "Reviewers" in table
    assert [line.split() for line in table.splitlines() if line.startswith("Ada")] == [
        ["Ada", "2", "2", "1", "1", "0", "0"]]


@pytest.fixture()
def new_york() -> Iterator[None]:
    """The machine's time zone set to New York for one test (daylight saving in March)."""
    import os

    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_today_is_the_local_day_in_utc(new_york: None) -> None:
    # late in the evening in New York is already tomorrow in UTC: still today here
    assert day_bounds(datetime(2026, 12, 5, 23, 30)) == (
        "2026-12-05T05:00:00.000+00:00", "2026-12-06T05:00:00.000+00:00")
    # the day clocks move forward has 23 hours
    assert day_bounds(datetime(2026, 3, 8, 12, 0)) == (
        "2026-03-08T05:00:00.000+00:00", "2026-03-09T04:00:00.000+00:00")


def test_window_shows_own_progress_and_every_reviewer(qtbot: QtBot, tmp_path: Path,
                                                      llvip_dir: Path, irtd_files: Path) -> None:
    from PySide6.QtCore import Qt

    from review_data import build_review_project
    from test_main_window import key, open_window

    data = build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir,
                                irtd_files=irtd_files)
    with Project.open(data.path, create=False) as project:  # another reviewer's decision
        ReviewSession(project, annotator="Bob").set_status(data.caption["190005"], "approved")
    win, errors = open_window(qtbot, str(data.path))
    label = win.reviewers.label
    assert label.text() == "You: 0 today · 0 in all"
    assert win.queue is not None
    win.queue.focus_table()
    qtbot.waitUntil(lambda: win.queue is not None and win.queue.table.hasFocus())
    key(qtbot, win, Qt.Key.Key_A)
    # read once after the run of decisions, not on approve's path
    assert label.text() == "You: 0 today · 0 in all" and win.reviewers.timer.isActive()
    qtbot.waitUntil(lambda: label.text() == "You: 1 today · 1 in all")
    key(qtbot, win, Qt.Key.Key_J)
    key(qtbot, win, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: label.text() == "You: 2 today · 2 in all")
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: label.text() == "You: 1 today · 1 in all")

    action = win.reviewers.action
    assert action.isEnabled() and action in win.menus["&View"].actions()
    action.trigger()
    dialog = win.reviewers.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.rows() == [("Ada", "1", "1", "1", "0", "0", "0"),
                             ("Bob", "1", "1", "1", "0", "0", "0")]
    key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # open: it follows
    qtbot.waitUntil(lambda: dialog.rows() == [("Bob", "1", "1", "1", "0", "0", "0")])
    assert label.text() == "You: 0 today · 0 in all"
    assert errors == []
    win.close()
    assert not action.isEnabled()
