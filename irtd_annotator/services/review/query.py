"""The queue's filter and the status label of the history (the filter's SQL is
``store.queue``)."""

from __future__ import annotations

from irtd_annotator.domain.queue_filter import QueueFilter, windowed

__all__ = ["QueueFilter", "status_label", "windowed"]


def status_label(status: str, reason: str | None, note: str | None) -> str:
    """How a status reads in the history: ``rejected (wrong count): note``."""
    text = status
    if reason:
        text += f" ({reason})"
    if note:
        text += f": {note}"
    return text
