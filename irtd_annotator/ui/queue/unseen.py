"""The queue's filter in words, one description for every place that names it.

``describe_filter`` is the whole filter: the bulk decision's dialog, a batch to assign, a new
audit, the status bar after a click on a dashboard bar. ``unseen_parts`` are the parts no
widget of the queue dock shows: a click on a dashboard bar (issue 15) can filter the queue by
reject reason, warning code or who decided on which day, so the dock's count line names them
(and changing any filter by hand drops them); ``describe_filter`` names them too, or a bulk
decision after such a click would say "any status" of samples of one reviewer's day.
"""

from __future__ import annotations

from irtd_annotator.domain.queue_filter import QueueFilter

__all__ = ["count_words", "describe_filter", "unseen_parts"]


def unseen_parts(flt: QueueFilter) -> list[str]:
    """The filter's parts no widget of the dock shows (a dashboard bar sets them), in words."""
    parts = [f"{label}: {', '.join(v or '(none)' for v in values)}"
             for label, values in (("reason", flt.reasons), ("warning", flt.warning_kinds))
             if values]
    if flt.decided_by is not None:
        parts.append(f"decided by {flt.decided_by}"
                     + (f" on {flt.decided_day}" if flt.decided_day else ""))
    elif flt.decided_day is not None:
        parts.append(f"decided on {flt.decided_day}")
    return parts


def describe_filter(flt: QueueFilter, *, no_status: str = "pending") -> str:
    """The filter in words; ``no_status`` says which statuses a filter naming none takes (a
    batch or an audit is drawn from the pending samples, a bulk decision takes them all)."""
    parts = [", ".join(flt.statuses) if flt.statuses else no_status]
    if flt.audit:
        parts.append(f"audit {flt.audit}")
    for label, values in (("tasks", flt.tasks), ("sources", flt.sources)):
        if values:
            parts.append(f"{label} {', '.join(values)}")
    for label, value in (("missing images", flt.missing_images), ("edited", flt.edited),
                         ("warnings", flt.warnings)):
        if value is not None:
            parts.append(f"{label}: {'yes' if value else 'no'}")
    if flt.text.strip():
        parts.append(f"text {flt.text.strip()!r}")
    return "; ".join([*parts, *unseen_parts(flt)])


def count_words(count: int, flt: QueueFilter, counting: bool) -> tuple[str, str]:
    """(the dock's count line, its tooltip) for ``count`` rows of ``flt``; ``counting``: a
    search's count is on its way and ``count`` are the rows read so far (issue 16)."""
    unseen = unseen_parts(flt)  # what narrows the queue beyond the widgets
    number = f"{count:,}+ samples (counting…)" if counting \
        else f"{count:,} sample{'s' if count != 1 else ''}"
    return (" · ".join([number, *unseen]),
            "Set from the dashboard; changing a filter above clears it" if unseen else "")
