"""The moving parts of an export: the writers fed sample by sample, and the folder swap.

A release is written into a temporary folder beside its target, then renamed into place; an
old release in the target is renamed aside first and deleted only once the new one is
recorded, so it can be put back when recording fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.tasks import Task
from irtd_annotator.exporters.irtd_json import (
    ReleaseFileWriter, ReleaseSample, file_sha256, release_file_name,
)
from irtd_annotator.exporters.report import ReportRow, ReviewReportWriter, answer_edit_distance
from irtd_annotator.services.export_query import ExportRow

_TASKS = frozenset(task.value for task in Task)


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release with its checksum."""

    name: str
    bytes: int
    sha256: str
    task: str | None = None  # None for the report and other non-task files
    samples: int | None = None


@dataclass(frozen=True)
class InvalidSample:
    """A Sample that failed validation: left out, or exported with include_invalid."""

    task: str
    id: str
    sample_id: int
    problems: tuple[str, ...]


def check_target(target: Path, *, force: bool, project_file: Path | None) -> None:
    """Raise UserError unless a release may be written to ``target``."""
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder; choose another output folder")
    if project_file is not None and project_file.resolve().is_relative_to(target.resolve()):
        raise UserError(f"output folder {target} holds the project {project_file}; "
                        "choose a folder of its own for the release")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UserError(f"output folder {target} is not empty; use --force to replace it")


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (renames, new files) durable, where the OS allows it."""
    if os.name != "posix":  # folders cannot be opened for fsync elsewhere
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(tmp: Path, target: Path, *, force: bool) -> Path | None:
    """Rename ``tmp`` to ``target``; a non-empty old target is renamed aside and returned."""
    old: Path | None = None
    if target.is_dir():
        if any(target.iterdir()):
            if not force:  # it filled up while the export ran
                raise UserError(f"output folder {target} is not empty; use --force to replace it")
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old)  # onto the empty folder mkdtemp made: a unique name
        else:
            target.rmdir()
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    fsync_dir(target.parent)
    return old


def swap_back(target: Path, old: Path | None) -> None:
    """Undo swap_in: remove the new release and put the old folder back."""
    shutil.rmtree(target, ignore_errors=True)
    if old is not None:
        os.replace(old, target)


class ReleaseStream:
    """The writers of one export in its temporary folder, fed sample by sample.

    Counts per task and source and the invalid Samples are kept; each exported Sample's
    (store id, digest) goes to the ``digests`` spill file, so memory does not grow with it.
    """

    def __init__(self, folder: Path, *, fmt: str, prefix: str | None, include_invalid: bool,
                 digests: IO[str], report_chunk: int) -> None:
        self.folder = folder
        self.fmt = fmt
        self.prefix = prefix
        self.include_invalid = include_invalid
        self.digests = digests
        self.report = ReviewReportWriter(folder, chunk_rows=report_chunk)
        self.writer: ReleaseFileWriter | None = None
        self.by_task: dict[str, int] = {}
        self.by_source: dict[str, int] = {}
        self.task_files: list[tuple[str, str]] = []  # (file name, task)
        self.left_out: list[InvalidSample] = []
        self.included_invalid: list[InvalidSample] = []

    def image(self, row: ExportRow) -> str:
        """The image string to write: as imported, or the prefix joined with rel_path."""
        if self.prefix is None:
            return row.image
        if not self.prefix or self.prefix.endswith("/"):
            return self.prefix + row.rel_path
        return f"{self.prefix}/{row.rel_path}"

    def add(self, row: ExportRow) -> None:
        """Write one Sample (or list it as left out when it is invalid)."""
        if row.task not in _TASKS:  # no release file to put it in, whatever the options
            self.left_out.append(InvalidSample(row.task, row.original_id, row.sample_id,
                                               (f"unknown task {row.task!r}",)))
            return
        if row.problems:
            invalid = InvalidSample(row.task, row.original_id, row.sample_id, row.problems)
            if not self.include_invalid:
                self.left_out.append(invalid)
                return
            self.included_invalid.append(invalid)
        if self.writer is None or self.task_files[-1][1] != row.task:
            self._close_writer()  # Samples come by task: one file open at a time
            name = release_file_name(Task(row.task), self.fmt)
            self.writer = ReleaseFileWriter(self.folder / name, fmt=self.fmt)
            self.task_files.append((name, row.task))
        sample = ReleaseSample(row.original_id, self.image(row), row.image_as_list,
                               tuple((t.role, t.text) for t in row.turns))
        digest = self.writer.write(sample)
        self.digests.write(f"{row.sample_id}\t{digest}\n")
        self.by_task[row.task] = self.by_task.get(row.task, 0) + 1
        self.by_source[row.source] = self.by_source.get(row.source, 0) + 1
        distance = answer_edit_distance(row.turns) if row.changed else 0
        self.report.add(ReportRow(
            row.task, row.source, row.original_id, row.sample_id, row.status,
            row.reject_reason, row.updated_by, row.edited, distance, "; ".join(row.problems)))

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def finish(self) -> list[ReleaseFile]:
        """Close every file (fsynced) and describe them with their checksums."""
        self._close_writer()
        self.report.close()
        files = [ReleaseFile(name, (self.folder / name).stat().st_size,
                             file_sha256(self.folder / name), task, self.by_task[task])
                 for name, task in self.task_files]
        for path in (self.report.csv_path, self.report.parquet_path):
            files.append(ReleaseFile(path.name, path.stat().st_size, file_sha256(path)))
        return files

    def abandon(self) -> None:
        """Close whatever is open, as it is (the folder is deleted next)."""
        if self.writer is not None:
            self.writer.abandon()
        self.report.abandon()

    def digest_rows(self) -> Iterator[tuple[int, str]]:
        """The (store id, digest) of every exported Sample, read back from the spill file."""
        self.digests.flush()
        self.digests.seek(0)
        for line in self.digests:
            sample_id, digest = line.rstrip("\n").split("\t")
            yield int(sample_id), digest
