"""The queue's filter (its SQL is ``store.queue``; the status label is ``domain.model``)."""

from __future__ import annotations

from irtd_annotator.domain.queue_filter import QueueFilter, windowed

__all__ = ["QueueFilter", "windowed"]
