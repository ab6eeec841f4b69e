"""Input files of an import: refuse what is not a regular file before any work, read the
bytes without ever blocking, and name a file in messages safely.

A FIFO given as input used to block the import forever while it held the store's write lock
(every reviewer's save failed meanwhile); /dev/zero never ends; a symlink loop or a NUL in a
name raised from deep inside. Each is one BadInputError naming the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.shown import shown


def display_name(path: Path) -> str:
    """The file name of ``path`` as messages and the store show it: bytes that are not
    UTF-8 (a name from another system) and control characters are escaped."""
    name = os.fsencode(path.name).decode("utf-8", "backslashreplace")
    return shown(name, limit=200)


def read_regular_file(path: Path, *, file: str) -> bytes:
    """The bytes of ``path``, refusing anything that is not a regular file (a FIFO would
    block the reading forever, /dev/zero never end); BadInputError says why."""
    with open_regular_file(path, file=file) as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise _unreadable(exc, file=file) from None


def open_regular_file(path: Path, *, file: str) -> BinaryIO:
    """``path`` opened for reading bytes, refusing anything that is not a regular file (see
    ``read_regular_file``); BadInputError says why. The caller closes it."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise _unreadable(exc, file=file) from None
    handle = os.fdopen(fd, "rb")
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise BadInputError(not_regular(mode), file=file)
        os.set_blocking(fd, True)
    except BaseException:
        handle.close()
        raise
    return handle


def read_error(exc: OSError, *, file: str) -> BadInputError:
    """The error of a file that could be opened but not read."""
    return _unreadable(exc, file=file)


def check_regular_files(paths: Sequence[Path]) -> None:
    """Refuse, before any work, a path that is missing or is not a regular file: the whole
    import is one transaction, and a FIFO met in the middle of it held the write lock."""
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError) as exc:
            raise _unreadable(exc, file=display_name(path)) from None
        if not stat.S_ISREG(mode):
            raise BadInputError(not_regular(mode), file=display_name(path))


def not_regular(mode: int) -> str:
    """Why a file of ``mode`` (not a regular file) cannot be read as samples."""
    if stat.S_ISDIR(mode):
        return "is a folder, not a file; give the JSON files in it"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")
    return f"is not a regular file but {kind}; give a JSON file"


def _unreadable(exc: OSError | ValueError, *, file: str) -> BadInputError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return BadInputError(f"cannot read the file: {reason}", file=file)


def file_size(path: Path) -> str:
    """The size of ``path`` in MB for a message, or 'size unknown'."""
    try:
        return f"{os.stat(path).st_size / 2**20:,.0f} MB"
    except (OSError, ValueError):
        return "size unknown"
