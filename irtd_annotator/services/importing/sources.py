"""Import a source dataset (LLVIP) as Pairs, its boxes and IR-TD's rule-based Samples; the demo.

``import_source`` turns a dataset folder into Pairs with the dataset's own boxes as Shapes,
and makes the rule-based Samples IR-TD made from such boxes (Grounding, Location,
Relationship, Pedestrian Counting) with ``domain.templates``. ``ensure_demo_project`` builds,
once, a small project from the 6 annotated LLVIP pairs shipped with the application, with
LLM-style Caption and Instruction drafts to review.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.model import Box, CoordSpace, Point, Role
from irtd_annotator.domain.tasks import Task
from irtd_annotator.domain.templates import RuleSample, rule_based_samples
from irtd_annotator.imaging.probe import image_size
from irtd_annotator.importers.llvip import LLVIP_SOURCE, LlvipPair, scan_llvip
from irtd_annotator.services.folders import data_dir
from irtd_annotator.services.importing.lock import IMPORT_WAIT, import_transaction
from irtd_annotator.services.project import Project
from irtd_annotator.services.risk import refresh_risk
from irtd_annotator.store.project_file import fold_wal
from irtd_annotator.store.revisions import add_revision
from irtd_annotator.store.sources import (
    OUTSIDE_IMAGE,
    NewSample,
    existing_keys,
    insert_pairs,
    insert_samples,
    insert_shapes,
    pair_ids_under,
    pairs_with_source_boxes,
    shape_rows,
)

if TYPE_CHECKING:
    from importlib.abc import Traversable

SOURCE_KINDS = ("llvip",)


def _who(annotator: str | None) -> str:
    if annotator:
        return annotator
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return "unknown"


def task_slug(task: Task) -> str:
    """The task as it appears in generated sample ids: "grounding", "pedestrian-counting"."""
    return task.value.lower().replace(" ", "-")


@dataclass(frozen=True)
class SourceImportReport:
    """What one source import found and added."""

    kind: str
    directory: str
    pairs_found: int = 0
    pairs_added: int = 0
    annotated_pairs: int = 0
    boxes_added: int = 0
    boxes_outside: int = 0
    visible_missing: int = 0
    size_unknown: int = 0
    samples_by_task: tuple[tuple[str, int], ...] = field(default=())
    orphan_annotations: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}")
        if self.pairs_added > self.pairs_found:
            raise ValueError("more pairs added than found")

    @property
    def samples_added(self) -> int:
        return sum(n for _task, n in self.samples_by_task)

    @property
    def added_anything(self) -> bool:
        return bool(self.pairs_added or self.boxes_added or self.samples_added)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "directory": self.directory, "pairs_found": self.pairs_found,
                "pairs_added": self.pairs_added, "annotated_pairs": self.annotated_pairs,
                "boxes_added": self.boxes_added, "boxes_outside": self.boxes_outside,
                "visible_missing": self.visible_missing, "size_unknown": self.size_unknown,
                "samples_by_task": dict(self.samples_by_task),
                "orphan_annotations": list(self.orphan_annotations)}

    def summary(self) -> str:
        """A short plain-text account for people."""
        lines = [f"{self.kind.upper()} import from {self.directory}",
                 f"  {'pairs found':<28}{self.pairs_found:>8,}",
                 f"  {'pairs added':<28}{self.pairs_added:>8,}"
                 + (f"  ({self.pairs_found - self.pairs_added:,} already in the project)"
                    if self.pairs_found > self.pairs_added else ""),
                 f"  {'visible image missing':<28}{self.visible_missing:>8,}",
                 f"  {'annotated pairs':<28}{self.annotated_pairs:>8,}",
                 f"  {'boxes added':<28}{self.boxes_added:>8,}"
                 + (f"  ({self.boxes_outside:,} outside the image, flagged)"
                    if self.boxes_outside else ""),
                 f"  {'samples added':<28}{self.samples_added:>8,}"]
        lines += [f"    {task:<26}{n:>8,}" for task, n in self.samples_by_task]
        if self.size_unknown:
            lines.append(f"  {self.size_unknown:,} annotated pair(s) without a readable image "
                         "size got no samples")
        if self.orphan_annotations:
            lines.append(f"  {len(self.orphan_annotations):,} annotation file(s) without an "
                         f"infrared image: {', '.join(self.orphan_annotations[:5])}"
                         + (" ..." if len(self.orphan_annotations) > 5 else ""))
        if not self.added_anything:
            lines.append("  nothing new: everything was already in the project")
        return "\n".join(lines)


def _rule_samples(pair: LlvipPair, pair_id: int) -> list[NewSample]:
    annotation = pair.annotation
    if annotation is None or pair.width is None or pair.height is None:
        return []
    boxes = [o.box for o in annotation.objects]
    made: list[NewSample] = []
    counters: dict[Task, int] = {}
    for rule in rule_based_samples(boxes, width=pair.width, height=pair.height):
        n = counters.get(rule.task, 0)
        counters[rule.task] = n + 1
        made.append(_new_rule_sample(rule, pair, pair_id, n))
    return made


def _new_rule_sample(rule: RuleSample, pair: LlvipPair, pair_id: int, n: int) -> NewSample:
    # Only the geometry an answer carries is the sample's own: a Grounding box or Location
    # points. Relationship and counting answers are a word and a number.
    boxes = rule.boxes if rule.task is Task.GROUNDING else ()
    points = rule.points if rule.task is Task.LOCATION else ()
    shapes: tuple[Box | Point, ...] = (*boxes, *points)
    outside = any(s.outside(pair.width, pair.height) for s in shapes)
    return NewSample(
        task=rule.task, original_id=f"llvip-{pair.key}-{task_slug(rule.task)}-{n}",
        source_file=LLVIP_SOURCE, pair_id=pair_id, image=pair.rel_path,
        turns=((Role.HUMAN.value, rule.prompt), (Role.GPT.value, rule.answer)),
        answer_space=CoordSpace.NORM1000 if rule.task is Task.LOCATION else CoordSpace.PIXEL,
        boxes=boxes, points=points, count=rule.count,
        warnings=(OUTSIDE_IMAGE,) if outside else ())


def _write_llvip(conn: Connection, pairs: tuple[LlvipPair, ...]) -> dict[str, int]:
    """Insert what is new; return counts. Runs in the caller's transaction."""
    # By path, not by source: a Pair made otherwise at the same path is reused, not duplicated.
    mine = f"{LLVIP_SOURCE}/"
    known = pair_ids_under(conn, mine)
    new_pairs = [p for p in pairs if p.rel_path not in known]
    if new_pairs:
        insert_pairs(conn, [dict(
            rel_path=p.rel_path, source=LLVIP_SOURCE, ir_path=str(p.ir_path),
            visible_path=str(p.visible_path), ir_exists=True, visible_exists=p.visible_exists,
            width=p.width, height=p.height, aligned=True) for p in new_pairs])
        known = pair_ids_under(conn, mine)
    with_boxes = pairs_with_source_boxes(conn)
    shapes: list[dict[str, object]] = []
    for p in pairs:
        pair_id = known[p.rel_path]
        if p.annotation is not None and p.annotation.objects and pair_id not in with_boxes:
            shapes += shape_rows(pair_id=pair_id, sample_id=None,
                                 boxes=[o.box for o in p.annotation.objects], points=(),
                                 width=p.width, height=p.height)
    insert_shapes(conn, shapes)
    candidates = [s for p in pairs for s in _rule_samples(p, known[p.rel_path])]
    present = existing_keys(conn, (s.key for s in candidates))
    new_samples = [s for s in candidates if s.key not in present]
    insert_samples(conn, new_samples,
                   sizes={known[p.rel_path]: (p.width, p.height) for p in pairs})
    counts = {"pairs": len(new_pairs), "boxes": len(shapes),
              "outside": sum(1 for row in shapes if row["outside"])}
    for task in Task:
        n = sum(1 for s in new_samples if s.task is task)
        if n:
            counts[f"task:{task.value}"] = n
    return counts


