"""The review statuses' colours, one set for every place that draws a status: the queue's
marks and the dashboard's and report page's bars (a room imports it; no room owns it)."""

from __future__ import annotations

__all__ = ["STATUS_COLOURS"]

STATUS_COLOURS = {
    "pending": "#9e9e9e", "approved": "#2e7d32", "rejected": "#c62828", "flagged": "#ef6c00",
    "accepted": "#66bb6a",  # the approved green, lighter: decided by an audit, not by a person
}
