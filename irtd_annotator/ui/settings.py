"""The window's remembered settings: geometry, dock layout, recent projects, the annotator,
and per project the queue filter, the current Sample and how the images are shown.

QSettings in IniFormat in ``services.folders.config_dir()`` so the environment override
(``IRTD_ANNOTATOR_CONFIG_DIR``) isolates tests and portable installs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from irtd_annotator.services.folders import config_dir
from irtd_annotator.services.review.session import QueueFilter

MAX_RECENT = 10


def _project_key(location: str) -> str:
    # QSettings keys cannot hold arbitrary paths or URLs; a short digest names the project.
    return "project-" + hashlib.sha1(location.encode("utf-8")).hexdigest()[:16]


class AppSettings:
    """Typed access to the application's QSettings file."""

    def __init__(self, settings: QSettings | None = None) -> None:
        if settings is None:
            folder = config_dir()
            folder.mkdir(parents=True, exist_ok=True)
            settings = QSettings(str(folder / "irtd-annotator.ini"), QSettings.Format.IniFormat)
        self.qsettings = settings

    # ---- plain values --------------------------------------------------------------------
    def _get_str(self, key: str) -> str | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, str) and value else None

    def _get_json(self, key: str) -> Any:
        text = self._get_str(key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    @property
    def annotator(self) -> str | None:
        """The name recorded in revisions, asked once at first start."""
        return self._get_str("annotator")

    @annotator.setter
    def annotator(self, name: str) -> None:
        self.qsettings.setValue("annotator", name.strip())

    # ---- recent projects -------------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        """Locations of recently opened projects, the newest first."""
        data = self._get_json("recent_projects")
        return [p for p in data if isinstance(p, str)] if isinstance(data, list) else []

    def add_recent(self, location: str) -> None:
        recent = [location] + [p for p in self.recent_projects() if p != location]
        self.qsettings.setValue("recent_projects", json.dumps(recent[:MAX_RECENT]))

    def remove_recent(self, location: str) -> None:
        recent = [p for p in self.recent_projects() if p != location]
        self.qsettings.setValue("recent_projects", json.dumps(recent))

    def clear_recent(self) -> None:
        self.qsettings.setValue("recent_projects", json.dumps([]))

    @property
    def last_project(self) -> str | None:
        recent = self.recent_projects()
        return recent[0] if recent else None

    # ---- window layout ---------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """(geometry, dock state) as saved, or None where nothing was saved."""
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        return (geometry if isinstance(geometry, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    # ---- per project -----------------------------------------------------------------------
    def project_filter(self, location: str) -> QueueFilter:
        """The queue filter last used on the project (the default filter when none)."""
        return QueueFilter.from_json(self._get_json(f"{_project_key(location)}/filter"))

    def set_project_filter(self, location: str, flt: QueueFilter) -> None:
        self.qsettings.setValue(f"{_project_key(location)}/filter", json.dumps(flt.to_json()))

    def project_sample(self, location: str) -> int | None:
        """The Sample shown last in the project, or None."""
        value = self.qsettings.value(f"{_project_key(location)}/sample")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def set_project_sample(self, location: str, sample_id: int) -> None:
        self.qsettings.setValue(f"{_project_key(location)}/sample", int(sample_id))

    def sync(self) -> None:
        """Write the settings file now (QSettings otherwise writes lazily)."""
        self.qsettings.sync()

    # ---- the pair view, per project ------------------------------------------------------------
    def view_state(self, location: str) -> dict[str, Any]:
        """How the project's images were shown last (display settings, layout, blend; {}
        when never). Per project: another project's images want their own palette."""
        data = self._get_json(f"{_project_key(location)}/view")
        return data if isinstance(data, dict) else {}

    def set_view_state(self, location: str, state: dict[str, Any]) -> None:
        self.qsettings.setValue(f"{_project_key(location)}/view", json.dumps(state, sort_keys=True))
