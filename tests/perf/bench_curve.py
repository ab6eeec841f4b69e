"""Benchmark: issue 16's table and its scale curve, every figure from one run.

    .venv/bin/python -m tests.perf.bench_curve [--samples 26000 260000 2600000] [--keep DIR]
                                               [--rounds 5] [--pairs 500]

For each size, on ``tests/perf/generate.py``'s data (kept in ``DIR/<samples>`` with ``--keep``
and reused, else in a temporary folder), in this order, each step a child process so that its
time and peak memory are its own (``bench_import.measured``: wall-clock seconds and the child's
peak RSS, interpreter start-up included):

1. FLOOR and IMPORT: the issue's floor (``json.load`` + regex + ``executemany`` into a minimal
   schema) and ``irtd-annotator import`` of the same files into a new project, the background
   index builder switched off so that it does not run under the next steps;
2. INDEX: ``irtd-annotator index`` (what the detached builder does after an import), then the
   STORE's bytes per sample against the JSON's;
3. OPEN: the window offscreen until the first sample is shown (median of 3, the window's own
   report after Python's imports);
4. QUEUE: filters and searches as the queue runs them (``bench_scale.run_queue``: set_filter,
   its first page, the progress count; median of ``--rounds``);
5. WINDOW: ``bench_window``: ``--pairs`` pairs visited (next pair median, p95), approvals,
   the process's peak memory;
6. BULK: ``irtd-annotator review --task Caption --task Location --approve --yes`` (40% of the
   samples: 1,040,000 at 2.6M);
7. EXPORT: ``irtd-annotator export --status all`` against ``json.dump(indent=4)`` of the same
   files' objects, one file at a time (the dump's seconds exclude its ``json.load``).

Prints the issue's goal table for the largest size and the scale curve (each measure at every
size, with its growth from the size before), with the load average at each step. Asserts
nothing. ``--skip`` leaves parts out. Needs ~35 minutes and ~12 GB of disk for all three sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: the tests package must be importable
    sys.path.insert(0, str(ROOT))

from tests.perf.bench_import import (  # noqa: E402
    PYTHON,
    Run,
    child_env,
    dataset,
    measured,
)
from tests.perf.bench_scale import p95, run_open, run_window  # noqa: E402

PARTS = ("import", "index", "open", "queue", "window", "bulk", "export")
BULK_TASKS = ("Caption", "Location")


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "irtd_annotator.cli", *args, "--quiet", "--annotator", "bench"]


def _fresh(*paths: Path) -> None:
    for path in paths:
        for suffix in ("", "-wal", "-shm", ".import-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _bytes(db: Path) -> int:
    return sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())


class Size:
    """The figures of one size: name -> (value, unit), and the load at each step."""

    def __init__(self, samples: int) -> None:
        self.samples = samples
        self.fig: dict[str, float] = {}
        self.loads: list[str] = []

    def note(self, step: str) -> None:
        self.loads.append(f"{step} {_load()}")


def measure_size(samples: int, folder: Path, args: argparse.Namespace) -> Size:
    files = dataset(folder, samples)
    images = folder / "images"
    work = folder / "curve"
    work.mkdir(exist_ok=True)
    env = child_env(work)
    env["IRTD_ANNOTATOR_BACKGROUND_INDEX"] = "off"
    size = Size(samples)
    fig = size.fig
    db, floor_db = work / "project.db", work / "floor.db"
    json_bytes = sum(f.stat().st_size for f in files)
    print(f"== {samples:,} samples ({json_bytes / 1e6:,.0f} MB of JSON), load {_load()}",
          flush=True)
    if "import" in args.skip:
        if not db.exists():
            raise SystemExit(f"--skip import needs the project of an earlier run: {db}")
    else:
        _fresh(floor_db, db)
        size.note("floor")
        floor = measured([PYTHON, "-m", "tests.perf.bench_import", "--floor-child", "--db",
                          str(floor_db), "--images", str(images), *map(str, files)], env=env)
        _fresh(floor_db)
        size.note("import")
        imported = measured(_cli("import", *map(str, files), "--db", str(db), "--image-root",
                                 str(images / "Data4MLLM")), env=env)
        fig.update(floor_s=floor.seconds, floor_mib=floor.peak_mib, import_s=imported.seconds,
                   import_mib=imported.peak_mib)
        print(f"  import {imported.seconds:.1f} s ({imported.peak_mib:,.0f} MiB) against the"
              f" floor {floor.seconds:.1f} s ({floor.peak_mib:,.0f} MiB):"
              f" {imported.seconds / floor.seconds:.2f}x", flush=True)
    if "index" not in args.skip:
        size.note("index")
        built = measured(_cli("index", "--db", str(db)), env=env)
        fig.update(index_s=built.seconds, index_mib=built.peak_mib)
        print(f"  search index built after it: {built.seconds:.1f} s", flush=True)
    fig.update(store_bytes=_bytes(db), json_bytes=json_bytes)
    if "open" not in args.skip:
        size.note("open")
        opens = [run_open(db, work) for _ in range(3)]
        fig["open_s"] = statistics.median(o[0] for o in opens)
        print(f"  open: {fig['open_s']:.2f} s to the first sample", flush=True)
    if "queue" not in args.skip:
        size.note("queue")
        done = subprocess.run([PYTHON, "-m", "tests.perf.bench_curve", "--queue-child",
                               str(db), "--rounds", str(args.rounds)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise SystemExit(f"the queue benchmark failed:\n{done.stderr[-3000:]}")
        for name, ms in json.loads(done.stdout.strip().splitlines()[-1]).items():
            fig[f"queue:{name}"] = ms
            print(f"  {name}: {ms:.1f} ms", flush=True)
    if "window" not in args.skip:
        size.note("window")
        win = run_window(db, work, pairs=args.pairs, approvals=args.approvals)
        fig.update(pairs=args.pairs, next_med_ms=statistics.median(win["next_pair_ms"]),
                   next_p95_ms=p95(win["next_pair_ms"]),
                   approve_ms=statistics.median(win["approve_ms"]),
                   window_mb=win["rss_after_visits_mb"])
        print(f"  window: next pair {fig['next_med_ms']:.1f}/{fig['next_p95_ms']:.1f} ms,"
              f" approve {fig['approve_ms']:.1f} ms, {fig['window_mb']:.0f} MB", flush=True)
    if "bulk" not in args.skip:
        size.note("bulk")
        tasks = [a for t in BULK_TASKS for a in ("--task", t)]
        chosen = _count(db, BULK_TASKS)
        bulk = measured(_cli("review", "--db", str(db), *tasks, "--approve", "--yes"), env=env)
        fig.update(bulk_s=bulk.seconds, bulk_mib=bulk.peak_mib, bulk_n=chosen)
        print(f"  bulk approve of {chosen:,}: {bulk.seconds:.1f} s ({bulk.peak_mib:,.0f} MiB)",
              flush=True)
    if "export" not in args.skip:
        size.note("export")
        out = work / "release"
        exported = measured(_cli("export", "--db", str(db), "--out", str(out), "--status",
                                 "all", "--force"), env=env)
        size.note("dump")
        dumped = _dump(files, work / "dump", env)
        fig.update(export_s=exported.seconds, export_mib=exported.peak_mib,
                   dump_s=dumped[0], dump_mib=dumped[1].peak_mib)
        print(f"  export {exported.seconds:.1f} s ({exported.peak_mib:,.0f} MiB) against"
              f" json.dump {dumped[0]:.1f} s: {exported.seconds / dumped[0]:.2f}x", flush=True)
        for folder_done in (out, work / "dump"):
            subprocess.run(["rm", "-rf", str(folder_done)], check=True)
    return size


def _count(db: Path, tasks: tuple[str, ...]) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        marks = ",".join("?" * len(tasks))
        return int(conn.execute(f"SELECT count(*) FROM samples WHERE task IN ({marks})",
                                tasks).fetchone()[0])


def _dump(files: list[Path], out: Path, env: dict[str, str]) -> tuple[float, Run]:
    """(seconds of json.dump alone, the child's run) of the files' objects, file by file."""
    out.mkdir(exist_ok=True)
    wrapper = measured([PYTHON, "-m", "tests.perf.bench_curve", "--dump-child", str(out),
                        *map(str, files)], env=env)
    seconds = float((out / "seconds.txt").read_text())
    return seconds, wrapper


def dump_child(out: Path, files: list[Path]) -> None:
    """json.load each file (its quirks as the floor reads them), json.dump it, timing the
    dumps only; the total goes to ``out/seconds.txt``."""
    import gc

    from tests.perf.import_baseline import load_objects

    total = 0.0
    for path in files:
        objects = load_objects(path)
        gc.collect()
        start = time.perf_counter()
        with open(out / path.name, "w", encoding="utf-8") as handle:
            json.dump(objects, handle, indent=4, ensure_ascii=False)
        total += time.perf_counter() - start
        del objects
    (out / "seconds.txt").write_text(f"{total}")


def queue_child(db: Path, rounds: int) -> None:
    from tests.perf.bench_scale import run_queue

    figures = run_queue(db, rounds)
    print(json.dumps({name: statistics.median(times) * 1000
                      for name, (times, _base) in figures.items()}))


# ---- tables -----------------------------------------------------------------------------------

def _ok(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def goal_rows(s: Size) -> list[tuple[str, str, str, str]]:
    """(measure, figure, goal, verdict) of issue 16's table, for one size."""
    f, n, rows = s.fig, s.samples, []
    if "import_s" in f:
        ratio = f["import_s"] / f["floor_s"]
        rows.append((f"import {n:,} (CLI) against the floor, same run",
                     f"{f['import_s']:.1f} s vs {f['floor_s']:.1f} s = {ratio:.2f}x",
                     "<= 1.5x", _ok(ratio <= 1.5)))
        rows.append((f"import {n:,}: peak memory", f"{f['import_mib']:,.0f} MiB"
                     f" (floor {f['floor_mib']:,.0f} MiB)", "<= 2 GB",
                     _ok(f["import_mib"] <= 2048)))
    if "index_s" in f:
        rows.append(("search index, built after the import (background)",
                     f"{f['index_s']:.1f} s, {f['index_mib']:,.0f} MiB", "", ""))
    if "open_s" in f:
        rows.append(("open, first sample shown (after imports)", f"{f['open_s']:.2f} s",
                     "<= 1.0 s", _ok(f["open_s"] <= 1.0)))
    if "window_mb" in f:
        rows.append((f"window peak memory, {f['pairs']:.0f} pairs visited", f"{f['window_mb']:.0f} MB",
                     "<= 400 MB", _ok(f["window_mb"] <= 400)))
    goal_search = 50 if n <= 300_000 else 100
    for key, ms in f.items():
        if key.startswith("queue:"):
            name = key[len("queue:"):]
            goal = 50 if name.startswith("filter") else goal_search
            rows.append((name, f"{ms:.1f} ms", f"<= {goal} ms", _ok(ms <= goal)))
    if "next_med_ms" in f:
        rows.append(("next pair median / p95", f"{f['next_med_ms']:.1f} / "
                     f"{f['next_p95_ms']:.1f} ms", "<= 30 / 60 ms",
                     _ok(f["next_med_ms"] <= 30 and f["next_p95_ms"] <= 60)))
        rows.append(("approve", f"{f['approve_ms']:.1f} ms", "<= 20 ms",
                     _ok(f["approve_ms"] <= 20)))
    if "bulk_s" in f:
        per_m = f["bulk_s"] / f["bulk_n"] * 1e6
        rows.append((f"bulk approve of {f['bulk_n']:,.0f} samples (CLI)",
                     f"{f['bulk_s']:.1f} s ({per_m:.1f} s per million, "
                     f"{f['bulk_mib']:,.0f} MiB)", "<= 30 s for 1M", _ok(per_m <= 30)))
    if "export_s" in f:
        ratio = f["export_s"] / f["dump_s"]
        rows.append((f"export {n:,} against json.dump, same run",
                     f"{f['export_s']:.1f} s vs {f['dump_s']:.1f} s = {ratio:.2f}x; peak"
                     f" {f['export_mib']:,.0f} MiB (dump {f['dump_mib']:,.0f})",
                     "<= 1.5x; memory flat", _ok(ratio <= 1.5)))
    per = f["store_bytes"] / n
    ratio = f["store_bytes"] / f["json_bytes"]
    rows.append(("store size", f"{f['store_bytes'] / 1e9:.2f} GB, {per:,.0f} B a sample,"
                 f" {ratio:.2f}x the JSON", "<= 2x", _ok(ratio <= 2)))
    return rows


CURVE = (("import s", "import_s", "{:.1f}"), ("floor s", "floor_s", "{:.1f}"),
         ("import / floor", None, "{:.2f}x"), ("import peak MiB", "import_mib", "{:,.0f}"),
         ("index s", "index_s", "{:.1f}"), ("open s", "open_s", "{:.2f}"),
         ("slowest filter ms", "filter", "{:.1f}"),
         ("slowest search, first rows ms", "search", "{:.1f}"),
         ("slowest search, count arrives ms", "count", "{:.1f}"),
         ("next pair median ms", "next_med_ms", "{:.1f}"),
         ("window peak MB", "window_mb", "{:.0f}"), ("bulk s", "bulk_s", "{:.1f}"),
         ("export s", "export_s", "{:.1f}"), ("store B/sample", "per", "{:,.0f}"))


def _curve_value(f: dict[str, float], key: str | None, n: int) -> float | None:
    if key is None:
        return f["import_s"] / f["floor_s"] if "import_s" in f else None
    if key in ("filter", "search", "count"):
        # a search's rows show at once; its count comes from a worker thread later
        found = [v for k, v in f.items() if k.startswith(f"queue:{key}") or (
            key == "count" and k.startswith("queue:search") and k.endswith("(count arrives)"))]
        if key == "search":
            found = [v for k, v in f.items() if k.startswith("queue:search")
                     and not k.endswith("(count arrives)")]
        return max(found) if found else None
    if key == "per":
        return f["store_bytes"] / n
    return f.get(key)


def print_tables(sizes: list[Size]) -> None:
    for s in sizes:
        print(f"\n### Issue 16's goals at {s.samples:,} samples\n")
        print("| measure | figure | goal | verdict |\n|---|---|---|---|")
        for row in goal_rows(s):
            print("| " + " | ".join(row) + " |")
        print(f"\nload average (1, 5, 15 min) at each step: {'; '.join(s.loads)}")
    print("\n### Scale curve (x: growth from the size before; the data grows 10x)\n")
    print("| measure | " + " | ".join(f"{s.samples:,}" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for label, key, fmt in CURVE:
        cells, before = [], None
        for s in sizes:
            value = _curve_value(s.fig, key, s.samples)
            if value is None:
                cells.append("")
                continue
            grow = f" ({value / before:.1f}x)" if before and key is not None else ""
            cells.append(fmt.format(value) + grow)
            before = value
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[26_000, 260_000, 2_600_000])
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) DIR/<samples>")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--approvals", type=int, default=200)
    parser.add_argument("--skip", action="append", default=[], choices=PARTS)
    parser.add_argument("--queue-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dump-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", type=Path, nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.queue_child:
        queue_child(args.queue_child, args.rounds)
        return 0
    if args.dump_child:
        dump_child(args.dump_child, args.files)
        return 0
    with tempfile.TemporaryDirectory(prefix="irtd-curve-") as tmp:
        root = args.keep or Path(tmp)
        sizes = []
        for n in args.samples:
            sizes.append(measure_size(n, root / str(n), args))
        print(f"\ncommit {_commit()}, {os.cpu_count()} cores")
        print_tables(sizes)
    return 0


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
