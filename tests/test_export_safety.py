"""Where a release may go: never over the project's images or files, --force only over a
release, and readable by the team (the umask decides, as for any folder)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from irtd_annotator import cli

PROMPT = "<image>\nDetect the bounding box of the person located at the right of the image."
ANSWER = "The target bounding box is <box>[[500, 223, 512, 238]]</box>."


@pytest.fixture()
def project(tmp_path: Path, llvip_dir: Path) -> Iterator[Path]:
    """A project of 3 approved Grounding samples on copies of real LLVIP images (tmp/images)."""
    images = tmp_path / "images" / "LLVIP" / "infrared" / "test"
    images.mkdir(parents=True)
    samples = []
    for number, name in enumerate(("190001", "190002", "190003")):
        shutil.copy(llvip_dir / "infrared" / "test" / f"{name}.jpg", images)
        samples.append({"id": str(number),
                        "image": [f"/mnt/data/Data4MLLM/LLVIP/infrared/test/{name}.jpg"],
                        "conversations": [{"from": "human", "value": PROMPT},
                                          {"from": "gpt", "value": ANSWER}]})
    source = tmp_path / "in" / "Detection.json"
    (source.parent / "pics").mkdir(parents=True)  # an image beside the file, under no root
    shutil.copy(llvip_dir / "infrared" / "test" / "190004.jpg", source.parent / "pics")
    samples.append({**samples[0], "id": "3", "image": "pics/190004.jpg"})
    source.write_text(json.dumps(samples, indent=4))
    db = tmp_path / "work" / "p.db"
    db.parent.mkdir()
    assert cli.main(["import", str(source), "--db", str(db),
                     "--image-root", f"LLVIP={tmp_path / 'images' / 'LLVIP'}"]) == 0
    assert cli.main(["export", "--db", str(db), "--out", str(tmp_path / "first"),
                     "--status", "all", "--quiet"]) == 0
    yield db


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _releases(db: Path, capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    assert cli.main(["releases", "--db", str(db)]) == 0
    return sum(1 for line in capsys.readouterr().out.splitlines()
               if line.strip()[:1].isdigit())


@pytest.mark.parametrize("where", ["images", "images/LLVIP", "images/LLVIP/infrared/test",
                                   "images/LLVIP/infrared/test/new", "work", "in/pics",
                                   "in/pics/new", "in"])
def test_force_never_replaces_the_project_images_or_files(
        project: Path, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = [_tree(tmp_path / name) for name in ("images", "work", "in")]
    capsys.readouterr()
    code = cli.main(["export", "--db", str(project), "--out", str(tmp_path / where), "--force",
                     "--status", "all", "--quiet"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("irtd-annotator: error: output folder") and "--force" not in err
    assert "Traceback" not in err
    assert ("holds the project" if where == "work" else "image folder") in err
    assert [_tree(tmp_path / name) for name in ("images", "work", "in")] == before
    assert _releases(project, capsys) == 1
    assert not (tmp_path / "images" / "LLVIP" / "infrared" / "test" / "new").exists()
    assert not (tmp_path / "in" / "pics" / "new").exists()


@pytest.mark.parametrize("name", ["p.db-wal", "p.db-shm", "p.backup-20261204T000000Z.db"])
def test_a_release_never_takes_the_name_of_a_project_file(
        project: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["export", "--db", str(project), "--out", str(project.parent / name),
                     "--status", "all", "--quiet"])
    assert code != 0 and "holds the project" in capsys.readouterr().err
    assert not (project.parent / name).exists()


def test_force_replaces_only_a_folder_holding_nothing_but_a_release(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first"
    # A look-alike: this program's manifest beside files of someone else's.
    lookalike = tmp_path / "photos"
    lookalike.mkdir()
    shutil.copy(first / "manifest.json", lookalike)
    (lookalike / "holiday.jpg").write_bytes(b"\xff\xd8 mine")
    (first / "notes.txt").write_text("added by a person")
    for folder in (lookalike, first):
        before = _tree(folder)
        capsys.readouterr()
        assert cli.main(["export", "--db", str(project), "--out", str(folder), "--force",
                         "--status", "all", "--quiet"]) != 0
        err = capsys.readouterr().err
        assert "not a release of irtd-annotator" in err and "--force" not in err
        assert _tree(folder) == before
    (first / "notes.txt").unlink()
    assert cli.main(["export", "--db", str(project), "--out", str(first), "--force",
                     "--status", "all", "--quiet"]) == 0
    assert _releases(project, capsys) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_release_folder_and_files_follow_the_umask(project: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert cli.main(["export", "--db", str(project), "--out", str(tmp_path / "shared"),
                         "--status", "all", "--quiet"]) == 0
    finally:
        os.umask(old)
    out = tmp_path / "shared"
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes and set(modes.values()) == {0o644}, modes


@pytest.mark.parametrize("how", ["hand-edited", "replaced by the user's own file"])
def test_force_never_replaces_a_release_whose_files_were_changed_by_hand(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str) -> None:
    """The adversarial run's case: 880 hand fixes in a release folder, gone with --force."""
    out = tmp_path / "hand"
    assert cli.main(["export", "--db", str(project), "--out", str(out), "--status", "all",
                     "--quiet"]) == 0
    task_file = next(p for p in out.iterdir() if p.suffix == ".json" and p.name != "manifest.json")
    if how == "hand-edited":
        task_file.write_text(task_file.read_text().replace('"gpt"', '"gpt" '))
    else:
        task_file.write_text("MY OWN WORK\n")
    kept = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert cli.main(["export", "--db", str(project), "--out", str(out), "--status", "all",
                     "--force", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert task_file.name in err and "changed since it was exported" in err
    assert "--force" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == kept
