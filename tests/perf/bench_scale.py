"""Benchmark: the whole of IR-TD (260,000 samples), every step a reviewer waits for.

    .venv/bin/python -m tests.perf.bench_scale [--samples 260000] [--keep DIR] [--rounds 5]

Generates an IR-TD-shaped dataset once (``tests/perf/generate.py``; kept in DIR and reused
when ``--keep`` is given, else in a temporary folder), then measures and prints one table:
each figure, its goal, the baseline measured in the same run on the same data, the ratio and
PASS/MISS. Not part of the default test run (it takes ~10 minutes on 2 cores).

IMPORT: ``irtd-annotator import`` as a subprocess into a new project (interpreter start-up
included). Baseline: ``json.load`` of the same files, the same rows built with a few regular
expressions, plain ``sqlite3`` ``executemany`` in one transaction into an empty schema made by
the migrations up to 0002 (the tables alone: no search index, none of 0003's indexes).
OPEN: ``python -m irtd_annotator.app PROJECT`` offscreen as a subprocess with
IRTD_ANNOTATOR_REPORT_STARTUP=quit: seconds after the start-up imports until the first sample
is painted (the window's own report). FILTER / SEARCH: in this process, what the queue does
when its filter changes: ``QueueModel.set_filter`` (the count and the first window of ids, or
for a search in id order its first window, its count left to a worker thread: issue 16; a
model reset), its first page of rows, and the progress count (a search's: "counting…");
"(count arrives)" rows time a search until its count is in; "then End" also reads the last
window and page, as pressing End in the queue does.
Baselines: plain ``sqlite3`` of all the matching ids (filter) and the ``LIKE`` scan the store
used before its FTS5 index (search).
NEXT PAIR, APPROVE, MEMORY: ``tests/perf/bench_window.py`` in a subprocess on the project.
EXPORT: ``export_release`` of all samples, approved first; baseline ``json.dump(indent=4)`` of
the ``json.load``-ed objects of the same files.
POSTGRESQL: with ``--db URL`` (or IRTD_BENCH_DATABASE_URL) the import and the filter and
search figures are measured on that PostgreSQL database too, in the same run, as rows marked
"PostgreSQL" (``tests/perf/bench_postgres.py``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script path
    sys.path.insert(0, str(ROOT))

from tests.perf import bench_postgres  # noqa: E402
from tests.perf.bench_import import child_env as _env  # noqa: E402
from tests.perf.generate import FILES, generate  # noqa: E402
from tests.perf.import_baseline import run_baseline  # noqa: E402

PYTHON = sys.executable
Row = tuple[str, str, float | None, str, float | None, str]  # what, figure, goal...
Add = Callable[[str, str, str, str, str, "bool | None"], None]  # one row of the table
IMAGE_SIZE = (1280, 1024)  # every generated image is one of the real LLVIP pairs


# ---- data -------------------------------------------------------------------------------------

def dataset(folder: Path, samples: int) -> list[Path]:
    """The generated JSON files in ``folder`` (made now unless they are there for ``samples``)."""
    stamp = folder / "samples.txt"
    files = [folder / "json" / name for name in FILES.values()]
    if stamp.is_file() and stamp.read_text().strip() == str(samples) and all(
            f.is_file() for f in files):
        return files
    start = time.perf_counter()
    files = generate(folder, samples=samples)
    stamp.write_text(str(samples))
    print(f"generated {samples:,} samples in {time.perf_counter() - start:.0f} s", flush=True)
    return files


def load_objects(files: list[Path]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not text.lstrip().startswith("["):  # Detection.json: concatenated objects
            text = "[" + text.rstrip().rstrip(",") + "]"
        out[path.name] = json.loads(text)
    return out


# ---- import -----------------------------------------------------------------------------------

def run_import(files: list[Path], db: Path | str, images: Path, work: Path) -> float:
    """Seconds of ``irtd-annotator import`` (as a subprocess) into the new project ``db`` (a
    file, or the URL of an empty database)."""
    cmd = [PYTHON, "-m", "irtd_annotator.cli", "import", *map(str, files), "--db", str(db),
           "--image-root", str(images / "Data4MLLM"), "--quiet", "--annotator", "bench"]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=_env(work), capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def run_import_baseline(files: list[Path], db: Path, images: Path) -> float:
    """Seconds for json.load + the same rows + plain executemany into a 0002 schema
    (``tests/perf/import_baseline.py``, shared with test_perf_import.py)."""
    return run_baseline(files, db, image_root=images / "Data4MLLM", image_size=IMAGE_SIZE)[0]


# ---- open -------------------------------------------------------------------------------------

def run_open(db: Path, work: Path) -> tuple[float, float]:
    """(seconds the window reports until the first sample, seconds of the whole process)."""
    cmd = [PYTHON, "-m", "irtd_annotator.app", str(db), "--annotator", "bench"]
    env = _env(work)
    env["IRTD_ANNOTATOR_REPORT_STARTUP"] = "quit"
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
    total = time.perf_counter() - start
    found = re.search(r"startup: ([\d.]+) s until first sample shown", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"the window did not report its start-up:\n{done.stderr}")
    return float(found.group(1)), total


# ---- filter and search ------------------------------------------------------------------------

def timed(fn: Callable[[], object], rounds: int,
          between: Callable[[], object] | None = None) -> list[float]:
    out = []
    for _ in range(rounds):
        if between is not None:  # outside the time: what the last round left running
            between()
        gc.collect()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run_queue(db: Path | str, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per filter: (times of set_filter + first page + progress count, plain-sqlite3 baseline,
    or plain psycopg on a PostgreSQL URL)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from irtd_annotator.services.project import Project
    from irtd_annotator.services.review.session import QueueFilter, ReviewSession
    from irtd_annotator.ui.queue.model import QueueModel

    app = QApplication.instance() or QApplication([])
    assert app is not None
    raw: Any = bench_postgres.Baseline(db) if isinstance(db, str) else sqlite3.connect(db)
    filters: dict[str, tuple[QueueFilter, str, tuple[object, ...]]] = {
        "filter: task": (QueueFilter(tasks=("Grounding",)),
                         "SELECT id FROM samples WHERE task = ? ORDER BY id", ("Grounding",)),
        "filter: status": (QueueFilter(statuses=("pending",)),
                           "SELECT id FROM samples WHERE status = ? ORDER BY id", ("pending",)),
        "filter: source": (QueueFilter(sources=("97-LLVIP",)),
                           "SELECT s.id FROM samples s JOIN pairs p ON p.id = s.pair_id"
                           " WHERE p.source = ? ORDER BY s.id", ("97-LLVIP",)),
        "filter: status, then End (last row)": (
            QueueFilter(statuses=("pending",)),
            "SELECT id FROM samples WHERE status = ? ORDER BY id", ("pending",)),
        "filter: task+status+source": (
            QueueFilter(tasks=("Location",), statuses=("pending",), sources=("97-LLVIP",)),
            "SELECT s.id FROM samples s JOIN pairs p ON p.id = s.pair_id WHERE s.task = ?"
            " AND s.status = ? AND p.source = ? ORDER BY s.id", ("Location", "pending", "97-LLVIP")),
        "search: 'bicycle'": (QueueFilter(text="bicycle"), "", ("bicycle",)),
        "search: 'warm engines'": (QueueFilter(text="warm engines"), "", ("warm engines",)),
        "search: task + 'parked'": (QueueFilter(tasks=("Caption",), text="parked"), "",
                                   ("parked",)),
    }
    out: dict[str, tuple[list[float], list[float]]] = {}
    with Project.open(db, create=False) as project:
        session = ReviewSession(project, annotator="bench")
        model = QueueModel(session)
        model.set_filter(QueueFilter())
        for name, (flt, sql, params) in filters.items():
            def apply(flt: QueueFilter = flt, end: bool = "End" in name) -> None:
                model.set_filter(flt, force=True)
                model.row_at(0)
                if not model.counting:  # a search's count: on a worker thread (issue 16)
                    session.counts(flt)
                if end:  # the id window and the rows at the far end of the queue
                    model.row_at(model.rowCount() - 1)

            def counted(flt: QueueFilter = flt) -> None:
                """A search until its count arrived (the progress line's "N of M")."""
                model.set_filter(flt, force=True)
                model.wait_for_count()
                QCoreApplication.processEvents()  # the count delivered to the model
                session.counts(flt)

            def settle() -> None:
                model.wait_for_count()
                QCoreApplication.processEvents()

            if not sql:  # the LIKE scan over every turn, as before the FTS5 index
                sql = ("SELECT s.id FROM samples s WHERE EXISTS (SELECT 1 FROM turns t WHERE"
                       " t.sample_id = s.id AND t.text LIKE ?)"
                       + (" AND s.task = 'Caption'" if flt.tasks else "") + " ORDER BY s.id")
                params = (f"%{params[0]}%",)

            def baseline(sql: str = sql, params: tuple[object, ...] = params) -> None:
                raw.execute(sql, params).fetchall()

            apply()  # warm the page cache
            out[name] = (timed(apply, rounds, settle), timed(baseline, rounds))
            if name.startswith("search"):
                out[f"{name} (count arrives)"] = (timed(counted, rounds, settle),
                                                  out[name][1])
            print(f"  {name}: {model.rowCount():,} samples", flush=True)
    raw.close()
    return out


def add_queue_rows(figures: dict[str, tuple[list[float], list[float]]], add: Add, store: str,
                   kinds: tuple[str, str]) -> None:
    """One table row per filter: the median against its goal and its baseline's median."""
    for name, (times, base) in figures.items():
        ms, base_ms = statistics.median(times) * 1000, statistics.median(base) * 1000
        goal = 50.0 if name.startswith("filter") else 100.0
        kind = kinds[0] if name.startswith("filter") else kinds[1]
        later = name.endswith("(count arrives)")  # off the GUI thread: no goal
        add(store + name, f"{ms:.1f} ms", "" if later else f"<= {goal:.0f} ms",
            f"{base_ms:.1f} ms ({kind})", f"{ms / base_ms:.2f}x", None if later else ms <= goal)


def run_postgres(url: str, files: list[Path], images: Path, work: Path,
                 args: argparse.Namespace, add: Add) -> None:
    """The import (unless the database holds the data already) and the queue on PostgreSQL."""
    found = bench_postgres.samples_in(url)
    if found is None:
        print(f"import of {args.samples:,} samples into PostgreSQL ...", flush=True)
        seconds = run_import(files, url, images, work)
        add(f"PostgreSQL: import {args.samples:,} samples (CLI subprocess)", f"{seconds:.1f} s",
            "", "", "", None)
    elif found != args.samples:
        raise SystemExit(f"{url} holds {found:,} samples, not {args.samples:,}: give an empty "
                         "database")
    else:
        print(f"PostgreSQL: reusing the {found:,} samples imported before", flush=True)
    if "queue" not in args.skip:
        print("PostgreSQL: VACUUM ANALYZE, then queue filters and search ...", flush=True)
        bench_postgres.settle(url)
        add_queue_rows(run_queue(url, args.rounds), add, "PostgreSQL: ",
                       ("plain psycopg ids", "ILIKE scan, no index"))


# ---- window subprocess ------------------------------------------------------------------------

def run_window(db: Path, work: Path, *, pairs: int, approvals: int) -> dict[str, Any]:
    cmd = [PYTHON, "-m", "tests.perf.bench_window", str(db), "--pairs", str(pairs),
           "--approvals", str(approvals)]
    done = subprocess.run(cmd, env=_env(work), capture_output=True, text=True, cwd=ROOT,
                          timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the window benchmark failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- export -----------------------------------------------------------------------------------

def run_export(db: Path, objects: dict[str, list[dict[str, Any]]], work: Path,
               rounds: int) -> tuple[list[float], list[float]]:
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.release.export import ExportOptions, export_release

    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE samples SET status = 'approved'")
    exports, dumps = [], []
    with Project.open(db, create=False) as project:
        for n in range(rounds):
            gc.collect()
            start = time.perf_counter()
            export_release(project, work / f"export{n}", options=ExportOptions(force=True))
            exports.append(time.perf_counter() - start)
            folder = work / f"dump{n}"
            folder.mkdir(exist_ok=True)
            gc.collect()
            start = time.perf_counter()
            for name, objs in objects.items():
                with open(folder / name, "w", encoding="utf-8") as handle:
                    json.dump(objs, handle, indent=4, ensure_ascii=False)
            dumps.append(time.perf_counter() - start)
    return exports, dumps


# ---- table ------------------------------------------------------------------------------------

def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the quick figures")
    parser.add_argument("--pairs", type=int, default=500, help="pairs visited in the window")
    parser.add_argument("--approvals", type=int, default=200)
    parser.add_argument("--db", default=os.environ.get(bench_postgres.ENV),
                        help="a PostgreSQL database URL to measure the import and queue on too")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["import", "open", "queue", "window", "export"],
                        help="leave a part out (the project is imported anyway)")
    parser.add_argument("--project", type=Path,
                        help="measure this already imported project (a scratch copy: the "
                             "window and export parts decide samples in it) instead of "
                             "importing one; implies --skip import")
    args = parser.parse_args()
    tmp = None
    if args.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="irtd-bench-")
        folder = Path(tmp.name)
    else:
        folder = args.keep
        folder.mkdir(parents=True, exist_ok=True)
    try:
        return run_all(folder, args)
    finally:
        if tmp is not None:
            tmp.cleanup()


