"""Where a release may go, and putting it there so that a crash leaves all of it or none.

``--force`` replaces only a folder that is a release written by this program (its manifest
and nothing but the files it lists); a release never goes into, around or over the project's
files or its images. An export is recorded in the store's settings before it touches the
target (``release_in_progress:<uid>``) and the record names its partial and old folders: the
next export or ``releases`` finishes or undoes a killed one from it (ADR 0016).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.tasks import Task
from irtd_annotator.exporters.irtd_json import FORMATS, release_file_name
from irtd_annotator.exporters.report import CSV_NAME, PARQUET_NAME
from irtd_annotator.store.exports import image_path_near
from irtd_annotator.store.settings import get_setting

if sys.platform != "win32":  # POSIX: an export holds its folder (see ``hold``)
    import fcntl

MANIFEST_NAME = "manifest.json"
APPLICATION = "irtd-annotator"
RELEASE_FORMAT = "irtd-annotator-release"  # the manifest's "format": this program wrote it
# Every file name a release of this program can hold.
RELEASE_NAMES = frozenset({MANIFEST_NAME, CSV_NAME, PARQUET_NAME} | {
    release_file_name(task, fmt) for task in Task for fmt in FORMATS})
REPORT_FOLDER = "report"  # the report page a release may hold (``export --with-report-page``)
REPORT_PAGE = "report.html"  # the page in it (and in ``report --out``'s folder)
KILL_AT_ENV = "IRTD_EXPORT_KILL_AT"
_active: set[str] = set()  # unique ids of the exports running in this process


def crash_point(name: str) -> None:
    """Test hook (tests/test_export_kill.py): kill -9 this process at the named point of an
    export when the environment variable IRTD_EXPORT_KILL_AT names it; nothing otherwise."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a release of this program in ``folder``, or None (anything else)."""
    path = folder / MANIFEST_NAME
    try:
        if path.is_symlink() or not path.is_file():
            return None
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(manifest, dict) or not isinstance(manifest.get("application"), dict)
            or manifest["application"].get("name") != APPLICATION
            or manifest.get("format", RELEASE_FORMAT) != RELEASE_FORMAT
            or not isinstance(manifest.get("files"), list)
            or not all(isinstance(f, dict) and isinstance(f.get("name"), str)
                       for f in manifest["files"])):
        return None
    return manifest


def is_release(folder: Path) -> bool:
    """True when ``folder`` holds this program's manifest and only the files it lists (and,
    in ``report/``, the report page)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    listed = {f["name"] for f in manifest["files"]} | {MANIFEST_NAME}
    page = folder / REPORT_FOLDER  # export --with-report-page: outside the checksummed files
    if page.is_dir() and not page.is_symlink():
        if not _is_report_page(page):
            return False
        listed.add(REPORT_FOLDER)
    return _only_files(folder, listed & (RELEASE_NAMES | {REPORT_FOLDER}))


def _is_report_page(page: Path) -> bool:
    """True when ``page`` holds nothing but a report page's files (report.html, PNGs)."""
    try:
        with os.scandir(page) as entries:
            names = {e.name for e in entries if e.name == REPORT_PAGE or e.name.endswith(".png")}
    except OSError:
        return False
    return _only_files(page, names)


