"""Old-schema projects with data, and what a test compares them by (issue 10, case 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from irtd_annotator.store.engine import open_store

OLD_SCHEMA = "0002"
SAMPLES = 3000


def make_old_project(path: Path, *, samples: int = SAMPLES) -> Path:
    """A project at schema 0002 holding ``samples`` Samples of two turns each."""
    open_store(path, upgrade_to=OLD_SCHEMA).dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO pairs (id, rel_path, source, ir_exists, visible_exists, aligned) "
            "VALUES (?, ?, '63-FLIR_ADAS', 0, 0, 1)",
            [(i, f"63-FLIR_ADAS/{i}.jpeg") for i in range(1, samples + 1)])
        conn.executemany(
            "INSERT INTO samples (id, task, original_id, source_file, pair_id, image, "
            "image_as_list, answer_space, status, edited) VALUES (?, 'Caption', ?, "
            "'Caption.json', ?, ?, 0, 'pixel', ?, 0)",
            [(i, str(i), i, f"/x/Data4MLLM/63-FLIR_ADAS/{i}.jpeg",
              "approved" if i % 3 == 0 else "pending") for i in range(1, samples + 1)])
        conn.executemany(
            "INSERT INTO turns (sample_id, idx, role, original, text) VALUES (?, ?, ?, ?, ?)",
            [row for i in range(1, samples + 1) for row in (
                (i, 0, "human", "Describe the image.", "Describe the image."),
                (i, 1, "gpt", f"a warm car number {i}", f"a warm car number {i} edited"))])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the main file: it can be copied
    conn.close()
    return path


def dump(path: Path) -> list[str]:
    """The whole content of an SQLite file as SQL, read through a copy in memory."""
    src = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(":memory:")
    try:
        src.backup(dest)
        return list(dest.iterdump())
    finally:
        src.close()
        dest.close()


def backups(path: Path) -> list[Path]:
    """The backup files (and partial ones) beside the project ``path``."""
    return sorted(path.parent.glob(f"{path.stem}.backup-*"))
