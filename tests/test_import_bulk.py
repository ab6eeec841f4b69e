"""How an import writes in bulk: one transaction, the search index built once after it (ADR
0024), warnings kept as written, image headers probed once; each faster path checked against
the slow one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from import_support import (
    LOCATION_PROMPT,
    SECURITY_PROMPT,
    dump_store,
    flir_image,
    grounding,
    points_answer,
    sample,
    write_samples,
)
from irtd_annotator.imaging.probe import image_size, probe_file
from irtd_annotator.services.importing.files import ImportCancelled, ImportOptions, import_files
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.session import QueueFilter, ReviewSession
from irtd_annotator.services.search_index import build_search_index
from irtd_annotator.services.warnings_refresh import refresh_warnings

LLVIP_IMAGE = "/mnt/authors/Data4MLLM/LLVIP/infrared/test/{}.jpg"


def _search_ids(db: Path, needle: str) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute(
            "SELECT rowid FROM samples_fts WHERE samples_fts MATCH ? ORDER BY rowid",
            (f'"{needle}"',))]


def _like_ids(db: Path, needle: str) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute(
            "SELECT DISTINCT sample_id FROM turns WHERE text LIKE ? ORDER BY sample_id",
            (f"%{needle}%",))]


def _fts_state(db: Path) -> tuple[dict[str, Any], int]:
    """The index's stored settings and its number of segments."""
    with sqlite3.connect(db) as conn:
        settings = dict(conn.execute("SELECT k, v FROM samples_fts_config"
                                     " WHERE k IN ('automerge', 'crisismerge')"))
        (segments,) = conn.execute("SELECT count(DISTINCT segid) FROM samples_fts_idx").fetchone()
    return settings, segments


# ---------------------------------------------------------------- the search index


def test_a_first_import_builds_one_merged_index_and_restores_the_merge_settings(
        tmp_path: Path, irtd_files: Path) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, sorted(irtd_files.glob("*.json")), options=ImportOptions())
        build_search_index(project)
    settings, segments = _fts_state(db)
    assert settings == {"automerge": 4, "crisismerge": 16}  # FTS5's defaults, as before
    assert segments == 1  # merged once at the end: the fastest searches
    for needle in ("crocodile", "bounding box of the person", "(B) duck", "<ref>car</ref>"):
        assert _search_ids(db, needle) == _like_ids(db, needle), needle
    with sqlite3.connect(db) as conn:  # every Sample indexed, with its turns' current text
        assert conn.execute("SELECT count(*) FROM samples_fts").fetchone() == (40_200,)


def test_a_small_import_into_a_large_index_merges_as_fts5_would_and_keeps_user_settings(
        tmp_path: Path, irtd_files: Path) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, [irtd_files / "Location.json"], options=ImportOptions())
        build_search_index(project)
    with sqlite3.connect(db) as conn:  # a setting someone chose stays as it was
        conn.execute("INSERT INTO samples_fts(samples_fts, rank) VALUES ('automerge', 8)")
    small = write_samples(tmp_path / "Security.json", [
        sample(str(i), [flir_image(i)], SECURITY_PROMPT, "(A) scooter") for i in range(30)])
    with Project.open(db) as project:
        import_files(project, [small, irtd_files / "ReID.json"], options=ImportOptions())
        build_search_index(project)
    settings, segments = _fts_state(db)
    assert settings == {"automerge": 8, "crisismerge": 16}
    assert 1 <= segments < 16  # no level left for a forced merge on the next edit
    for needle in ("scooter", "Locate all", "the same person"):
        assert _search_ids(db, needle) == _like_ids(db, needle), needle


