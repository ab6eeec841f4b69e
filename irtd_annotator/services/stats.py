"""Counts of a project per task, source, status and missing-image state."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Pair, Sample


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
    stats = ProjectStats()
    image_state = case(
        (Pair.ir_exists.is_(False), "infrared missing"),
        (Pair.visible_path.is_(None), "no visible counterpart"),
        (Pair.visible_exists.is_(False), "visible missing"),
        else_="both present",
    )
    with project.engine.connect() as conn:
        stats.samples = conn.execute(select(func.count()).select_from(Sample)).scalar_one()
        stats.pairs = conn.execute(select(func.count()).select_from(Pair)).scalar_one()
        stats.edited = conn.execute(
            select(func.count()).select_from(Sample).where(Sample.edited.is_(True))).scalar_one()
        for column, target in ((Sample.task, stats.by_task), (Sample.status, stats.by_status)):
            for key, n in conn.execute(select(column, func.count()).group_by(column)):
                target[key] = n
        joined = select(Pair.source, func.count()).join(Sample, Sample.pair_id == Pair.id)
        for key, n in conn.execute(joined.group_by(Pair.source)):
            stats.by_source[key] = n
        by_image = select(image_state.label("state"), func.count()).join(
            Sample, Sample.pair_id == Pair.id).group_by("state")
        for key, n in conn.execute(by_image):
            stats.by_image[key] = n
    return stats
