"""The queue filter's parts that no widget of the queue dock shows, in words.

A click on a dashboard bar (issue 15) can filter the queue by reject reason, warning code or
who decided on which day; the dock has no widget for those, so its count line names them
(and changing any filter by hand drops them).
"""

from __future__ import annotations

from irtd_annotator.domain.queue_filter import QueueFilter

__all__ = ["unseen_parts"]


def unseen_parts(flt: QueueFilter) -> list[str]:
    """The filter's parts no widget of the dock shows (a dashboard bar sets them), in words."""
    parts = [f"{label}: {', '.join(v or '(none)' for v in values)}"
             for label, values in (("reason", flt.reasons), ("warning", flt.warning_kinds))
             if values]
    if flt.decided_by is not None:
        parts.append(f"decided by {flt.decided_by}"
                     + (f" on {flt.decided_day}" if flt.decided_day else ""))
    return parts