def import_source(project: Project, kind: str, directory: Path, *,
                  annotator: str | None = None, wait: float = IMPORT_WAIT,
                  waiting: Callable[[str], None] | None = None) -> SourceImportReport:
    """Import a source dataset folder (``kind`` "llvip") into the project, in one transaction.

    Adds what is not there yet (importing the same folder twice adds nothing) and appends an
    "import-source" revision when anything was added. Raises BadInputError naming the file
    and line of a broken annotation; the store is then left as it was. Runs after any other
    import into the project has ended (``importing.lock``: ``waiting``, ``wait``).
    """
    if kind.lower() not in SOURCE_KINDS:
        raise BadInputError(f"unknown source dataset kind {kind!r}; known: {', '.join(SOURCE_KINDS)}",
                            file=str(directory))
    scan = scan_llvip(Path(directory), image_size=image_size)
    with import_transaction(project, wait=wait, waiting=waiting) as conn:
        counts = _write_llvip(conn, scan.pairs)
        report = SourceImportReport(
            kind="llvip", directory=str(scan.root), pairs_found=len(scan.pairs),
            pairs_added=counts["pairs"],
            annotated_pairs=sum(1 for p in scan.pairs if p.annotation is not None),
            boxes_added=counts["boxes"], boxes_outside=counts["outside"],
            visible_missing=sum(1 for p in scan.pairs if not p.visible_exists),
            size_unknown=sum(1 for p in scan.pairs
                             if p.annotation is not None and p.width is None),
            samples_by_task=tuple((key.removeprefix("task:"), n) for key, n in counts.items()
                                  if key.startswith("task:")),
            orphan_annotations=scan.orphan_annotations)
        if report.added_anything:
            refresh_risk(conn)  # new source boxes: the counts of their images compare anew
            add_revision(conn, who=_who(annotator), action="import-source",
                         target=f"{LLVIP_SOURCE} {scan.root}",
                         new=json.dumps(report.as_dict(), ensure_ascii=False))
    return report


