"""The releases of a project as rows, for the window's Releases table (the command line prints
them as text: ``export.list_releases``)."""

from __future__ import annotations

from dataclasses import dataclass

from irtd_annotator.services.project import Project
from irtd_annotator.services.release.export import recover_releases
from irtd_annotator.store.releases import release_rows

__all__ = ["ReleaseSummary", "release_summaries"]


@dataclass(frozen=True)
class ReleaseSummary:
    """One recorded release: when (UTC, ISO-8601), who, how many Samples, where, how."""

    id: int
    at: str
    who: str
    samples: int
    folder: str
    format: str
    statuses: tuple[str, ...]


def release_summaries(project: Project) -> list[ReleaseSummary]:
    """The project's releases, oldest first (exports killed midway settled first)."""
    recover_releases(project)
    with project.engine.connect() as conn:
        rows = release_rows(conn)
    return [ReleaseSummary(id=row.id, at=row.at, who=row.who, samples=row.sample_count,
                           folder=row.out_dir, format=str(row.filters.get("format", "json")),
                           statuses=tuple(row.filters.get("statuses", [])))
            for row in rows]
