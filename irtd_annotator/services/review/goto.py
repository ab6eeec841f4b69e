"""Go to a Sample by what the reviewer has at hand (Ctrl+G, issue 13): its id (``17``,
``#17``), IR-TD's original id with the task (``Location 1234``), or its image's file name
(``190001.jpg``, ``FLIR_03641``, a path tail), which finds the first of that image's Samples
in the queue's order. Every lookup is a few index entries (``store/lookup.py``).

Many images are named by numbers (LLCM's ``0778.jpg``, LSOTB-TIR's ``00000084.jpg``): ASCII
digits with a leading zero are a file name, plain digits a sample id (and the remark says when
an image is named so too); other digits ("١٢") are no id. A visible image's name (``RGB/
FLIR_03641.jpg``) finds its pair by the stem (``FLIR_03641.jpeg``) when no image is named so."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.domain.tasks import Task
from irtd_annotator.services.changes import store_errors
from irtd_annotator.services.project import Project
from irtd_annotator.store.lookup import (
    NameMatch,
    file_name_of,
    name_match,
    sample_exists,
    sample_of_original,
    samples_of_file,
    stem_match,
)
from irtd_annotator.store.queue import first_in_order, selects

__all__ = ["HOW_TO", "Found", "SampleFinder"]

HOW_TO = "a sample id (17), a task and original id (Location 1234) or an image file name"
_ID = re.compile(r"(#?)\s*([0-9]+)")  # ASCII digits: "١٢" is no sample id
_TASK_AND_ID = re.compile(r"(.*\S)\s+#?(\S+)")


@dataclass(frozen=True)
class Found:
    """What a Go to found: the Sample to show, or ``problem`` (one line) when nothing."""

    sample_id: int | None
    matches: int = 0        # Samples the text names (an image's several Samples)
    in_filter: bool = True  # whether the queue's filter selects the Sample
    problem: str = ""
    remark: str = ""        # what else the status bar says (an image named like the id)


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
            if number is not None and (number[1] or not number[2].startswith("0")):
                if sample_exists(conn, int(number[2])):
                    return self._numbered(conn, int(number[2]), flt, named=not number[1])
                if number[1]:  # "#17" is a sample id, never a file
                    return Found(None, problem=f"No sample {number[2]}")
                problem = f"No sample {typed}"
            else:  # "0778" is a file name (LLCM's), never sample 778
                problem = f"No sample of an image named {typed}"
            task_and_id = _TASK_AND_ID.fullmatch(typed)
            task = _task(task_and_id[1]) if task_and_id is not None else None
            if task_and_id is not None and task is not None:
                sid = sample_of_original(conn, task.value, task_and_id[2])
                if sid is not None:
                    return self._one(conn, sid, flt)
                # else perhaps a file named so ("Scene 1.jpg"); if not, this is what is missing
                problem = f"No {task.value} sample with original id {task_and_id[2]}"
            found = self._of_file(conn, name_match(typed), flt)
            if found is None:  # a visible image's name: its pair, by the stem
                stem = stem_match(typed)
                found = self._of_file(conn, stem, flt)
                if found is not None and stem is not None:
                    found = replace(found, remark=f"no image is named {_name(typed)}; "
                                                  f"showing its pair {file_name_of(conn, stem)}")
            return found if found is not None else Found(None, problem=problem)

    @staticmethod
    def _of_file(conn: Connection, match: NameMatch | None, flt: QueueFilter) -> Found | None:
        ids = samples_of_file(conn, match) if match is not None else []
        if not ids:
            return None
        first = first_in_order(conn, flt, ids)
        return Found(first if first is not None else ids[0], matches=len(ids),
                     in_filter=first is not None)

    def _numbered(self, conn: Connection, sample_id: int, flt: QueueFilter, *,
                  named: bool) -> Found:
        """Sample ``sample_id``; ``named`` (plain digits): say so when an image is named so."""
        found = self._one(conn, sample_id, flt)
        match = name_match(str(sample_id)) if named else None
        image = file_name_of(conn, match) if match is not None else None
        if image is None:
            return found
        return replace(found, remark=f"an image {image} exists too: type {image}")

    @staticmethod
    def _one(conn: Connection, sample_id: int, flt: QueueFilter) -> Found:
        return Found(sample_id, matches=1, in_filter=selects(conn, flt, sample_id))


def _name(typed: str) -> str:
    return typed.strip().replace("\\", "/").rsplit("/", 1)[-1]


def _task(name: str) -> Task | None:
    try:
        return Task.parse(name)
    except ValueError:
        return None
