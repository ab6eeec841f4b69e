"""Helpers of the export tests: fill a store with SQLAlchemy Core, read release files back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

PREFIX = "/mnt/jixie16t/zhe/Dataset/Datasets/Data4MLLM/"


def add_pair(conn: Connection, rel_path: str, *, width: int | None = 640,
             height: int | None = 512) -> int:
    """A Pair named as IR-TD names it (source = the part before the first slash)."""
    existing = conn.execute(select(Pair.id).where(Pair.rel_path == rel_path)).scalar()
    if existing is not None:
        return int(existing)
    return int(conn.execute(insert(Pair).values(
        rel_path=rel_path, source=rel_path.split("/", 1)[0], ir_path=None, visible_path=None,
        ir_exists=False, visible_exists=False, width=width, height=height, aligned=True,
    )).inserted_primary_key[0])


def add_sample(conn: Connection, *, task: str, original_id: str, rel_path: str,
               turns: Sequence[tuple[str, str]], status: str = "approved",
               answer_space: str = "pixel", width: int | None = 640, height: int | None = 512,
               image: str | None = None, shapes: Iterable[dict[str, Any]] = (),
               updated_by: str | None = None, source_file: str = "test.json") -> int:
    """One Sample with its turns (original = text) and shapes, as an import leaves it."""
    pair_id = add_pair(conn, rel_path, width=width, height=height)
    sample_id = int(conn.execute(insert(Sample).values(
        task=task, original_id=original_id, source_file=source_file, pair_id=pair_id,
        image=image if image is not None else PREFIX + rel_path, image_as_list=True,
        answer_space=answer_space, status=status, edited=False, updated_by=updated_by,
    )).inserted_primary_key[0])
    conn.execute(insert(Turn), [
        {"sample_id": sample_id, "idx": i, "role": role, "original": text, "text": text}
        for i, (role, text) in enumerate(turns)])
    for i, shape in enumerate(shapes):
        conn.execute(insert(Shape).values(
            pair_id=pair_id, sample_id=sample_id, idx=i, label=shape.get("label", ""),
            kind=shape.get("kind", "box"), space=shape.get("space", "pixel"),
            x1=shape["x1"], y1=shape["y1"], x2=shape.get("x2"), y2=shape.get("y2"),
            outside=shape.get("outside", False)))
    return sample_id


def grounding(conn: Connection, original_id: str, box: tuple[int, int, int, int], *,
              frame: str = "FLIR_00001", **kwargs: Any) -> int:
    """A Grounding sample on a 640x512 FLIR image, with its box as a shape."""
    x1, y1, x2, y2 = box
    return add_sample(
        conn, task="Grounding", original_id=original_id,
        rel_path=f"63-FLIR_ADAS/training/PreviewData/{frame}.jpeg",
        turns=[("human", "<image>\nDetect the bounding box of the person located at the right "
                         "of the image."),
               ("gpt", f"The target bounding box is <box>[[{x1}, {y1}, {x2}, {y2}]]</box>.")],
        shapes=[{"kind": "box", "label": "person", "x1": x1, "y1": y1, "x2": x2, "y2": y2}],
        **kwargs)


def counting(conn: Connection, original_id: str, count: int, **kwargs: Any) -> int:
    """A Pedestrian Counting sample."""
    return add_sample(
        conn, task="Pedestrian Counting", original_id=original_id,
        rel_path=f"23-RGBTCrowdCounting/train/{original_id}_Grey.jpg",
        turns=[("human", "<image>\nCalculate the number of pedestrians in the picture."),
               ("gpt", f"<num>{count}</num>")], **kwargs)


def read_release_file(path: Path) -> list[dict[str, Any]]:
    """The samples of a release file: a JSON array, IR-TD's concatenated objects, or JSON Lines."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    stripped = text.strip()
    if stripped.startswith("["):
        return json.loads(stripped)
    # Detection.json: objects separated by commas, no brackets, a trailing comma
    return json.loads("[" + re.sub(r",\s*$", "", stripped) + "]")


CAPTION = ("A pedestrian walks along the sidewalk close to the parked cars. The warm engines of "
           "the cars appear bright against the cooler road surface. Street lamps stand at "
           "regular intervals along the pavement.")


def bulk_fill(conn: Connection, n: int, *, status: str = "approved") -> None:
    """``n`` Samples (Grounding and Caption, about 2.5 per image) inserted in bulk."""
    n_pairs = max(1, n * 2 // 5)
    conn.execute(insert(Pair), [
        {"id": i + 1, "rel_path": f"97-LLVIP/infrared/train/{i:06d}.jpg", "source": "97-LLVIP",
         "ir_path": None, "visible_path": None, "ir_exists": False, "visible_exists": False,
         "width": 1280, "height": 1024, "aligned": True} for i in range(n_pairs)])
    samples, turns = [], []
    for i in range(n):
        task = "Caption" if i % 2 else "Grounding"
        pair = i % n_pairs + 1
        samples.append({
            "id": i + 1, "task": task, "original_id": str(i), "source_file": "bulk.json",
            "pair_id": pair, "image": f"{PREFIX}97-LLVIP/infrared/train/{pair - 1:06d}.jpg",
            "image_as_list": True, "answer_space": "pixel", "status": status, "edited": False})
        if task == "Caption":
            qa = ("<image>\nDescribe this picture in detail.", f"{CAPTION} ({i})")
        else:
            qa = ("<image>\nDetect the bounding box of the person located at the left of the "
                  "image.", f"The target bounding box is <box>[[{i % 900}, 10, 1000, 200]]</box>.")
        turns += [{"sample_id": i + 1, "idx": k, "role": role, "original": text, "text": text}
                  for k, (role, text) in enumerate(zip(("human", "gpt"), qa))]
    conn.execute(insert(Sample), samples)
    conn.execute(insert(Turn), turns)
