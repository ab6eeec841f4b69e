"""The search index built after an import, in the background (ADR 0024).

An import on SQLite lists the Samples it wrote in the index's backlog instead of indexing them
(``store/search.bulk_indexing``); ``build_search_index`` works through that backlog in short
write transactions (``BATCH`` Samples each: a reviewer's write waits behind one for well under
a second), then merges FTS5's segments in steps as short. Searches are right all along
(``store/queue.search_kind``: the backlog's Samples are matched by their turns), only slower
until the backlog is empty.

Who builds: the CLI import ends by starting ``irtd-annotator index --db P`` as a detached
process (``start_background_build``); the window builds on a worker thread when it opens a
project with a backlog. Both may run at once: every step takes SQLite's write lock first and
re-reads the backlog under it, so nothing is indexed twice over the other or lost. A builder
stopped or killed at any point leaves the rest of the backlog for the next one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from irtd_annotator.services.project import Project
from irtd_annotator.store.locks import begin_writing
from irtd_annotator.store.search_backlog import (
    backlog_size,
    build_unfinished,
    checkpoint,
    index_batch,
    merge_step,
)

BATCH = 2000  # Samples per transaction: 0.1-0.4 s on the test machine (docs/performance.md)
MERGE_PAGES = 500  # FTS5 pages merged per transaction: about as long as a batch
# The least pause after each transaction: SQLite's busy handler retries a waiting writer every
# 100 ms at most, so a builder that took the lock again at once could keep a reviewer's write
# waiting for many transactions in a row (9 s measured on a loaded machine).
YIELD_SECONDS = 0.12
TARGET_SECONDS = 0.25  # a transaction's wanted length; batches shrink when they take longer
MIN_SCALE = 0.05  # down to 100 Samples, 25 pages
BUSY_PATIENCE = 600.0  # seconds a builder waits for a write lock held by others (an import)
Progress = Callable[[int], None]  # Samples still to index


@dataclass
class BuildReport:
    """What one builder did."""

    indexed: int = 0  # Samples indexed
    batches: int = 0
    merge_steps: int = 0
    seconds: float = 0.0
    longest: float = 0.0  # the longest write transaction, in seconds
    left: int = 0  # Samples still in the backlog (stopped, or others still writing)
    stopped: str | None = None  # why it stopped before the end

    def summary(self) -> str:
        """One line: what was built, or why not all of it."""
        if not (self.indexed or self.merge_steps) and self.stopped is None:
            return "search index: ready, nothing to build"
        line = (f"search index: indexed {self.indexed:,} samples in {self.batches:,} "
                f"transactions and merged in {self.merge_steps:,} in {self.seconds:.1f} s "
                f"(longest transaction {self.longest * 1000:.0f} ms)")
        if self.stopped is not None:
            line += f"; stopped ({self.stopped}), {self.left:,} samples left for the next build"
        return line


def pending_samples(project: Project) -> int:
    """How many Samples wait to be indexed (0 on PostgreSQL, which indexes at import)."""
    with project.engine.connect() as conn:
        return backlog_size(conn)


def build_needed(project: Project) -> bool:
    """Whether the project has Samples to index or segments to merge after a build."""
    with project.engine.connect() as conn:
        return build_unfinished(conn)


def build_search_index(project: Project, *, progress: Progress | None = None,
                       stop: Callable[[], bool] | None = None, batch: int = BATCH,
                       merge_pages: int = MERGE_PAGES,
                       patience: float = BUSY_PATIENCE) -> BuildReport:
    """Index the backlog and merge what was written, one short transaction at a time, until
    done, ``stop`` says so, or the project stays locked by others for ``patience`` seconds."""
    report = BuildReport()
    started = time.monotonic()
    if project.engine.dialect.name != "sqlite":
        return report
    merging = False
    scale = 1.0  # of the batch and the merge step: smaller while transactions run long
    while True:
        if stop is not None and stop():
            report.stopped = "asked to stop"
            break
        size = max(1, round((merge_pages if merging else batch) * scale))
        step = (lambda conn, n=size: merge_step(conn, n)) if merging else (
            lambda conn, n=size: index_batch(conn, n))
        try:
            done, seconds = _write_step(project.engine, step, patience)
        except _Busy:
            report.stopped = f"the project stayed locked by another program for {patience:.0f} s"
            break
        report.longest = max(report.longest, seconds)
        # A loaded machine (2 cores shared with the window, other programs) stretches each
        # transaction: the next is made smaller to stay near TARGET_SECONDS, and the builder
        # then pauses as long as it held the lock, so that a writer waiting for it, which
        # SQLite's busy handler wakes every 100 ms and the scheduler may wake late, gets in.
        scale = min(1.0, max(MIN_SCALE, scale * TARGET_SECONDS / max(seconds, 1e-3)))
        time.sleep(max(YIELD_SECONDS, seconds))
        if merging:
            if done:
                report.merge_steps += 1
            elif pending_samples(project):  # an import listed more meanwhile: index them first
                merging = False
            else:
                break
        elif done:
            report.indexed += int(done)
            report.batches += 1
            if progress is not None:
                progress(pending_samples(project))
        else:
            merging = True
    report.left = pending_samples(project)
    report.seconds = time.monotonic() - started
    return report


class _Busy(Exception):
    """The write lock could not be had within the builder's patience."""


def _write_step(engine: Engine, step: Callable[[Connection], int | bool],
                patience: float) -> tuple[int | bool, float]:
    """Run ``step`` in one write transaction taken before it reads anything; its result and
    how long the transaction held the lock. A lock held by others (an import's one transaction
    may take a minute) is waited for, in the driver's busy timeouts, up to ``patience``."""
    deadline = time.monotonic() + patience
    while True:
        with engine.connect() as conn:
            try:
                begin_writing(conn)  # BEGIN IMMEDIATE: the lock before the first read
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise _Busy from None
                continue  # the busy timeout (5 s) was the wait
            began = time.monotonic()
            result = step(conn)
            conn.commit()
            held = time.monotonic() - began
            checkpoint(conn)
            return result, held


def start_background_build(project: Project) -> bool:
    """Start ``irtd-annotator index`` on the project as a process of its own that outlives
    this one (its output goes nowhere); whether one was started (none when there is nothing
    to build, on PostgreSQL, or when the environment sets ``BACKGROUND_SETTING`` to "off":
    a script or test that copies the file right after an import)."""
    path = project.path
    if path is None or os.environ.get(BACKGROUND_SETTING) == "off" or not build_needed(project):
        return False
    # Started through a launcher that exits at once: the builder is then nobody's child
    # here, so no process is left to reap (nor a zombie while a window runs on).
    subprocess.run(
        [sys.executable, "-c", _LAUNCH, sys.executable, "-m", "irtd_annotator.cli", "index",
         "--db", str(path), "--quiet"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=True, timeout=60)
    return True


BACKGROUND_SETTING = "IRTD_ANNOTATOR_BACKGROUND_INDEX"
_LAUNCH = ("import subprocess, sys; subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL,"
           " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)")
