"""The window builds the search index an import left (ADR 0024) on a worker thread, says so in
its status bar, and leaves the rest for later when the project is closed mid-build."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.search_index import build_search_index, pending_samples
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings

RECOGNITION = 3705  # tests/conftest.py


def imported(tmp_path: Path, irtd_files: Path, *names: str) -> Path:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, [irtd_files / name for name in names], options=ImportOptions())
        assert pending_samples(project) > 0
    return db


def window_on(qtbot: QtBot, db: Path) -> tuple[MainWindow, list[str]]:
    """The window on ``db``, with what its status bar said of the index recorded."""
    window = MainWindow(AppSettings(), annotator="Ada")
    qtbot.addWidget(window)
    window.show()
    said: list[str] = []
    status, show = window.status, window.status.show_index_backlog

    def recorded(left: int) -> None:
        show(left)
        said.append(status.index_label.text() if status.index_label.isVisibleTo(window)
                    else "(hidden)")

    status.show_index_backlog = recorded  # type: ignore[method-assign]
    assert window.open_project(str(db))
    return window, said


def test_the_window_builds_the_index_it_finds_missing_and_says_so(
        qtbot: QtBot, tmp_path: Path, irtd_files: Path) -> None:
    db = imported(tmp_path, irtd_files, "Recognition.json")
    window, said = window_on(qtbot, db)
    qtbot.waitUntil(lambda: not window.index_builder.is_running() and "(hidden)" in said,
                    timeout=120_000)
    assert said[0] == f"Search index: building, {RECOGNITION:,} left (searches slower)"
    assert said[-1] == "(hidden)"
    with Project.open(db, create=False) as project:
        assert pending_samples(project) == 0
        found = ReviewSession(project, annotator="Ada").query_ids(QueueFilter(text="crocodile"))
    with sqlite3.connect(db) as conn:
        assert found and found == [i for (i,) in conn.execute(
            "SELECT rowid FROM samples_fts WHERE samples_fts MATCH '\"crocodile\"'"
            " ORDER BY rowid")]
    window.close()


def test_closing_mid_build_leaves_a_backlog_the_next_build_finishes(
        qtbot: QtBot, tmp_path: Path, irtd_files: Path) -> None:
    db = imported(tmp_path, irtd_files, "Recognition.json", "Security.json", "Location.json")
    with Project.open(db, create=False) as project:
        total = pending_samples(project)
    window, _said = window_on(qtbot, db)
    window.close()  # at once: the builder stops after the transaction it is in
    assert not window.index_builder.is_running()
    assert not window.status.index_label.isVisibleTo(window)
    with Project.open(db, create=False) as project:
        left = pending_samples(project)
        assert 0 < left <= total  # 26,000 Samples: a dozen transactions or more
        rest = build_search_index(project)
        assert rest.indexed == left and pending_samples(project) == 0