def changed_files(folder: Path) -> list[str]:
    """The files of the release in ``folder`` whose bytes differ from its manifest's
    checksums (or that are missing, or have none): someone's work, never to be replaced."""
    manifest = read_manifest(folder) or {"files": []}
    changed = []
    for entry in manifest["files"]:
        name, expected = entry.get("name"), entry.get("sha256")
        digest = hashlib.sha256()
        try:
            with open(folder / name, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            changed.append(str(name))
            continue
        if digest.hexdigest() != expected:
            changed.append(str(name))
    return changed


def _only_files(folder: Path, names: Iterable[str]) -> bool:
    allowed = set(names)
    try:
        with os.scandir(folder) as entries:
            return all(e.name in allowed and (e.is_file(follow_symlinks=False) or (
                e.name == REPORT_FOLDER and e.is_dir(follow_symlinks=False))) for e in entries)
    except OSError:
        return False


def guarded_folders(conn: Connection, project_folder: Path, target: Path) -> list[Path]:
    """The folders ``target`` clashes with: image roots of the settings it is, holds or lies
    in, and a folder of the Pairs' images it is, holds or lies in (one found in SQL)."""
    roots = get_setting(conn, "image_roots") or {}
    folders = [Path(os.path.realpath(project_folder / str(root)))
               for root in (roots.values() if isinstance(roots, dict) else roots)]
    # One scan of the Pairs' paths: one in the target, or one right inside an ancestor of it.
    found: set[str] = set()
    for place in {os.path.abspath(target), os.path.realpath(target)}:
        path = image_path_near(conn, place)
        if path is not None:
            found.add(os.path.dirname(path))
    return folders + [Path(folder) for folder in sorted(found)]


def check_target(target: Path, *, force: bool, guarded: Iterable[Path] = (),
                 project_file: Path | None = None) -> None:
    """Raise UserError unless a release may be written to ``target``.

    ``guarded`` are folders a release may never be, hold or lie in (image roots, the folders
    of the Pairs' images); ``project_file`` the project, whose folder and files are guarded
    the same way. A non-empty target must be a release of this program, and needs ``force``.
    """
    real = Path(os.path.realpath(target))
    if project_file is not None:
        project = Path(os.path.realpath(project_file))
        names = (project.name, f"{project.name}-wal", f"{project.name}-shm",
                 f"{project.name}-journal")
        if (project.is_relative_to(real) or (real.parent == project.parent and (
                real.name in names or real.name.startswith(f"{project.stem}.backup-")))):
            raise UserError(f"output folder {target} holds the project {project_file}; "
                            "choose a folder of its own for the release")
    for folder in guarded:
        if real.is_relative_to(folder) or folder.is_relative_to(real):
            raise UserError(f"output folder {target} is or holds the image folder {folder} of "
                            "this project; choose a folder of its own for the release")
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder; choose another output folder")
    if target.is_dir() and any(target.iterdir()):
        if not is_release(target):
            raise UserError(f"output folder {target} is not empty and is not a release of "
                            "irtd-annotator; choose an empty or new folder")
        changed = changed_files(target)
        if changed:
            raise UserError(
                f"output folder {target} holds a release whose {', '.join(changed)} changed "
                "since it was exported (hand edits?); move those files away or choose another "
                "folder")
        if not force:
            raise UserError(f"output folder {target} holds a release; use --force to replace it")


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (renames, new files) durable, where the OS allows it."""
    if os.name != "posix":  # folders cannot be opened for fsync elsewhere
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_names(target: Path, uid: str) -> tuple[Path, Path]:
    """The partial and old folders of export ``uid`` beside ``target``."""
    return (target.with_name(f".{target.name}.partial-{uid}"),
            target.with_name(f".{target.name}.old-{uid}"))


def new_intent(target: Path, uid: str, *, force: bool) -> dict[str, Any]:
    """The record of an export about to start: its folders and the process running it."""
    partial, old = folder_names(target, uid)
    _active.add(uid)
    return {"uid": uid, "target": str(target), "partial": str(partial), "old": str(old),
            "force": force, "pid": os.getpid(), "host": socket.gethostname(),
            "release_id": None}


def done(uid: str) -> None:
    """The export ``uid`` of this process ended (finished or undone)."""
    _active.discard(uid)


def swap_in(partial: Path, target: Path, old: Path, *, force: bool) -> bool:
    """Rename ``partial`` to ``target``; an old release there goes to ``old`` first (with
    ``force``). True when an old release was moved aside (deleted once the swap is kept).
    """
    moved = False
    if target.is_dir():
        if any(target.iterdir()):  # checked before the export, but it may have changed since
            check_target(target, force=force)
            os.replace(target, old)
            moved = True
        else:
            target.rmdir()
    crash_point("aside")
    try:
        os.replace(partial, target)
    except BaseException:
        if moved:
            os.replace(old, target)
        raise
    fsync_dir(target.parent)
    return moved


def _running(intent: dict[str, Any], uid: str) -> bool:
    """True while the export of ``intent`` may still be running (never touch it then)."""
    if intent.get("host") != socket.gethostname():
        return True  # another machine's export: only it can tell
    pid = int(intent.get("pid") or 0)
    if pid == os.getpid():
        return uid in _active
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's
        return True
    return True


def settle(uid: str, intent: dict[str, Any], *, keep: bool) -> None:
    """Bring the folders of export ``uid`` to their final state on disk.

    ``keep``: the release is recorded, so its folder goes into place (if it is not there
    yet) and the old one is deleted; else the target gets its old release back and the
    partial folder is deleted. Safe to run again after a crash in the middle of it.
    """
    target, partial, old = (Path(intent[k]) for k in ("target", "partial", "old"))
    manifest = read_manifest(target)
    if keep:
        if (manifest is None or manifest.get("release_uid") != uid) and partial.is_dir():
            if target.is_dir() and not any(target.iterdir()):
                target.rmdir()
            if old.exists() and target.exists():  # someone put something in its place since
                raise UserError(f"the release recorded by a killed export is kept in {partial} "
                                f"(the one before it in {old}), but {target} now holds "
                                "something else; move that away and run any command again")
            if old.exists():  # killed with the old release aside: the target is free
                os.replace(partial, target)
                fsync_dir(target.parent)
            else:
                swap_in(partial, target, old, force=bool(intent.get("force")))
        shutil.rmtree(old, ignore_errors=True)
        return
    # Each step one rename (or a deletion of what is no one's any more): a kill in the
    # middle leaves a state this function settles again.
    if manifest is not None and manifest.get("release_uid") == uid:
        os.replace(target, partial)  # the new release came in but is not recorded
    if old.is_dir():
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        if target.exists():
            raise UserError(f"the release that was in {target} before a killed export is kept "
                            f"in {old}, but {target} now holds something else; move one of "
                            "them by hand")
        os.replace(old, target)
    shutil.rmtree(partial, ignore_errors=True)
    if target.parent.is_dir():
        fsync_dir(target.parent)


def leftovers(intents: dict[str, dict[str, Any]]) -> list[tuple[str, bool]]:
    """The killed exports to settle: (uid, keep the release) of those no process runs."""
    return [(uid, intent.get("release_id") is not None) for uid, intent in intents.items()
            if not _running(intent, uid)]


def hold(folder: Path) -> int | None:
    """Lock ``folder`` for this export (an advisory lock on its descriptor, which follows it
    through the renames); close the returned descriptor to let go. None where the system
    has no such locks: stray folders are then judged by their content alone."""
    if sys.platform == "win32":
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _in_use(folder: Path) -> bool:
    """True while another export (of any project, any process) holds ``folder``."""
    if sys.platform == "win32":
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return True  # it cannot be looked at: leave it alone
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing lets go of a lock taken here
    return False


def stray_folders(target: Path, named: set[str]) -> list[Path]:
    """Partial or old release folders of this program beside ``target`` that no record names
    (``named``: the folders of the records; these were left by a version without records):
    only folders holding nothing but release files."""
    found: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return found
    name = target.name
    for entry in entries:
        if (entry.name.startswith((f".{name}.partial-", f".{name}.old-"))
                and str(entry) not in named
                and entry.is_dir() and not entry.is_symlink()
                and (is_release(entry) or _only_files(entry, RELEASE_NAMES - {MANIFEST_NAME}))
                and not _in_use(entry)):
            found.append(entry)
    return found