def test_a_re_imported_changed_sample_is_found_by_its_new_text_only(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    (tmp_path / "again").mkdir()
    first = write_samples(tmp_path / "Location.json", [
        sample(str(i), [flir_image(i)], LOCATION_PROMPT, points_answer((i, i))) for i in range(5)])
    changed = write_samples(tmp_path / "again" / "Location.json", [
        sample("3", [flir_image(3)], LOCATION_PROMPT, points_answer((7, 7), label="bicycle"))])
    with Project.open(db) as project:
        import_files(project, [first], options=ImportOptions())
        build_search_index(project)
        report = import_files(project, [changed], options=ImportOptions())
        ada = ReviewSession(project, annotator="Ada")
        for _ in range(2):  # its index row stale until the builder's turn (ADR 0024), and after
            assert ada.query_ids(QueueFilter(text="<ref>bicycle</ref>")) == _like_ids(
                db, "<ref>bicycle</ref>") != []
            assert ada.query_ids(QueueFilter(text="(3, 3)")) == []
            build_search_index(project)
    assert report.files[0].updated == 1
    assert _search_ids(db, "<ref>bicycle</ref>") == _like_ids(db, "<ref>bicycle</ref>") != []
    assert _search_ids(db, "(3, 3)") == _like_ids(db, "(3, 3)") == []


# ---------------------------------------------------------------- one transaction


def test_a_cancel_while_writing_a_later_file_leaves_the_store_as_it_was(
        tmp_path: Path, irtd_files: Path) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, [irtd_files / "ReID.json"], options=ImportOptions())
    before, index_before = dump_store(db), _fts_state(db)
    seen: list[str] = []

    def cancel() -> bool:  # the person presses Cancel while the second file is written
        return any(what.startswith("importing Security.json") for what in seen)

    with Project.open(db) as project, pytest.raises(ImportCancelled, match="rolled back"):
        import_files(project, [irtd_files / "Recognition.json", irtd_files / "Security.json"],
                     options=ImportOptions(), cancel=cancel,
                     progress=lambda done, total, what: seen.append(what))
    # the first file had been written
    assert "importing Recognition.json: 3,705 samples" in seen
    assert dump_store(db) == before
    assert _fts_state(db) == index_before  # the index and its merge settings too
    with Project.open(db) as project, project.engine.connect() as conn:
        # the pooled connection went back with its usual page cache
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000


# ---------------------------------------------------------------- warnings kept as written


def test_the_warnings_an_import_keeps_are_what_a_full_refresh_finds(
        tmp_path: Path, llvip_dir: Path, irtd_files: Path) -> None:
    """New Pairs' warnings come from what the import wrote, not read back; on a mixed project
    (source boxes, existing Pairs, missing images of a known size, a Sample written twice)
    reading everything back and refreshing must change nothing."""
    db = tmp_path / "p.db"
    llvip_names = ["190001", "190002", "190003", "190004", "190005"]
    (tmp_path / "again").mkdir()
    with Project.open(db) as project:
        import_source(project, "llvip", llvip_dir, annotator="Ada")
        location = write_samples(tmp_path / "Location.json", [
            # on LLVIP Pairs: existing Pairs with source boxes (points vs boxes)
            *[sample(f"L{n}", [LLVIP_IMAGE.format(n)], LOCATION_PROMPT.replace("car", "person"),
                     points_answer(*[(100 * k, 100) for k in range(1, 8)], label="person"))
              for n in llvip_names],
            # on new FLIR Pairs without images: outside the frame in 0-1000 (F2 is written
            # again below, inside: its first points must not count)
            sample("F1", [flir_image(1)], LOCATION_PROMPT, points_answer((1001, 5))),
            sample("F2", [flir_image(2)], LOCATION_PROMPT, points_answer((10, 1005))),
        ])
        detection = write_samples(tmp_path / "Detection.json", [
            grounding(1, 1, (600, 10, 660, 50)),  # FLIR frames are 640 wide: outside
            grounding(2, 2, (1, 2, 30, 40)),
        ], form="concat")
        security = write_samples(tmp_path / "Security.json", [
            # the person shown by Detection.json on the same FLIR image: a contradiction
            sample("0", [flir_image(1)], SECURITY_PROMPT.replace("scooter", "person"),
                   "(A) person"),
            sample("1", [LLVIP_IMAGE.format("190001")], SECURITY_PROMPT.replace(
                "scooter", "person"), "(A) person"),
        ])
        # the same Location ids again with other points: written twice in one import
        again = write_samples(tmp_path / "again" / "Location.json", [
            sample("F2", [flir_image(2)], LOCATION_PROMPT, points_answer((10, 5))),
            sample("F3", [flir_image(3)], LOCATION_PROMPT, points_answer((3, 3))),
        ])
        report = import_files(project, [security, location, detection, again],
                              options=ImportOptions(image_roots={"LLVIP": str(llvip_dir)}))
        assert report.files[-1].updated == 1
        assert {"outside-image", "points-vs-boxes", "security-contradiction"} <= set(
            report.warnings)
        with project.engine.connect() as conn:
            outside = conn.exec_driver_sql("SELECT id, outside FROM shapes ORDER BY id").all()
            assert refresh_warnings(conn) == set()
            assert conn.exec_driver_sql(
                "SELECT id, outside FROM shapes ORDER BY id").all() == outside
            conn.rollback()


