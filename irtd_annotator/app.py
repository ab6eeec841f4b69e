"""Composition root of the window: QApplication, the main window, the project it opens."""

from __future__ import annotations

import sys


def run_gui(*, project: str | None, annotator: str | None) -> int:
    """Open the review window (on ``project`` when given) and run until it closes."""
    print("The review window is not built yet; use `irtd-annotator demo --no-window` or "
          "`irtd-annotator stats --db PROJECT`.", file=sys.stderr)
    return 2
