"""Benchmark: File > Image folders on the 40,200 real samples (issue 13).

    .venv/bin/python -m pytest tests/perf/test_perf_image_folders.py -s
    .venv/bin/python tests/perf/test_perf_image_folders.py

The 8 released files are imported into a temporary project (no image roots: every image is
"not found"), then ``apply_image_folders`` is timed three ways:

FIRST: one root for all sources, an existing folder without the images (every Pair gets new
paths: the most written). AGAIN: the same root once more (nothing changes: only looking).
ONE SOURCE: a root for 63-FLIR_ADAS alone (what "Locate..." does for the largest source).
Wall-clock and CPU seconds are printed; nothing is asserted on time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from irtd_annotator.services.image_folders import FoldersReport, apply_image_folders
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project

ROOT = Path(__file__).resolve().parents[2]
IRTD_FILES = ROOT.parent / "shared" / "data" / "irtd_json_sft"   # as tests/conftest.py


def timed(what: str, run: Callable[[], FoldersReport]) -> FoldersReport:
    wall, cpu = time.perf_counter(), time.process_time()
    report = run()
    print(f"{what:<12} {time.perf_counter() - wall:6.2f} s wall  "
          f"{time.process_time() - cpu:6.2f} s CPU  looked {report.looked:,}, "
          f"changed {report.changed:,}")
    return report


def bench() -> list[FoldersReport]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "irtd.db"
        empty = Path(tmp) / "images"
        (empty / "63-FLIR_ADAS").mkdir(parents=True)
        with Project.open(db) as project:
            import_files(project, sorted(IRTD_FILES.glob("*.json")), options=ImportOptions())
            reports = [
                timed("FIRST", lambda: apply_image_folders(project, roots={"*": str(empty)})),
                timed("AGAIN", lambda: apply_image_folders(project, roots={"*": str(empty)})),
                timed("ONE SOURCE", lambda: apply_image_folders(
                    project, roots={"63-FLIR_ADAS": str(empty / "63-FLIR_ADAS")},
                    sources=["63-FLIR_ADAS"])),
            ]
        print(reports[0].summary())
        return reports


def test_image_folders_on_the_real_samples() -> None:
    reports = bench()
    assert reports[0].looked == reports[1].looked > 0 and reports[1].changed == 0


if __name__ == "__main__":
    sys.exit(0 if bench() else 1)
