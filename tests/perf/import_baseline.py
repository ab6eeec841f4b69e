"""The baseline of the import benchmarks (issue 6): a plain ``sqlite3.executemany`` of the same
rows after ``json.load``.

``json.load`` of the same files (Detection.json's concatenated objects wrapped into an array),
the rows our importer writes built with a few regular expressions, and plain ``sqlite3``
``executemany`` in one transaction into an empty store made by the migrations up to 0002: the
tables alone, without the search index, the tally, the later indexes or any trigger. Used by
``bench_scale.py`` (260,000 generated samples) and ``test_perf_import.py`` (the 40,200 real
ones, where the rows are also compared with the importer's).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from irtd_annotator.domain.tasks import task_from_file_name
from irtd_annotator.store.engine import open_store

BASELINE_SCHEMA = "0002"
MARKER = "Data4MLLM/"
# The pairing presets the data sets need: (source key, pattern, replacement, aligned).
VISIBLE_RULES = (
    ("rgbtcrowdcounting", re.compile(r"_Grey(\.jpe?g)$"), r"_RGB\1", True),
    ("llvip", re.compile(r"(?<![^/])infrared/"), "visible/", True),
    ("flir", re.compile(r"(?<![^/])PreviewData/(FLIR_\d+)\.jpe?g$"), r"RGB/\1.jpg", False),
)
BOX = re.compile(r"<box>\[\[(.*?)\]\]</box>")
LABEL = re.compile(r"bounding box of the (?:nearest )?(\w+)", re.I)
REF = re.compile(r"<ref>(.*?)</ref>")
POINT = re.compile(r"\((-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)\)")
NUM = re.compile(r"<num>(\d+)</num>")
OPTION = re.compile(r"\(([A-Z])\)")
OPTION_TASKS = ("Recognition", "Security", "Scene")
Timing = tuple[float, float]  # wall-clock and CPU seconds


def load_objects(path: Path) -> list[dict[str, Any]]:
    """``json.loads`` of one file; Detection.json's concatenated objects become an array."""
    text = path.read_text(encoding="utf-8")
    if not text.lstrip().startswith("["):
        text = "[" + text.rstrip().rstrip(",") + "]"
    return json.loads(text)


def _visible(rel: str, source: str) -> tuple[str | None, bool]:
    lowered = source.lower()
    for key, pattern, replacement, aligned in VISIBLE_RULES:
        if key in lowered:
            visible, found = pattern.subn(replacement, rel, count=1)
            return (visible, aligned) if found else (None, aligned)
    return None, True


Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]],
             list[tuple[Any, ...]]]  # pairs, samples, turns, shapes


def run_baseline(files: Sequence[Path], db: Path, *, image_root: Path | None = None,
                 image_size: tuple[int, int] | None = None) -> Timing:
    """Seconds (wall clock, CPU) of the baseline into the new store ``db``.

    ``image_root``: the folder holding the ``<index>-<Source>`` folders, every image there
    and ``image_size`` big (the generated data set); None: no image is found and image paths
    stay as the files name them (the real files without their images).
    """
    open_store(db, upgrade_to=BASELINE_SCHEMA).dispose()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA journal_mode=WAL")
    start = time.perf_counter(), time.process_time()
    insert_rows(conn, baseline_rows(files, image_root=image_root, image_size=image_size))
    elapsed = time.perf_counter() - start[0], time.process_time() - start[1]
    conn.close()
    return elapsed


