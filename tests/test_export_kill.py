"""kill -9 during an export, at each of its steps: the next start leaves the complete
recorded release or nothing (the old release intact), and no folder of its own behind.

The process kills itself at a named step (IRTD_EXPORT_KILL_AT, read by
services/release_folder.crash_point), so the seams are hit every time, not by chance.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from irtd_annotator import cli
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.folder import KILL_AT_ENV, new_intent
from irtd_annotator.store.releases import put_intent

# Step -> is the new release recorded (kept) when the process dies there?
STEPS = {"streaming": False, "written": False, "recorded": True, "aside": True,
         "swapped": True}
RUN_CLI = "import sys; from irtd_annotator.cli import main; sys.exit(main())"


@pytest.fixture(scope="module")
def source(irtd_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of the real PedestrianCounting.json (2 chunks of Samples), saved once."""
    base = tmp_path_factory.mktemp("kill-source")
    assert cli.main(["import", str(irtd_files / "PedestrianCounting.json"),
                     "--db", str(base / "p.db")]) == 0
    return base / "p.db"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _store(db: Path) -> tuple[list[str], list[str]]:
    """The release_uid of each recorded release, and the export records left in settings."""
    with sqlite3.connect(db) as conn:
        uids = [json.loads(m)["release_uid"]
                for (m,) in conn.execute("SELECT manifest FROM releases ORDER BY id")]
        intents = [k for (k,) in conn.execute(
            "SELECT key FROM settings WHERE key LIKE 'release_in_progress%'")]
    return uids, intents


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("replacing", [True, False])
def test_kill_at_any_step_leaves_the_whole_release_or_none(
        source: Path, tmp_path: Path, step: str, replacing: bool,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.db"
    db.write_bytes(source.read_bytes())
    out = tmp_path / "release"
    if replacing:
        assert cli.main(["export", "--db", str(db), "--out", str(out), "--status", "all",
                         "--quiet"]) == 0
    old = _files(out) if replacing else None
    env = dict(os.environ, **{KILL_AT_ENV: step})
    proc = subprocess.run([sys.executable, "-c", RUN_CLI, "export", "--db", str(db), "--out",
                           str(out), "--force", "--status", "all", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    capsys.readouterr()
    # the next start of any command settles the export
    assert cli.main(["stats" if replacing else "releases", "--db", str(db)]) == 0
    uids, intents = _store(db)
    assert intents == []
    expected = ["release"] if replacing or STEPS[step] else []
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("p.db"))
    assert left == expected  # and no hidden .release.partial-* / .release.old-* folders
    if STEPS[step]:
        assert len(uids) == 1 + replacing
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["release_uid"] == uids[-1]
        assert {f["name"] for f in manifest["files"]} | {"manifest.json"} == set(_files(out))
    else:
        assert len(uids) == int(replacing)
        if replacing:
            assert _files(out) == old
    # and the next export works as usual
    assert cli.main(["export", "--db", str(db), "--out", str(out), "--force", "--status",
                     "all", "--quiet"]) == 0
    assert len(_store(db)[0]) == len(uids) + 1


def test_kill_while_writing_leaves_no_partial_folder_after_the_next_run(
        source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without the hook: killed from outside once its partial folder holds a file."""
    db = tmp_path / "p.db"
    db.write_bytes(source.read_bytes())
    out = tmp_path / "release"
    proc = subprocess.Popen([sys.executable, "-c", RUN_CLI, "export", "--db", str(db),
                             "--out", str(out), "--status", "all", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # a bound, not a timing assertion
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.name.startswith(".release.partial-") and any(p.iterdir())
                   for p in tmp_path.iterdir()):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        if proc.poll() is None:
            proc.kill()  # a hung or too slow export: killed, the assertions below still run
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    capsys.readouterr()
    assert cli.main(["export", "--db", str(db), "--out", str(out), "--status", "all",
                     "--quiet"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("p.db")) == [
        "release"]
    assert _store(db)[1] == []


def test_an_export_still_running_elsewhere_is_left_alone(source: Path, tmp_path: Path) -> None:
    """A record whose process is alive (here: pytest's parent) is not settled; once it is
    gone, its partial folder is."""
    db = tmp_path / "p.db"
    db.write_bytes(source.read_bytes())
    out = tmp_path / "release"
    intent = new_intent(out, "feedc0de", force=False)
    partial = Path(intent["partial"])
    partial.mkdir()
    (partial / "Recognition.json").write_text("[", encoding="utf-8")
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # its pid is no one's now
    for pid, running in ((os.getppid(), True), (ended.pid, False)):
        with Project.open(db, create=False) as project, project.engine.begin() as conn:
            put_intent(conn, "feedc0de", {**intent, "pid": pid})
        assert cli.main(["releases", "--db", str(db)]) == 0
        assert partial.is_dir() == running
        assert _store(db)[1] == (["release_in_progress:feedc0de"] if running else [])


def test_a_killed_export_whose_folder_was_filled_since_blocks_no_command(
        source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The adversarial run's case: killed with the old release aside, then someone made the
    folder again with a file in it; every command then failed with an internal error."""
    db = tmp_path / "p.db"
    db.write_bytes(source.read_bytes())
    out = tmp_path / "release"
    assert cli.main(["export", "--db", str(db), "--out", str(out), "--status", "all",
                     "--quiet"]) == 0
    env = dict(os.environ, **{KILL_AT_ENV: "aside"})
    proc = subprocess.run([sys.executable, "-c", RUN_CLI, "export", "--db", str(db), "--out",
                           str(out), "--force", "--status", "all", "--quiet"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    capsys.readouterr()
    assert cli.main(["stats", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("irtd-annotator: warning: ")
    assert "now holds something else" in err and "Traceback" not in err
    assert (out / "notes.txt").read_text() == "mine\n"
    (out / "notes.txt").unlink()  # the person moves their file away: the next start settles
    assert cli.main(["stats", "--db", str(db)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert _store(db)[1] == [] and json.loads((out / "manifest.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("p.db")) == [
        "release"]


def test_a_partial_folder_another_export_holds_is_no_stray(source: Path, tmp_path: Path) -> None:
    """The adversarial run's case: two projects exporting to one folder at once; the second
    one's clean-up deleted the first one's live partial folder, which then failed."""
    from irtd_annotator.services.release.folder import hold, stray_folders

    db = tmp_path / "p.db"
    db.write_bytes(source.read_bytes())
    out = tmp_path / "release"
    live = tmp_path / ".release.partial-0123456789abcdef"
    live.mkdir()
    (live / "review_report.csv").write_text("sample_id\n")
    held = hold(live)  # as a running export of another project holds its folder
    try:
        assert stray_folders(out, set()) == []
        assert cli.main(["export", "--db", str(db), "--out", str(out), "--status", "all",
                         "--quiet"]) == 0
        assert live.is_dir() and (live / "review_report.csv").is_file()
    finally:
        if held is not None:
            os.close(held)
    assert stray_folders(out, set()) == [live]  # once let go, a leftover like any other
