"""Where the application keeps its data and settings; every folder has an environment override."""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

DATA_DIR_ENV = "IRTD_ANNOTATOR_DATA_DIR"
CONFIG_DIR_ENV = "IRTD_ANNOTATOR_CONFIG_DIR"


def data_dir() -> Path:
    """The user's data folder: ``$IRTD_ANNOTATOR_DATA_DIR``, else the XDG data home."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "irtd-annotator"


def config_dir() -> Path:
    """The user's settings folder: ``$IRTD_ANNOTATOR_CONFIG_DIR``, else the XDG config home."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "irtd-annotator"


def log_path() -> Path:
    """Where unexpected errors are logged: ``<data dir>/logs/irtd-annotator.log``."""
    return data_dir() / "logs" / "irtd-annotator.log"


def log_exception(exc_type: type[BaseException], exc: BaseException,
                  tb: TracebackType | None) -> Path:
    """Append the traceback to the log file (created when needed) and return its path."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with path.open("a", encoding="utf-8") as log:
        log.write(f"--- {stamp}\n")
        log.write("".join(traceback.format_exception(exc_type, exc, tb)))
    return path
