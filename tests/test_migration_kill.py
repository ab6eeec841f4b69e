"""kill -9 during an upgrade leaves the project as it was; the next open upgrades it (issue 10,
case 4)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from irtd_annotator.services.project import Project
from irtd_annotator.store.engine import current_revision, head_revision
from migration_support import SAMPLES, backups, dump, make_old_project

SCRIPT = Path(__file__).with_name("migrate_and_die.py")
# An open of the old project sends about 30 statements: these fall before the backup, between
# migrations and inside them; the two named moments are the backup's rename and the commit.
MOMENTS = ["statement:3", "statement:8", "statement:14", "statement:20", "statement:26",
           "backup-rename", "commit"]


@pytest.fixture(scope="module")
def old_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_old_project(tmp_path_factory.mktemp("old") / "old.db")


@pytest.mark.parametrize("moment", MOMENTS)
def test_killed_upgrade_leaves_the_file_as_it_was(tmp_path: Path, old_project: Path,
                                                  moment: str) -> None:
    path = tmp_path / "old.db"
    shutil.copy(old_project, path)
    before = dump(path)
    # the timeout is a watchdog for a hung child, not a measure
    done = subprocess.run([sys.executable, str(SCRIPT), str(path), moment],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr

    assert dump(path) == before  # nothing of the unfinished upgrade is in the file
    with Project.open(path) as project:  # and it opens and upgrades as if never tried
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM samples").scalar() == SAMPLES
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM turns WHERE text LIKE '% edited'").scalar() == SAMPLES
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert [p.name for p in backups(path)] == ["old.backup-0002.db"]  # one, and no partial
