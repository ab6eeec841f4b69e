"""Real IR-TD samples for the editing tests: subsets of the released files imported with the
real importer, optionally with stand-in 640x512 infrared frames (the released annotations
come without their images; the FLIR ADAS v1 thermal previews are 640x512)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select

from export_support import read_release_file
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Sample, Turn

FLIR_SIZE = (640, 512)


def released(irtd_files: Path, name: str) -> dict[str, dict[str, Any]]:
    """The samples of one released file by id."""
    return {s["id"]: s for s in read_release_file(irtd_files / name)}


def answer_of(sample: dict[str, Any]) -> str:
    return sample["conversations"][-1]["value"]


def first_of_kind(samples: dict[str, dict[str, Any]], *, count: int,
                  test: Any = lambda s: True) -> list[dict[str, Any]]:
    """The first ``count`` samples (file order) that pass ``test``."""
    return [s for s in samples.values() if test(s)][:count]


def write_subset(folder: Path, name: str, samples: list[dict[str, Any]]) -> Path:
    """A release-like file ``name`` holding ``samples`` (the task comes from the name)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(samples, ensure_ascii=False), encoding="utf-8")
    return path


def stand_in_images(root: Path, samples: list[dict[str, Any]], *,
                    size: tuple[int, int] = FLIR_SIZE) -> Path:
    """Grey ``size`` JPEGs where the samples' infrared images would be under ``root``."""
    width, height = size
    frame = np.full((height, width), 90, np.uint8)
    cv2.rectangle(frame, (200, 150), (440, 360), 200, -1)
    for sample in samples:
        rel = sample["image"][0].split("Data4MLLM/", 1)[1]
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            assert cv2.imwrite(str(target), frame)
    return root


def import_subset(project: Project, folder: Path, files: dict[str, list[dict[str, Any]]], *,
                  image_root: Path | None = None) -> None:
    """Import the subsets with the real importer (image root for every source if given)."""
    paths = [write_subset(folder, name, samples) for name, samples in files.items()]
    roots = {"*": str(image_root)} if image_root is not None else {}
    import_files(project, paths, options=ImportOptions(image_roots=roots))


def sample_id(project: Project, task: str, original_id: str) -> int:
    with project.engine.connect() as conn:
        return int(conn.execute(select(Sample.id).where(
            Sample.task == task, Sample.original_id == original_id)).scalar_one())


def stored_answer(project: Project, sid: int) -> str:
    with project.engine.connect() as conn:
        return str(conn.execute(select(Turn.text).where(Turn.sample_id == sid, Turn.role == "gpt")
                                .order_by(Turn.idx.desc())).scalars().first())