def run_all(folder: Path, args: argparse.Namespace) -> int:
    data = folder / "data"
    files = dataset(data, args.samples)
    images = data / "images"
    work = folder / "run"
    if work.exists():
        import shutil
        shutil.rmtree(work)
    work.mkdir()
    n = args.samples
    rows: list[tuple[str, str, str, str, str, str]] = []

    def add(what: str, figure: str, goal: str, baseline: str, ratio: str, ok: bool | None) -> None:
        rows.append((what, figure, goal, baseline, ratio, "" if ok is None else verdict(ok)))
        print(f"  -> {what}: {figure} (goal {goal}; baseline {baseline}; ratio {ratio}) "
              f"{'' if ok is None else verdict(ok)}", flush=True)

    db = work / "project.db"
    imports, bases = [], []
    import_rounds = 0 if args.project else 1 if "import" in args.skip else 2
    if args.project:
        db = args.project
    else:
        print(f"import of {n:,} samples ...", flush=True)
    for r in range(import_rounds):
        target = db if r == 0 else work / f"import{r}.db"
        imports.append(run_import(files, target, images, work))
        if "import" not in args.skip:
            bases.append(run_import_baseline(files, work / f"baseline{r}.db", images))
        if r:
            for extra in work.glob(f"import{r}.db*"):
                extra.unlink()
        for extra in work.glob(f"baseline{r}.db*"):
            extra.unlink()
    if bases:
        imp, base = min(imports), min(bases)
        add(f"import {n:,} samples (CLI subprocess)", f"{imp:.1f} s", "<= 1.5x baseline",
            f"{base:.1f} s (json.load + executemany)", f"{imp / base:.2f}x", imp <= 1.5 * base)

    if "open" not in args.skip:
        print("open the window ...", flush=True)
        opens = [run_open(db, work) for _ in range(3)]
        shown = statistics.median(o[0] for o in opens)
        total = statistics.median(o[1] for o in opens)
        add("open the project: window showing the first sample", f"{shown:.2f} s",
            "<= 1.0 s after imports", f"{total:.2f} s whole process", "", shown <= 1.0)

    if "queue" not in args.skip:
        print("queue filters and search ...", flush=True)
        add_queue_rows(run_queue(db, args.rounds), add, "", ("plain sqlite3 ids", "LIKE scan"))

    if args.db:
        run_postgres(args.db, files, images, work, args, add)

    if "window" not in args.skip:
        print(f"window: {args.pairs} pairs, {args.approvals} approvals ...", flush=True)
        fig = run_window(db, work, pairs=args.pairs, approvals=args.approvals)
        moves = fig["next_pair_ms"]
        med, high = statistics.median(moves), p95(moves)
        add("next pair, 1280x1024, read-ahead (median)", f"{med:.1f} ms", "<= 30 ms", "", "",
            med <= 30)
        add("next pair, 1280x1024, read-ahead (p95)", f"{high:.1f} ms", "<= 60 ms", "", "",
            high <= 60)
        approve = statistics.median(fig["approve_ms"])
        add("approve a sample (action: write, revision, queue, progress)", f"{approve:.1f} ms",
            "<= 20 ms", "", "", approve <= 20)
        rss = fig["rss_after_visits_mb"]
        add(f"peak memory, project open, {args.pairs} pairs visited", f"{rss:.0f} MB",
            "<= 400 MB", f"{fig['rss_before_open_mb']:.0f} MB before opening", "", rss <= 400)

    if "export" not in args.skip:
        print("export ...", flush=True)
        objects = load_objects(files)
        exports, dumps = run_export(db, objects, work, 2)
        exp, dump = min(exports), min(dumps)
        add(f"export {n:,} approved samples", f"{exp:.1f} s", "<= 1.5x baseline",
            f"{dump:.1f} s (json.dump indent=4)", f"{exp / dump:.2f}x", exp <= 1.5 * dump)

    print()
    print("| what | figure | goal | baseline (same run) | ratio | verdict |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if all(r[5] != "MISS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
