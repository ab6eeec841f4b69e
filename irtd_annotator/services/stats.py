"""Counts of a project per task, source, status and missing-image state."""

from __future__ import annotations

from dataclasses import dataclass, field

from irtd_annotator.services.project import Project
from irtd_annotator.store.stats import project_counts


@dataclass
class ProjectStats:
    """What is in a project."""

    samples: int = 0
    pairs: int = 0
    by_task: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_image: dict[str, int] = field(default_factory=dict)
    edited: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples, "pairs": self.pairs, "edited": self.edited,
            "by_task": self.by_task, "by_source": self.by_source,
            "by_status": self.by_status, "by_image": self.by_image,
        }

    def as_table(self) -> str:
        """A plain-text table, one section per grouping."""
        lines = [f"{'samples':<32}{self.samples:>10,}", f"{'pairs':<32}{self.pairs:>10,}",
                 f"{'edited samples':<32}{self.edited:>10,}"]
        for title, counts in (("task", self.by_task), ("source", self.by_source),
                              ("status", self.by_status), ("images", self.by_image)):
            lines.append("")
            lines.append(f"{title:<32}{'samples':>10}")
            lines.append("-" * 42)
            for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"{key:<32}{value:>10,}")
        return "\n".join(lines)


def project_stats(project: Project) -> ProjectStats:
    """Count the project's Samples by task, source, status and image state."""
    with project.engine.connect() as conn:
        return ProjectStats(**project_counts(conn)._asdict())
