"""Where a command may write a file: never onto the project, its files, an input, an image.

Every command that writes a file (import's report of rejected samples today) calls
``check_output_file`` before it starts any work, so a mistyped path is refused with one line
and nothing changed, instead of a project overwritten by a CSV. Paths are compared resolved
(links, ``x/../`` detours) and by file identity (hard links). ``write_text_atomic`` writes such
a file the atomic way while honouring the umask (``tempfile.mkstemp`` makes every file 0600,
which teammates cannot read).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project
from irtd_annotator.store.releases import file_layouts

# The files SQLite keeps beside a database (write-ahead log, its index, rollback journal).
SIDE_FILES = {"-wal": "the project's write-ahead log", "-shm": "the project's WAL index",
              "-journal": "the project's rollback journal"}


def _real(path: Path | str) -> Path:
    """The absolute path with every link and ``..`` resolved (missing parts kept)."""
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them is missing (or an unusable name)
        return False


def is_backup_name(name: str, project_path: Path) -> bool:
    """Whether ``name`` is a backup's name of the project (``<stem>.backup-*<suffix>``)."""
    stem, suffix = project_path.stem, project_path.suffix
    return (name.startswith(f"{stem}.backup-") and name.endswith(suffix)
            and len(name) > len(stem) + len(".backup-") + len(suffix))


def project_files(project_path: Path) -> list[tuple[Path, str]]:
    """The project file, the files SQLite keeps beside it and its backups, each with what it
    is: the files no output may replace."""
    found: list[tuple[Path, str]] = []
    for base in dict.fromkeys((project_path, _real(project_path))):
        found.append((base, "the project itself"))
        found.extend((base.with_name(base.name + end), what) for end, what in SIDE_FILES.items())
        try:
            names = os.listdir(base.parent)
        except OSError:
            names = []
        found.extend((base.with_name(n), "a backup of the project")
                     for n in sorted(names) if is_backup_name(n, base))
    return found


def protected_reason(path: Path, *, project: Project, inputs: Sequence[Path],
                     roots: Iterable[str]) -> str | None:
    """Why writing ``path`` would destroy something (the project, its files, an input, an
    image folder), or None."""
    target = _real(path)
    project_path = project.path
    if project_path is not None:
        for kept, what in project_files(project_path):
            if target == _real(kept) or _same_file(target, kept):
                return f"it is {what}" + (f" ({kept.name})" if "backup" in what else "")
        if target.parent == _real(project_path).parent and is_backup_name(target.name,
                                                                         project_path):
            return "its name is that of a backup of the project"
    for given in inputs:
        if target == _real(given) or _same_file(target, given):
            return f"it is the input file {given}"
    for root in roots:
        if not root:
            continue
        folder = _real(root)
        if target == folder or folder in target.parents:
            return f"it lies inside the image folder {root}"
    return None


def _writable_reason(target: Path) -> str | None:
    """Why a file cannot be written at ``target`` (a folder, a missing or read-only folder)."""
    if target.is_dir():
        return "it is a folder; give a file name"
    if target.exists() and not target.is_file():
        return "it is not a regular file"
    if target.is_file() and not os.access(target, os.W_OK):
        return "the file is read-only"
    folder = target.parent
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    return _probe_reason(folder, target.name, f"cannot write in {folder}")


def _probe_reason(folder: Path, name: str, failed: str) -> str | None:
    """``failed`` and why, unless a file can be made in ``folder``: the one sure test
    (os.access is wrong for root, ACLs, read-only mounts). The probe is removed."""
    try:
        fd, probe = create_exclusive(folder, f".{name}.", ".probe")
    except OSError as exc:
        return f"{failed}: {exc.strerror or exc}"
    os.close(fd)
    probe.unlink(missing_ok=True)
    return None


