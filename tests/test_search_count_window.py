"""A text search shows its first window at once and its count when a worker thread has read
it (issue 16): the same Samples in the same order as the whole read of the search, the same
count, a newer search's count never replaced by an older one's; before the search index is
built (its backlog) and after; through the queue's widgets as a user types and presses End."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from pytestqt.qtbot import QtBot

from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.search_index import build_search_index
from irtd_annotator.store.queue import filtered_ids, status_counts
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.queue.model import QueueModel
from irtd_annotator.ui.settings import AppSettings

WINDOW = 50


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, irtd_files: Path) -> Path:
    """Two real files imported, their search index left to the builder (ADR 0024)."""
    db = tmp_path_factory.mktemp("counted") / "p.db"
    with Project.open(db) as project:
        import_files(project, [irtd_files / name for name in ("Recognition.json",
                                                               "Security.json")],
                     options=ImportOptions())
    return db


@pytest.fixture()
def db(imported: Path, tmp_path: Path) -> Path:
    """A copy of the imported project of the test's own."""
    copy = tmp_path / "p.db"
    copy.write_bytes(imported.read_bytes())
    return copy


def _whole(project: Project, flt: QueueFilter) -> tuple[list[int], tuple[int, int]]:
    """The search's ids as the whole read finds them, and its (decided, total)."""
    with project.engine.connect() as conn:
        by_status = status_counts(conn, flt)
        return ([row[0] for row in filtered_ids(conn, flt)],
                (ReviewStatus.decided(by_status), sum(by_status.values())))


@pytest.mark.parametrize("index", ["backlog", "built"])
def test_a_search_shows_its_first_window_then_its_count(
        qtbot: QtBot, db: Path, index: str) -> None:
    with Project.open(db, create=False) as project:
        if index == "built":
            build_search_index(project)
        session = ReviewSession(project, annotator="Ada")
        flt = QueueFilter(text="person", tasks=("Security",))
        whole, counts = _whole(project, flt)
        assert len(whole) > 4 * WINDOW
        model = QueueModel(session, window_size=WINDOW)
        with qtbot.waitSignal(model.count_arrived, timeout=60_000):
            model.set_filter(flt)
            # the first window at once, the rest not read yet
            assert model.counting and model.rowCount() == WINDOW
            assert [model.id_at(row) for row in range(WINDOW)] == whole[:WINDOW]
            # a view scrolled to the end of the rows read asks for more: the next window
            assert model.canFetchMore()
            model.fetchMore()
            assert [model.id_at(row) for row in range(model.rowCount())] == whole[:2 * WINDOW]
        assert not model.counting and model.rowCount() == len(whole)
        assert model.ids() == whole
        assert session.counts(flt) == counts
        model.wait_for_count()


def test_a_newer_search_keeps_its_own_count(qtbot: QtBot, db: Path) -> None:
    with Project.open(db, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        older, newer = QueueFilter(text="person"), QueueFilter(text="What is")
        whole, counts = _whole(project, newer)
        assert len(whole) != len(_whole(project, older)[0])
        model = QueueModel(session, window_size=WINDOW)
        model.set_filter(older)
        model.set_filter(newer)
        qtbot.waitUntil(lambda: not model.counting, timeout=60_000)
        model.wait_for_count()
        QCoreApplication.processEvents()  # a late count of the older search, if any
        assert model.filter == newer and model.rowCount() == len(whole)
        assert model.ids() == whole and session.counts(newer) == counts
        # the next Sample past the rows read while a search is still counted (the next
        # sample key), then End: its last row, at once
        older_ids, _counts = _whole(project, older)
        model.set_filter(older)
        assert model.counting and model.rowCount() == WINDOW
        assert model.id_at(WINDOW) == older_ids[WINDOW]
        model.set_filter(older, force=True)
        assert model.counting
        model.settle_count()
        assert model.rowCount() == len(older_ids) and model.id_at(len(older_ids) - 1) \
            == older_ids[-1]
        model.wait_for_count()
        QCoreApplication.processEvents()
        assert model.rowCount() == len(older_ids)


def test_typing_a_search_and_pressing_end_in_the_window(
        qtbot: QtBot, db: Path) -> None:
    flt = QueueFilter(text="person")
    with Project.open(db, create=False) as project:
        whole, (decided, total) = _whole(project, flt)
    assert total > 2000  # more than the queue's first window
    window = MainWindow(AppSettings(), annotator="Ada")
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(str(db))  # the index builder starts: results stay the same
    queue = window.queue
    assert queue is not None
    qtbot.keyClicks(queue.search_edit, "person")
    qtbot.keyClick(queue.search_edit, Qt.Key.Key_Return)
    assert queue.model.filter.text == "person"
    assert [queue.model.id_at(row) for row in range(50)] == whole[:50]
    qtbot.keyClick(queue.table, Qt.Key.Key_End)
    assert queue.current_id() == whole[-1]
    assert queue.model.rowCount() == total
    qtbot.waitUntil(lambda: window.status.progress_label.text()
                    == f"{decided:,} / {total:,} decided", timeout=60_000)
    assert queue.count_label.text().startswith(f"{total:,} samples")
    queue.model.wait_for_count()
    window.close()


def test_a_decision_while_a_search_is_counted(qtbot: QtBot, db: Path) -> None:
    with Project.open(db, create=False) as project:
        session = ReviewSession(project, annotator="Ada")
        flt = QueueFilter(text="person", statuses=("pending",))
        model = QueueModel(session, window_size=WINDOW)
        model.set_filter(flt)
        assert model.counting
        first = model.id_at(0)
        assert first is not None
        model.refresh(session.set_status(first, "approved"), keep=first)
        # the Sample decided stays where the reviewer saw it (pinned); the rest is the search
        # read again, counted at once; the count arriving late changes nothing
        whole, counts = _whole(project, flt)
        assert first not in whole and model.is_pinned(first) and model.id_at(0) == first
        model.wait_for_count()
        QCoreApplication.processEvents()
        assert not model.counting and model.rowCount() == len(whole) + 1
        assert [model.id_at(row) for row in range(1, 3 * WINDOW)] == whole[:3 * WINDOW - 1]
        assert session.counts(flt) == counts