def test_the_real_files_warnings_are_what_a_full_refresh_finds(tmp_path: Path,
                                                               irtd_files: Path) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        report = import_files(project, sorted(irtd_files.glob("*.json")), options=ImportOptions())
        assert report.warnings  # FLIR frames have a known size: some answers lie outside
        with project.engine.connect() as conn:
            assert refresh_warnings(conn) == set()
            conn.rollback()


# ---------------------------------------------------------------- image headers


def _jpeg_with_big_app1(source: Path, target: Path) -> None:
    """The same JPEG with a 20 KB APP1 segment before its frame header (as cameras write
    EXIF and thermal data): the size is then beyond the first bytes read."""
    data = source.read_bytes()
    payload = b"Exif\x00\x00" + bytes(20_000)
    target.write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
                       + data[2:])


def test_probe_file_says_what_isfile_and_image_size_say(tmp_path: Path, llvip_dir: Path) -> None:
    llvip = llvip_dir / "infrared" / "test" / "190002.jpg"
    files: dict[str, Path] = {"llvip.jpg": llvip}
    for name, pixels in (("a.png", np.zeros((30, 40, 3), np.uint8)),
                         ("b.tiff", np.zeros((512, 640), np.uint16)),
                         ("c.jpg", np.zeros((512, 640), np.uint8)),
                         ("d.bmp", np.zeros((7, 9), np.uint8))):
        assert cv2.imwrite(str(tmp_path / name), pixels)
        files[name] = tmp_path / name
    _jpeg_with_big_app1(llvip, tmp_path / "exif.jpg")
    for name, data in (("short.jpg", b"\xff\xd8\xff\xe0\x00\x01"), ("text.jpg", b"not an image"),
                       ("cut.jpg", llvip.read_bytes()[:100]), ("empty.jpg", b""),
                       ("garbage.jpg", b"\xff\xd8" + b"\x00garbage" + llvip.read_bytes()[2:])):
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.jpg").mkdir()
    (tmp_path / "link.jpg").symlink_to(llvip)
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    names = [*files, "exif.jpg", "short.jpg", "text.jpg", "cut.jpg", "empty.jpg", "garbage.jpg",
             "folder.jpg", "link.jpg", "dangling.jpg", "missing.jpg", "missing/x.jpg"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.jpg")  # must neither block nor count as a file
        names.append("fifo.jpg")
    for name in names:
        path = files.get(name, tmp_path / name)
        expected = (os.path.isfile(path), image_size(path) if os.path.isfile(path) else None)
        assert probe_file(str(path)) == expected, name
    assert probe_file(str(tmp_path / "exif.jpg")) == (True, (1280, 1024))
    assert probe_file(str(llvip)) == (True, (1280, 1024))


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="file permissions do not stop this user")
def test_probe_file_of_an_unreadable_file(tmp_path: Path, llvip_dir: Path) -> None:
    path = tmp_path / "locked.jpg"
    shutil.copy(llvip_dir / "infrared" / "test" / "190002.jpg", path)
    path.chmod(0)
    assert probe_file(str(path)) == (True, None) == (os.path.isfile(path), image_size(path))