def check_output_file(path: Path, *, project: Project, inputs: Sequence[Path],
                      roots: Iterable[str] | None = None, what: str = "output file",
                      replaces: Sequence[bytes] = ()) -> None:
    """Refuse (UserError, one line) to write ``path`` when it is the project, its WAL, SHM or
    journal, one of its backups, an input, lies inside an image folder, or cannot be written
    (a folder, a missing or read-only folder). Call it before any work; it writes nothing.

    ``roots``: the image folders to keep clear of; None reads those stored in the project.
    """
    if roots is None:
        roots = (project.setting("image_roots") or {}).values()
    reason = protected_reason(path, project=project, inputs=inputs, roots=roots)
    if reason is None:  # where the file will be written: the link itself, if it is one
        reason = _writable_reason(Path(os.path.abspath(os.path.expanduser(path))))
    if reason is None:
        reason = _replace_reason(Path(path).expanduser(), replaces, what)
    if reason is not None:
        raise UserError(f"will not write the {what} to {path}: {reason}")


def check_output_folder(folder: Path, *, project: Project, what: str,
                        roots: Iterable[str] | None = None) -> None:
    """Refuse (UserError, one line) to write ``what`` (files of a known name, a report page)
    into ``folder`` when it is the project's folder or holds it, is or lies inside an image
    folder, holds a file the project was imported from, is a file, or cannot be made or
    written in. It writes nothing: a missing folder (and its missing parents) is the writer's
    to make. ``roots``: as for ``check_output_file``."""
    if roots is None:
        roots = (project.setting("image_roots") or {}).values()
    real = _real(folder)
    reason: str | None = None
    if project.path is not None and (real == _real(project.path).parent
                                     or real in _real(project.path).parents):
        reason = "it holds the project; give a folder of its own"
    for root in roots:
        if root and reason is None and (real == _real(root) or _real(root) in real.parents):
            reason = f"it is or lies inside the image folder {root}"
    if reason is None and real.is_dir():
        reason = _input_reason(real, project)
    if reason is None and real.exists() and not real.is_dir():
        reason = "it exists and is not a folder"
    made = real  # the folder, or its nearest existing parent, where the writer makes it
    while reason is None and not made.exists() and made.parent != made:
        made = made.parent
        if made.exists() and not made.is_dir():
            reason = f"it cannot be made: {made} is not a folder"
    if reason is None:
        failed = "cannot write in it" if made == real else f"it cannot be made in {made}"
        reason = _probe_reason(made, what.replace(" ", "-"), failed)
    if reason is not None:
        raise UserError(f"will not write the {what} to {folder}: {reason}")


def _input_reason(folder: Path, project: Project) -> str | None:
    """Why ``folder`` is an input folder: it holds a file the project was imported from (by
    the names whose layouts the import kept), which a report does not belong beside."""
    with project.engine.connect() as conn:
        names = sorted(file_layouts(conn))
    held = [name for name in names if (folder / name).is_file()]
    return f"it holds {held[0]}, a file the project was imported from" if held else None


def _replace_reason(target: Path, replaces: Sequence[bytes], what: str) -> str | None:
    """Why an existing ``target`` may not be replaced: only an empty file or an earlier
    output of the same kind (it starts with one of ``replaces``) may be; anything else, a
    project of another name among them, is someone's work."""
    try:
        with open(target, "rb") as handle:
            head = handle.read(64)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read to see what it is: {exc.strerror or exc}"
    if not head or any(head.startswith(start) for start in replaces):
        return None
    kind = "an SQLite database (a project?)" if head.startswith(b"SQLite format 3") else (
        f"a file that is not an earlier {what}")
    return f"it exists and is {kind}; give a new file name"


def create_exclusive(folder: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """Create a new file with a unique name in ``folder``, open for writing, with the mode the
    umask allows (0666 & ~umask, as ``open()`` gives; ``mkstemp`` would give 0600)."""
    for _attempt in range(100):
        candidate = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder (fsync, then
    rename): readers see the old file or the new one, never half of it. Raises OSError."""
    fd, temp = create_exclusive(path.parent, f".{path.name}.", ".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
