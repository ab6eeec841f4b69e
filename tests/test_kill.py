"""Killing the application mid-work loses nothing it reported saved."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from review_data import build_review_project

SCRIPT = Path(__file__).with_name("scripted_review.py")
KILL_AFTER = 40  # saved changes reported before the kill


def test_sigkill_mid_way_keeps_every_change_reported_saved(tmp_path: Path, llvip_dir: Path,
                                                           irtd_files: Path) -> None:
    data = build_review_project(tmp_path / "kill.db", llvip_dir=llvip_dir, irtd_files=irtd_files)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(data.path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # a watchdog instead of a wall-clock assertion: a hung child is killed, the test then fails
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if sum(1 for x in lines if x.startswith("saved ")) >= KILL_AFTER:
                os.kill(proc.pid, signal.SIGKILL)
                break
        # lines already in the pipe were reported before the kill: they count too
        rest, err = proc.communicate()
        lines.extend(rest.splitlines())
    finally:
        watchdog.cancel()
    assert proc.returncode == -signal.SIGKILL, err
    assert not [x for x in lines if x.startswith("error")], lines
    saved = [json.loads(x.split(" ", 2)[2]) for x in lines if x.startswith("saved ")]
    assert len(saved) >= KILL_AFTER

    with sqlite3.connect(data.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        revisions = conn.execute(
            "SELECT id, sample_id, action, target, new, who FROM revisions ORDER BY id").fetchall()
        # every change reported saved is in the log, in the order it was reported
        logged = [(sid, action, target, new) for _id, sid, action, target, new, _who in revisions]
        reported = [(r["sample"], r["action"], r["target"], r["value"]) for r in saved]
        assert logged[:len(reported)] == reported
        assert len(logged) - len(reported) <= 1  # at most the one change cut off mid-report
        assert {r[5] for r in revisions} == {"killer"}
        # and the samples hold the newest logged value of each field
        newest: dict[tuple[int, str], str] = {}
        for _id, sid, _action, target, new, _who in revisions:
            newest[(sid, target)] = new
        for (sid, target), value in newest.items():
            if target == "status":
                current = conn.execute("SELECT status FROM samples WHERE id=?", (sid,)).fetchone()[0]
            else:
                idx = int(target.split()[1])
                current = conn.execute("SELECT text FROM turns WHERE sample_id=? AND idx=?",
                                       (sid, idx)).fetchone()[0]
            assert current == value, (sid, target)
