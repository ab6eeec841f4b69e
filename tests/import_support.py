"""Helpers of the import tests: small IR-TD-shaped files and a dump of a whole store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

PREFIX = "/mnt/authors/Datasets/Data4MLLM/"
GROUNDING_PROMPT = "<image>\nDetect the bounding box of the person located at the right of the image."
LOCATION_PROMPT = "<image>\n Locate all car from left to right."
SECURITY_PROMPT = "<image>\nWhat object does not appear in the picture?\n(A) scooter (B) motor (C) car (D) hydrant"


def flir_image(n: int) -> str:
    return f"{PREFIX}63-FLIR_ADAS/training/PreviewData/FLIR_{n:05d}.jpeg"


def box_answer(x1: int, y1: int, x2: int, y2: int) -> str:
    return f"The target bounding box is <box>[[{x1}, {y1}, {x2}, {y2}]]</box>."


def points_answer(*points: tuple[int, int], label: str = "car") -> str:
    inner = ", ".join(f"({x}, {y})" for x, y in points)
    return f"<ref>{label}</ref> at <pos>[{inner}]</pos>"


def sample(sample_id: Any, image: Any, *turns: str) -> dict[str, Any]:
    """A sample dict; ``image`` as given (a string, or a list), turns alternate human/gpt."""
    roles = ("human", "gpt")
    return {"id": sample_id, "image": image,
            "conversations": [{"from": roles[i % 2], "value": t} for i, t in enumerate(turns)]}


def grounding(sample_id: int, n: int, box: tuple[int, int, int, int]) -> dict[str, Any]:
    return sample(str(sample_id), [flir_image(n)], GROUNDING_PROMPT, box_answer(*box))


def write_samples(path: Path, samples: list[dict[str, Any]], *, form: str = "array") -> Path:
    """Write ``samples`` as a pretty JSON array, JSON Lines, or Detection.json's
    concatenated objects with a trailing comma."""
    if form == "array":
        text = json.dumps(samples, indent=4)
    elif form == "jsonl":
        text = "".join(json.dumps(s) + "\n" for s in samples)
    elif form == "concat":
        text = "".join(json.dumps(s, indent=4) + ",\n" for s in samples)
    else:
        raise ValueError(form)
    path.write_text(text, encoding="utf-8")
    return path


def dump_store(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare a store before and after."""
    with sqlite3.connect(db) as conn:
        tables = [(name, sql) for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name")
            if not name.startswith(("turns_fts", "samples_fts"))]  # the search index
        # a WITHOUT ROWID table (the tally) has no rowid; it is read in primary-key order
        return {t: conn.execute(f'SELECT * FROM "{t}"' + (
            "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid")).fetchall()
            for t, sql in tables}


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()
