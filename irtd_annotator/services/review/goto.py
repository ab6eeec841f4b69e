"""Go to a Sample by what the reviewer has at hand (Ctrl+G, issue 13): its id (``17``,
``#17``), IR-TD's original id with the task (``Location 1234``), or its image's file name
(``190001.jpg``, ``FLIR_03641``, a path tail), which finds the first of that image's Samples
in the queue's order. Every lookup is a few index entries (``store/lookup.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.changes import store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.store.lookup import (
    name_match,
    sample_exists,
    sample_of_original,
    samples_of_file,
)
from irtd_annotator.store.queue import first_in_order, selects

__all__ = ["HOW_TO", "Found", "SampleFinder"]

HOW_TO = "a sample id (17), a task and original id (Location 1234) or an image file name"
_ID = re.compile(r"(#?)\s*(\d+)")
_TASK_AND_ID = re.compile(r"(.*\S)\s+#?(\S+)")


@dataclass(frozen=True)
class Found:
    """What a Go to found: the Sample to show, or ``problem`` (one line) when nothing."""

    sample_id: int | None
    matches: int = 0        # Samples the text names (an image's several Samples)
    in_filter: bool = True  # whether the queue's filter selects the Sample
    problem: str = ""


class SampleFinder:
    """Finds the Sample a typed Go to names, in one project."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @store_errors
    def find(self, typed: str, flt: QueueFilter) -> Found:
        """The Sample ``typed`` names; of several (an image's), the first in the order of
        the queue's filter ``flt`` that it selects, else the first by id."""
        typed = typed.strip()
        if not typed:
            return Found(None, problem=f"Type {HOW_TO}")
        with self.project.engine.connect() as conn:
            number = _ID.fullmatch(typed)
            if number is not None and sample_exists(conn, int(number[2])):
                return self._one(conn, int(number[2]), flt)
            if number is not None and number[1]:  # "#17" is a sample id, never a file
                return Found(None, problem=f"No sample {number[2]}")
            problem = f"No sample {typed}" if number is not None \
                else f"No sample of an image named {typed}"
            task_and_id = _TASK_AND_ID.fullmatch(typed)
            task = _task(task_and_id[1]) if task_and_id is not None else None
            if task_and_id is not None and task is not None:
                sid = sample_of_original(conn, task.value, task_and_id[2])
                if sid is not None:
                    return self._one(conn, sid, flt)
                # else perhaps a file named so ("Scene 1.jpg"); if not, this is what is missing
                problem = f"No {task.value} sample with original id {task_and_id[2]}"
            match = name_match(typed)
            ids = samples_of_file(conn, match) if match is not None else []
            if not ids:
                return Found(None, problem=problem)
            first = first_in_order(conn, flt, ids)
            return Found(first if first is not None else ids[0], matches=len(ids),
                         in_filter=first is not None)

    @staticmethod
    def _one(conn: Connection, sample_id: int, flt: QueueFilter) -> Found:
        return Found(sample_id, matches=1, in_filter=selects(conn, flt, sample_id))


def _task(name: str) -> Task | None:
    try:
        return Task.parse(name)
    except ValueError:
        return None