# ----------------------------------------------------------------------------------------
# The demo project

DEMO_FOLDER = "demo"
DEMO_DB = "demo.db"
DRAFTS_FILE = "drafts.json"
DEMO_ANNOTATOR = "demo"


def _demo_resources() -> Traversable:
    return resources.files("irtd_annotator.resources") / DEMO_FOLDER


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _copy_tree(source: Traversable, dest: Path) -> None:
    """Copy the shipped files (works from a folder or a zipped wheel); keep existing ones."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name.startswith((".", "__")) or item.name == DRAFTS_FILE:
            continue
        target = dest / item.name
        if item.is_dir():
            _copy_tree(item, target)
        elif not target.exists():
            _write_atomic(target, item.read_bytes())


def load_drafts() -> dict[str, list[dict[str, object]]]:
    """The demo's LLM-style drafts, keyed by LLVIP image id (``resources/demo/drafts.json``)."""
    data = json.loads((_demo_resources() / DRAFTS_FILE).read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def _draft_samples(drafts: dict[str, list[dict[str, object]]],
                   pair_ids: dict[str, int]) -> list[NewSample]:
    samples: list[NewSample] = []
    for key, entries in drafts.items():
        for entry in entries:
            sample_id = str(entry.get("id", ""))
            try:
                image = str(entry["image"])
                conversations = entry["conversations"]
                if not isinstance(conversations, list):
                    raise TypeError("conversations must be a list of turns")
                samples.append(NewSample(
                    task=Task.parse(str(entry["task"])), original_id=sample_id,
                    source_file=DRAFTS_FILE, pair_id=pair_ids[image], image=image,
                    turns=tuple((str(t["from"]), str(t["value"])) for t in conversations)))
            except (KeyError, TypeError, ValueError) as exc:
                raise BadInputError(f"draft of pair {key} is malformed ({exc!s})",
                                    file=DRAFTS_FILE, sample_id=sample_id) from None
    return samples


def _build_demo(path: Path, llvip: Path) -> None:
    with Project.open(path) as project:
        import_source(project, "llvip", llvip, annotator=DEMO_ANNOTATOR)
        with project.engine.begin() as conn:
            pair_ids = pair_ids_under(conn, "")
            drafts = _draft_samples(load_drafts(), pair_ids)
            present = existing_keys(conn, (s.key for s in drafts))
            insert_samples(conn, [s for s in drafts if s.key not in present], sizes={})
            add_revision(conn, who=DEMO_ANNOTATOR, action="import", target=DRAFTS_FILE,
                         new=f"{len(drafts)} LLM drafts (Caption, Instruction) to review")


def ensure_demo_project() -> Path:
    """The demo project ``<data dir>/demo/demo.db``, created on the first call only.

    The 6 annotated LLVIP pairs shipped with the application are copied beside it, so the
    demo works from an installed wheel. It holds their rule-based Samples and, per pair, a
    Caption and two Instruction drafts written from the VISIBLE image, with the mistakes a
    reviewer must fix in an infrared caption. Later calls return the path untouched.
    """
    folder = data_dir() / DEMO_FOLDER
    db = folder / DEMO_DB
    if db.exists():
        return db
    _copy_tree(_demo_resources(), folder)
    for leftover in folder.glob(f".{DEMO_DB}.tmp-*"):  # from a build that was interrupted
        leftover.unlink()
    tmp = folder / f".{DEMO_DB}.tmp-{os.getpid()}"
    try:
        _build_demo(tmp, folder / LLVIP_SOURCE)
        fold_wal(tmp)  # renaming the file then moves everything
        # The project is built under a temporary name and renamed: an interrupted build
        # never leaves a half-made demo.db that later calls would take for finished.
        os.replace(tmp, db)
    finally:
        for extra in folder.glob(f".{DEMO_DB}.tmp-{os.getpid()}*"):
            extra.unlink()
    return db
