"""Benchmark: the import against the floor of issue 16, time and peak memory, in one run.

    .venv/bin/python -m tests.perf.bench_import [--samples 26000 260000] [--keep DIR]

FLOOR: ``json.load`` of each file, the rows our importer writes built with a few regular
expressions (``import_baseline.baseline_rows``), and plain ``sqlite3`` ``executemany`` in one
transaction into a minimal schema: pairs, samples, turns and shapes with their primary keys
and nothing else (no index, trigger, tally or search index). IMPORT: ``irtd-annotator import``
of the same files into a new project. Both run as child processes, each under a small
wrapper that reports the wall-clock seconds of its one child and that child's peak resident
memory (``resource.getrusage(RUSAGE_CHILDREN)``: the high-water mark of the waited-for child),
so interpreter start-up counts on both sides. The data is ``tests/perf/generate.py``'s (kept
in ``DIR/<samples>`` with ``--keep``, else in a temporary folder). Prints the ratio of the
import to the floor and the load average of the run; asserts nothing (timings are noisy on a
shared machine). ``measure(files, images, work)`` gives the same figures to other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: the tests package must be importable
    sys.path.insert(0, str(ROOT))

from tests.perf.generate import FILES, generate  # noqa: E402
from tests.perf.import_baseline import baseline_rows, insert_rows  # noqa: E402

PYTHON = sys.executable
IMAGE_SIZE = (1280, 1024)  # every generated image is one of the real LLVIP pairs
# The minimal schema of the floor: the four tables the import fills, primary keys only.
FLOOR_SCHEMA = (
    "CREATE TABLE pairs (id INTEGER PRIMARY KEY, rel_path TEXT, source TEXT, ir_path TEXT,"
    " visible_path TEXT, ir_exists INTEGER, visible_exists INTEGER, width INTEGER,"
    " height INTEGER, aligned INTEGER)",
    "CREATE TABLE samples (id INTEGER PRIMARY KEY, task TEXT, original_id TEXT,"
    " source_file TEXT, pair_id INTEGER, image TEXT, image_as_list INTEGER, answer_space TEXT,"
    " status TEXT, edited INTEGER, count INTEGER, options TEXT, warnings TEXT)",
    "CREATE TABLE turns (sample_id INTEGER, idx INTEGER, role TEXT, original TEXT, text TEXT,"
    " PRIMARY KEY (sample_id, idx))",
    "CREATE TABLE shapes (id INTEGER PRIMARY KEY, pair_id INTEGER, sample_id INTEGER,"
    " kind TEXT, idx INTEGER, label TEXT, space TEXT, x1 REAL, y1 REAL, x2 REAL, y2 REAL,"
    " outside INTEGER)",
)
# Runs the command in argv[1:] as its one child: prints its seconds and peak RSS (KiB).
_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "seconds = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps({'seconds': seconds, 'peak_kib': peak, 'code': done.returncode,"
    " 'out': done.stdout[-2000:], 'err': done.stderr[-2000:]}))\n"
)


@dataclass(frozen=True)
class Run:
    """One measured child process: wall-clock seconds and peak resident memory."""

    seconds: float
    peak_mib: float


def run_floor(files: list[Path], db: Path, images: Path) -> None:
    """The floor, in this process: rows from ``json.load`` into the minimal schema ``db``."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA journal_mode=WAL")
    for statement in FLOOR_SCHEMA:
        conn.execute(statement)
    insert_rows(conn, baseline_rows(files, image_root=images / "Data4MLLM",
                                    image_size=IMAGE_SIZE))
    conn.close()


def measured(cmd: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Seconds and peak memory of ``cmd`` run as the one child of a wrapper process."""
    done = subprocess.run([PYTHON, "-c", _WRAPPER, *cmd], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=True)
    figures = json.loads(done.stdout)
    if figures["code"] != 0:
        raise SystemExit(f"{cmd[:4]} failed:\n{figures['out']}\n{figures['err']}")
    return Run(figures["seconds"], figures["peak_kib"] / 1024)


def child_env(work: Path) -> dict[str, str]:
    """The environment of a benchmark's child process: offscreen, its own settings folders
    under ``work``, this checkout importable."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               IRTD_ANNOTATOR_CONFIG_DIR=str(work / "config"),
               IRTD_ANNOTATOR_DATA_DIR=str(work / "appdata"))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def measure(files: list[Path], images: Path, work: Path, *, tag: str = "") -> tuple[Run, Run]:
    """(floor, import) of ``files`` (images under ``images``), each into a new store in
    ``work``, floor first, in this run."""
    env = child_env(work)
    floor_db, import_db = work / f"floor{tag}.db", work / f"import{tag}.db"
    for db in (floor_db, import_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    floor = measured([PYTHON, "-m", "tests.perf.bench_import", "--floor-child",
                      "--db", str(floor_db), "--images", str(images), *map(str, files)],
                     env=env)
    imported = measured([PYTHON, "-m", "irtd_annotator.cli", "import", *map(str, files),
                         "--db", str(import_db), "--image-root", str(images / "Data4MLLM"),
                         "--quiet", "--annotator", "bench"], env=env)
    return floor, imported


def dataset(folder: Path, samples: int) -> list[Path]:
    """The generated JSON files of ``samples`` samples in ``folder`` (made unless there)."""
    files = [folder / "json" / name for name in FILES.values()]
    stamp = folder / "samples.txt"
    if not (stamp.is_file() and stamp.read_text().strip() == str(samples)
            and all(f.is_file() for f in files)):
        start = time.perf_counter()
        files = generate(folder, samples=samples)
        stamp.write_text(str(samples))
        print(f"generated {samples:,} samples in {time.perf_counter() - start:.0f} s",
              flush=True)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[26_000, 260_000])
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) DIR/<samples>")
    parser.add_argument("--floor-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--images", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", type=Path, nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_child:
        run_floor(args.files, args.db, args.images)
        return 0
    with tempfile.TemporaryDirectory(prefix="irtd-bench-import-") as tmp:
        base = args.keep or Path(tmp)
        print(f"{'samples':>10} {'floor s':>8} {'import s':>9} {'ratio':>6} "
              f"{'floor MiB':>10} {'import MiB':>11}  load")
        for samples in args.samples:
            folder = base / str(samples)
            files = dataset(folder, samples)
            work = Path(tmp) / f"work{samples}"
            work.mkdir()
            floor, imported = measure(files, folder / "images", work)
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            print(f"{samples:>10,} {floor.seconds:>8.1f} {imported.seconds:>9.1f} "
                  f"{imported.seconds / floor.seconds:>5.2f}x {floor.peak_mib:>10,.0f} "
                  f"{imported.peak_mib:>11,.0f}  {load}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
