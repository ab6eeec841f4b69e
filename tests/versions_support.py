"""Two (or more) reviewers on one store for the lost-update tests: each with a Project of its
own (its own engine and connections, as two windows or two machines have), its review session
and its editing service sharing one record of what it saw."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from editing_data import first_of_kind, import_subset, released
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.seen import SeenVersions
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.store.schema import Revision, Sample, Turn

GROUNDING_SAMPLES = 6


@dataclass
class Reviewer:
    """One reviewer's window, without the widgets."""

    name: str
    project: Project
    session: ReviewSession
    editing: AnswerEditing

    @classmethod
    def open(cls, target: str, name: str) -> Reviewer:
        project = Project.open(target, create=False)
        seen = SeenVersions()
        return cls(name, project, ReviewSession(project, annotator=name, seen=seen),
                   AnswerEditing(project, annotator=name, seen=seen))

    def close(self) -> None:
        self.project.close()


def grounding_store(target: str, irtd_files: Path, folder: Path) -> list[int]:
    """A store at ``target`` holding a few real Grounding samples; their ids."""
    samples = first_of_kind(released(irtd_files, "Detection.json"), count=GROUNDING_SAMPLES)
    with Project.open(target) as project:
        import_subset(project, folder, {"Detection.json": samples})
        with project.engine.connect() as conn:
            return [int(i) for i in conn.execute(select(Sample.id).order_by(Sample.id)).scalars()]


def answer(project: Project, sample_id: int) -> str:
    with project.engine.connect() as conn:
        return str(conn.execute(select(Turn.text).where(
            Turn.sample_id == sample_id, Turn.idx == 1)).scalar_one())


def revisions(project: Project, sample_id: int) -> list[tuple[str, str, str | None, str | None]]:
    """(who, target, old, new) of the Sample's revisions, oldest first."""
    with project.engine.connect() as conn:
        return [(r.who, r.target, r.old, r.new) for r in conn.execute(
            select(Revision).where(Revision.sample_id == sample_id).order_by(Revision.id))]


def box_answer(x1: int, y1: int, x2: int, y2: int) -> str:
    """A Grounding answer as the release writes it."""
    return f"The target bounding box is <box>[[{x1}, {y1}, {x2}, {y2}]]</box>."
