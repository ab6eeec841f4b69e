"""Where the application keeps its data and settings; every folder has an environment override."""

from __future__ import annotations

import os
from pathlib import Path

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
