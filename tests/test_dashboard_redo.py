"""A bulk decision undone and redone is one decision in the dashboard's decisions per day
(issue 15), on both stores: the redo's revisions say they are a redo's, as a single Sample's
do, also when the window runs the redo on a thread of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.services.dashboard import read_dashboard
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.bulk import BulkResult, Decision, bulk_decide
from irtd_annotator.services.review.bulk_steps import BulkSteps
from irtd_annotator.store.schema import Revision
from review_data import build_review_project


def on_a_thread(_what: str, work: Callable[[Project], BulkResult], *,
                project: Project) -> BulkResult:
    """As the window runs an undo or redo: on another thread (no context of the caller's)."""
    out: list[BulkResult] = []
    thread = threading.Thread(target=lambda: out.append(work(project)))
    thread.start()
    thread.join()
    return out[0]


def test_a_bulk_decision_undone_and_redone_counts_once(
        store_target: str, llvip_dir: Path, irtd_files: Path) -> None:
    data = build_review_project(store_target, llvip_dir=llvip_dir,  # type: ignore[arg-type]
                                irtd_files=irtd_files)
    chosen = sorted(data.location.values())
    approve = Decision("approved")
    with Project.open(store_target, create=False) as project:
        done = bulk_decide(project, QueueFilter(), approve, who="ann", ids=chosen)
        steps = BulkSteps(project, elsewhere=lambda what, work: on_a_thread(
            what, work, project=project))
        _redo, changes = steps.step(done, approve)
        assert changes.undo is not None
        back = changes.undo.write()
        assert back.undo is not None
        back.undo.write()  # the redo
        per_day = {(d.reviewer, d.day): d.decisions for d in read_dashboard(project).per_day}
        with project.engine.connect() as conn:
            targets = sorted(conn.execute(select(Revision.target).where(
                Revision.action == "status")).scalars())
    assert list(per_day.values()) == [len(chosen)]
    assert targets == sorted(["status"] * len(chosen) + ["status (undo)"] * len(chosen)
                             + ["status (redo)"] * len(chosen))