def baseline_rows(files: Sequence[Path], *, image_root: Path | None = None,
                  image_size: tuple[int, int] | None = None) -> Rows:
    """``json.load`` of ``files`` and the rows our importer writes, built with a few regular
    expressions (``run_baseline`` says what ``image_root`` and ``image_size`` are)."""
    root = f"{image_root}/" if image_root is not None else None
    found = 1 if root is not None else 0
    width, height = image_size if image_size is not None else (None, None)
    pairs: dict[str, int] = {}
    pair_rows: list[tuple[Any, ...]] = []
    sample_rows: list[tuple[Any, ...]] = []
    turn_rows: list[tuple[Any, ...]] = []
    shape_rows: list[tuple[Any, ...]] = []
    for path in files:
        task = task_from_file_name(path.name)
        assert task is not None, path
        task_name = task.value
        for obj in load_objects(path):
            image = obj["image"]
            as_list = isinstance(image, list)
            image = image[0] if as_list else image
            prefix, rel = image.split(MARKER, 1)
            pair_id = pairs.get(rel)
            if pair_id is None:
                pair_id = pairs[rel] = len(pairs) + 1
                source = rel.split("/", 1)[0]
                visible, aligned = _visible(rel, source)
                base = root if root is not None else prefix + MARKER
                pair_rows.append((pair_id, rel, source, base + rel,
                                  base + visible if visible else None, found,
                                  found if visible else 0, width, height, int(aligned)))
            sample_id = len(sample_rows) + 1
            conv = obj["conversations"]
            prompt, answer = conv[0]["value"], conv[1]["value"]
            count = options = None
            space = "norm1000" if task_name == "Location" else "pixel"
            if task_name == "Grounding":
                x1, y1, x2, y2 = (float(v) for v in BOX.search(answer).group(1).split(","))
                outside = width is not None and (x1 < 0 or y1 < 0 or x2 > width or y2 > height)
                shape_rows.append((pair_id, sample_id, "box", 0, LABEL.search(prompt).group(1),
                                   "pixel", x1, y1, x2, y2, int(outside)))
            elif task_name == "Location":
                label = REF.search(answer).group(1)
                for idx, (x, y) in enumerate(POINT.findall(answer)):
                    fx, fy = float(x), float(y)
                    outside = fx < 0 or fy < 0 or fx > 1000 or fy > 1000
                    if width is None:
                        shape_rows.append((pair_id, sample_id, "point", idx, label, "norm1000",
                                           fx, fy, None, None, int(outside)))
                    else:
                        shape_rows.append((pair_id, sample_id, "point", idx, label, "pixel",
                                           fx * (width / 1000.0), fy * (height / 1000.0), None,
                                           None, int(outside)))
            elif task_name in ("Aerial Counting", "Pedestrian Counting"):
                count = int(NUM.search(answer).group(1))
            elif task_name in OPTION_TASKS:
                options = "".join(OPTION.findall(answer))
            elif task_name == "Re-ID":
                options = answer.strip()
            sample_rows.append((sample_id, task_name, obj["id"], path.name, pair_id, image,
                                int(as_list), space, "pending", 0, count, options, None))
            for idx, turn in enumerate(conv):
                turn_rows.append((sample_id, idx, turn["from"], turn["value"], turn["value"]))
    return pair_rows, sample_rows, turn_rows, shape_rows


def insert_rows(conn: sqlite3.Connection, rows: Rows) -> None:
    """Plain ``executemany`` of ``rows`` (``baseline_rows``) in one transaction."""
    pair_rows, sample_rows, turn_rows, shape_rows = rows
    with conn:
        conn.executemany(
            "INSERT INTO pairs (id, rel_path, source, ir_path, visible_path, ir_exists,"
            " visible_exists, width, height, aligned) VALUES (?,?,?,?,?,?,?,?,?,?)", pair_rows)
        conn.executemany(
            "INSERT INTO samples (id, task, original_id, source_file, pair_id, image,"
            " image_as_list, answer_space, status, edited, count, options, warnings)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", sample_rows)
        conn.executemany("INSERT INTO turns (sample_id, idx, role, original, text)"
                         " VALUES (?,?,?,?,?)", turn_rows)
        conn.executemany(
            "INSERT INTO shapes (pair_id, sample_id, kind, idx, label, space, x1, y1, x2, y2,"
            " outside) VALUES (?,?,?,?,?,?,?,?,?,?,?)", shape_rows)
