"""A failed upgrade leaves the project exactly as it was; its backup is made once and checked
(issue 10, case 4)."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from irtd_annotator.domain.errors import StoreError
from irtd_annotator.services.project import Project
from irtd_annotator.store.engine import current_revision, head_revision
from migration_support import SAMPLES, backups, dump, make_old_project


def _break_upgrade(path: Path) -> None:
    """Make migration 0004 fail after 0003 ran: its table is already there."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sample_tally (x INTEGER)")


def test_a_failing_upgrade_leaves_the_file_as_it_was_and_can_be_retried(tmp_path: Path) -> None:
    path = make_old_project(tmp_path / "old.db")
    _break_upgrade(path)
    before = dump(path)
    for _attempt in range(3):
        with pytest.raises(StoreError, match="sample_tally already exists"):
            Project.open(path)
        assert dump(path) == before  # no index, table or trigger of 0003 left behind
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE sample_tally")
    with Project.open(path) as project:
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM samples").scalar() == SAMPLES
            assert conn.exec_driver_sql(
                "SELECT text FROM turns WHERE sample_id = 7 AND idx = 1").scalar() == (
                "a warm car number 7 edited")


def test_retries_keep_one_checked_backup_of_the_old_schema(tmp_path: Path) -> None:
    path = make_old_project(tmp_path / "old.db")
    _break_upgrade(path)
    with pytest.raises(StoreError):
        Project.open(path)
    first = backups(path)
    assert [p.name for p in first] == ["old.backup-0002.db"]
    stamp = first[0].stat().st_mtime_ns
    for _attempt in range(3):
        with pytest.raises(StoreError):
            Project.open(path)
    assert backups(path) == first and first[0].stat().st_mtime_ns == stamp  # reused, not rewritten
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE sample_tally")
        conn.execute("UPDATE turns SET text = 'changed after the backup' WHERE id = 1")
    Project.open(path).close()  # the project changed since: a fresh copy replaces the stale one
    assert [p.name for p in backups(path)] == ["old.backup-0002.db"]
    with sqlite3.connect(first[0]) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
        assert copy.execute("SELECT text FROM turns WHERE id = 1").fetchone() == (
            "changed after the backup",)


def test_no_room_for_the_backup_refuses_the_upgrade(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_old_project(tmp_path / "old.db")
    before = dump(path)

    def full_disk(_src: object, _dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("irtd_annotator.store.backup.os.replace", full_disk)
    with pytest.raises(StoreError, match=r"cannot write the backup .*No space left on device.*"
                                         "not upgraded and is unchanged"):
        Project.open(path)
    assert backups(path) == []  # nothing empty or partial left
    assert dump(path) == before


@pytest.fixture()
def tiny_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """Mounts a file system of the given size of its own (root only): a real full disk."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted: list[Path] = []

    def mount(size: int) -> Path:
        if os.geteuid() != 0 or subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                capture_output=True).returncode != 0:
            pytest.skip("needs root to mount a small tmpfs")
        mounted.append(folder)
        return folder

    try:
        yield mount
    finally:
        for where in mounted:
            subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_during_the_backup_refuses_the_upgrade(
        tmp_path: Path, tiny_disk: Callable[[int], Path]) -> None:
    made = make_old_project(tmp_path / "old.db")
    with sqlite3.connect(made) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the main file
    conn.close()
    size = made.stat().st_size
    path = tiny_disk(size * 3 // 2) / "old.db"  # room for the project, not for a second copy
    path.write_bytes(made.read_bytes())
    before = dump(made)
    with pytest.raises(StoreError, match=r"cannot write the backup .*not upgraded and is unchanged"):
        Project.open(path)
    assert backups(path) == []
    assert dump(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    conn.close()
