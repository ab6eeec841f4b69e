"""Benchmark: the import without its search index, and the index built after it (ADR 0024).

    .venv/bin/python -m tests.perf.bench_index [--samples 260000] [--keep DIR]

On the IR-TD-shaped data of ``bench_scale`` (generated once, kept in DIR with ``--keep``):

- IMPORT, before/after: ``irtd-annotator import`` as a subprocess into a new project, as the
  import was (the index built and merged in its transaction: ``bulk_indexing`` forced to
  ``deferred=False``) and as it is (the Samples listed in the backlog), in the same run;
- BUILD: ``irtd-annotator index`` as a subprocess on the new project: its own line (total
  time, transactions, the longest of them);
- DURING THE BUILD, in this process: a search for a common and a rare word, and a reviewer's
  write (a status set and set back, each its own transaction, as the window writes), again
  and again until the builder ends: their times, the write's longest wait included;
- AFTER: the same searches with the index ready (the baseline of the searches above).

Prints the load average (os.getloadavg) at the start and the end: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))

from tests.perf.bench_scale import PYTHON, _env, dataset  # noqa: E402

# The import as it was: the same code with the index built in its transaction.
_BEFORE = ("import sys; from irtd_annotator.services.importing import files;"
           " from irtd_annotator.store import search; real = search.bulk_indexing;"
           " files.bulk_indexing = lambda conn, deferred=False: real(conn, deferred=False);"
           " from irtd_annotator.cli import main; sys.exit(main(sys.argv[1:]))")
_AFTER = "import sys; from irtd_annotator.cli import main; sys.exit(main(sys.argv[1:]))"
SEARCHES = {"common word 'car'": "car", "rare words 'warm engines'": "warm engines"}


def run_import(script: str, files: list[Path], db: Path, images: Path, work: Path) -> float:
    cmd = [PYTHON, "-c", script, "import", *map(str, files), "--db", str(db),
           "--image-root", str(images / "Data4MLLM"), "--quiet", "--annotator", "bench"]
    env = dict(_env(work), IRTD_ANNOTATOR_BACKGROUND_INDEX="off")  # built below, timed
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def searches(session: object, rounds: int = 1) -> dict[str, list[float]]:
    from irtd_annotator.services.review.session import QueueFilter, ReviewSession

    assert isinstance(session, ReviewSession)
    out: dict[str, list[float]] = {}
    for name, needle in SEARCHES.items():
        for _ in range(rounds):
            start = time.perf_counter()
            session.query_ids(QueueFilter(text=needle))
            out.setdefault(name, []).append(time.perf_counter() - start)
    return out


def during_build(db: Path, work: Path) -> tuple[str, dict[str, list[float]], list[float]]:
    """The builder's line, the searches' and the reviewer writes' times while it ran."""
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.review.session import ReviewSession

    builder = subprocess.Popen([PYTHON, "-m", "irtd_annotator.cli", "index", "--db", str(db)],
                               env=_env(work), stdout=subprocess.PIPE, text=True, cwd=ROOT)
    found: dict[str, list[float]] = {}
    writes: list[float] = []
    with Project.open(db, create=False) as project:
        session = ReviewSession(project, annotator="bench")
        while builder.poll() is None:
            for name, times in searches(session).items():
                found.setdefault(name, []).extend(times)
            for status in ("flagged", "pending"):
                start = time.perf_counter()
                session.set_status(1, status)
                writes.append(time.perf_counter() - start)
    out, _ = builder.communicate(timeout=600)
    return out.strip(), found, writes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--skip-before", action="store_true",
                        help="leave out the import as it was (its figure was taken already)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        files = dataset(folder, args.samples)
        work = Path(tmp)
        print(f"load average at the start: {os.getloadavg()}", flush=True)
        before_db, after_db = work / "before.db", work / "after.db"
        before = 0.0 if args.skip_before else run_import(
            _BEFORE, files, before_db, folder / "images", work)
        print(f"import, index built inside (before): {before:.1f} s", flush=True)
        after = run_import(_AFTER, files, after_db, folder / "images", work)
        print(f"import, index left to the builder (after): {after:.1f} s"
              f" ({after / max(before, 1e-9):.2f}x before)", flush=True)
        line, during, writes = during_build(after_db, work)
        print(f"builder: {line}", flush=True)
        from irtd_annotator.services.project import Project
        from irtd_annotator.services.review.session import ReviewSession

        with Project.open(after_db, create=False) as project:
            session = ReviewSession(project, annotator="bench")
            ready = searches(session, rounds=3)
            idle = []  # the same writes with no builder: their baseline
            for status in ("flagged", "pending") * 10:
                start = time.perf_counter()
                session.set_status(1, status)
                idle.append(time.perf_counter() - start)
        for name, times in during.items():
            median, base = statistics.median(times), statistics.median(ready[name])
            print(f"search {name}: during the build median {median * 1000:.0f} ms"
                  f" (max {max(times) * 1000:.0f}, {len(times)} searches), index ready"
                  f" {base * 1000:.0f} ms ({median / base:.1f}x)", flush=True)
        print(f"reviewer write during the build: median {statistics.median(writes) * 1000:.0f}"
              f" ms, longest {max(writes) * 1000:.0f} ms ({len(writes)} writes); with no"
              f" builder: median {statistics.median(idle) * 1000:.0f} ms, longest"
              f" {max(idle) * 1000:.0f} ms", flush=True)
        print(f"load average at the end: {os.getloadavg()}", flush=True)
        for db in (before_db, after_db):
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
