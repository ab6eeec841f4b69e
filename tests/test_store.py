"""The store: opening, migrating with a backup, refusing what it cannot open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from irtd_annotator.domain.errors import ProjectNotFoundError, StoreError
from irtd_annotator.services.project import Project
from irtd_annotator.store.engine import current_revision, head_revision, open_store


def test_new_project_is_at_head_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_project_from_first_migration_opens_with_data_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = open_store(path, upgrade_to="0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO pairs (id, rel_path, source, ir_exists, visible_exists, aligned) "
            "VALUES (1, '63-FLIR_ADAS/a.jpeg', '63-FLIR_ADAS', 0, 0, 1)"))
        conn.execute(text(
            "INSERT INTO samples (id, task, original_id, source_file, pair_id, image, image_as_list,"
            " answer_space, status, edited) VALUES (1, 'Grounding', '0', 'Detection.json', 1, "
            "'/x/Data4MLLM/63-FLIR_ADAS/a.jpeg', 1, 'pixel', 'approved', 0)"))
        conn.execute(text(
            "INSERT INTO turns (sample_id, idx, role, original, text) VALUES "
            "(1, 0, 'human', 'q', 'q'), (1, 1, 'gpt', 'a', 'a edited')"))
    engine.dispose()
    assert not list(tmp_path.glob("old.backup-*"))

    with Project.open(path) as project:
        assert current_revision(project.engine) == head_revision()
        with project.engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM samples WHERE id=1")).scalar() == "approved"
            assert conn.execute(text("SELECT text FROM turns WHERE idx=1")).scalar() == "a edited"
            assert conn.execute(text("SELECT count(*) FROM releases")).scalar() == 0
    backups = list(tmp_path.glob("old.backup-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert old.execute("SELECT text FROM turns WHERE idx=1").fetchone() == ("a edited",)


def test_opening_at_head_makes_no_backup(tmp_path: Path) -> None:
    Project.open(tmp_path / "p.db").close()
    Project.open(tmp_path / "p.db").close()
    assert not list(tmp_path.glob("p.backup-*"))


def test_store_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    Project.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999'")
    with pytest.raises(StoreError, match="newer version"):
        Project.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999",)


def test_missing_project_and_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match="does not exist"):
        Project.open(tmp_path / "nope.db", create=False)
    bogus = tmp_path / "bogus.db"
    bogus.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreError, match="not an IRTD Annotator project"):
        Project.open(bogus)


def test_settings_round_trip(tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        project.set_setting("image_roots", {"63-FLIR_ADAS": "/data/flir"})
        project.set_setting("image_roots", {"*": "/data"})
    with Project.open(tmp_path / "p.db") as project:
        assert project.setting("image_roots") == {"*": "/data"}
        assert project.setting("missing", 3) == 3
