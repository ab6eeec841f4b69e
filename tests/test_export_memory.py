"""An export streams: its memory peak does not grow with the number of Samples."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from export_support import bulk_fill
from irtd_annotator.services.project import Project
from irtd_annotator.services.release import export as export_service
from irtd_annotator.services.release import query as export_query
from irtd_annotator.services.release.export import export_release
from irtd_annotator.store import releases


def _peak(tmp_path: Path, n: int) -> int:
    with Project.open(tmp_path / f"p{n}.db") as project:
        with project.engine.begin() as conn:
            bulk_fill(conn, n)
        export_release(project, tmp_path / f"warm-up{n}")  # caches, imports
        gc.collect()
        tracemalloc.start()
        try:
            report = export_release(project, tmp_path / f"r{n}")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert report.sample_count == n
    return peak


def test_memory_peak_does_not_grow_with_the_samples(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Small chunks so that N already spans many of them; the default sizes behave the same at
    # 40,000 samples (tests/perf/test_perf_export.py).
    monkeypatch.setattr(export_query, "CHUNK", 100)
    monkeypatch.setattr(export_service, "REPORT_CHUNK", 250)
    monkeypatch.setattr(releases, "_BATCH", 100)
    small = _peak(tmp_path, 1_000)
    large = _peak(tmp_path, 4_000)
    print(f"tracemalloc peak: {small / 1e6:.2f} MB for 1,000 samples, "
          f"{large / 1e6:.2f} MB for 4,000 (x{large / small:.2f})")
    # Holding the samples (or their digests) would make it about 4x.
    assert large < 1.5 * small
