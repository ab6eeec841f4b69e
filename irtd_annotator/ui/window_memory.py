"""What the main window remembers between runs besides its layout: the recent projects (the
File > Open recent menu) and, per project, how the pair view shows its images (display,
layout, blend)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMenu, QWidget

from irtd_annotator.imaging.display import DisplaySettings
from irtd_annotator.ui.pair.view import LAYOUTS, PairView
from irtd_annotator.ui.settings import AppSettings

__all__ = ["RecentMenu", "project_label", "restore_view_state", "save_view_state"]


def project_label(location: str) -> str:
    """How a project is named in the title and the recent list: its file name, or the URL."""
    return Path(location).name if "://" not in location else location


class RecentMenu(QMenu):
    """File > Open recent: the projects opened last, numbered, and a way to forget them."""

    def __init__(self, settings: AppSettings, *, open_project: Callable[[str], object],
                 parent: QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.setObjectName("recentMenu")
        self._settings = settings
        self._open = open_project

    def fill(self) -> None:
        """Fill the menu again from the settings."""
        self.clear()
        recent = self._settings.recent_projects()
        for n, location in enumerate(recent, start=1):
            action = self.addAction(f"&{n % 10}  {project_label(location)}")
            action.setToolTip(location)
            action.setStatusTip(location)
            action.triggered.connect(lambda _c=False, loc=location: self._open(loc))
        if recent:
            self.addSeparator()
            self.addAction("Clear the list", self._clear)
        self.setEnabled(bool(recent))

    def _clear(self) -> None:
        self._settings.clear_recent()
        self.fill()


def save_view_state(settings: AppSettings, pair_view: PairView, location: str | None) -> None:
    """Remember how the pair view shows the images of the project at ``location`` (nothing
    while no project is open)."""
    if location is None:
        return
    settings.set_view_state(location, {
        "display": dataclasses.asdict(pair_view.display()),
        "layout": pair_view.layout_mode(), "blend": pair_view.blend()})


def restore_view_state(settings: AppSettings, pair_view: PairView, location: str) -> None:
    """Show the images of the project at ``location`` as they were shown last; a project
    never opened, or settings of another version, get the defaults (not the last project's)."""
    state = settings.view_state(location)
    display, layout, blend = DisplaySettings(), "side-by-side", 0.5
    try:
        if isinstance(state.get("display"), dict):
            display = DisplaySettings(**state["display"])
        if isinstance(state.get("layout"), str) and state["layout"] in LAYOUTS:
            layout = state["layout"]
        if isinstance(state.get("blend"), (int, float)) and 0 <= state["blend"] <= 1:
            blend = float(state["blend"])
    except (TypeError, ValueError):
        pass  # settings from another version: the defaults will do
    pair_view.set_display(display)
    pair_view.set_layout(layout)
    pair_view.set_blend(blend)
