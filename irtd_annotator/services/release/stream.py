"""The moving parts of an export: the writers fed sample by sample into the release's
partial folder, and the spill of the exported Samples' digests (release_folder puts the
folder in place)."""

from __future__ import annotations

import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from irtd_annotator.domain.file_layout import FileLayout
from irtd_annotator.domain.tasks import Task
from irtd_annotator.exporters.irtd_json import (
    ReleaseFileWriter,
    file_sha256,
    release_file_name,
)
from irtd_annotator.exporters.report import ReviewReportWriter, edit_distance
from irtd_annotator.services.release.query import Checked, ExportChunk
from irtd_annotator.store.exports import (
    DECIDED_BY,
    IMAGE,
    IMAGE_AS_LIST,
    ORIGINAL_ID,
    REL_PATH,
    REPORT_WIDTH,
    SAMPLE_ID,
    SOURCE,
    STATUS,
    TASK,
)

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


class ReleaseStream:
    """The writers of one export in its temporary folder, fed chunk by chunk.

    Counts per task and source and the invalid Samples are kept; each exported Sample's
    (store id, digest) goes to the ``digests`` spill files, so memory does not grow with it.
    """

    def __init__(self, folder: Path, *, fmt: str, prefix: str | None, include_invalid: bool,
                 digests: DigestSpill, report_chunk: int,
                 layouts: dict[str, FileLayout] | None = None) -> None:
        self.folder = folder
        self.layouts = layouts or {}  # by file name: the layout each file was imported in
        self.fmt = fmt
        self.prefix = prefix
        self.include_invalid = include_invalid
        self.digests = digests
        self.report = ReviewReportWriter(folder, chunk_rows=report_chunk)
        self.writer: ReleaseFileWriter | None = None
        self.by_task: dict[str, int] = {}
        self.by_source: dict[str, int] = {}
        self.by_status: Counter[str] = Counter()  # accepted (by an audit) apart from approved
        self.files: list[ReleaseFile] = []  # the closed task files
        self.left_out: list[InvalidSample] = []
        self.included_invalid: list[InvalidSample] = []
        self._task: str | None = None  # the task of the open file

    def image(self, row: tuple[Any, ...]) -> str:
        """The image string to write: as imported, or the prefix joined with rel_path."""
        if self.prefix is None:
            return str(row[IMAGE])
        if not self.prefix or self.prefix.endswith("/"):
            return self.prefix + str(row[REL_PATH])
        return f"{self.prefix}/{row[REL_PATH]}"

    def add_chunk(self, chunk: ExportChunk) -> None:
        """Write the Samples of one chunk (or list them as left out when they are invalid)."""
        rows, turns, checked = chunk.rows, chunk.turns, chunk.checked
        start = 0
        while start < len(rows):  # one run of Samples of the same task at a time
            task = rows[start][TASK]
            end = start + 1
            while end < len(rows) and rows[end][TASK] == task:
                end += 1
            self._add_run(task, range(start, end), rows, turns, checked)
            start = end

    def _add_run(self, task: str, positions: range, rows: list[tuple[Any, ...]],
                 turns: list[list[tuple[Any, ...]]], checked: dict[int, Checked]) -> None:
        if task not in _TASKS:  # no release file to put it in, whatever the options
            self.left_out.extend(
                InvalidSample(task, rows[i][ORIGINAL_ID], rows[i][SAMPLE_ID],
                              (f"unknown task {task!r}",)) for i in positions)
            return
        # Unchanged Samples (nearly all) go as read; changed ones may be left out or flagged.
        kept = list(positions)
        tails: dict[int, tuple[int, str]] = {}  # report columns of the changed Samples
        if checked:
            kept = []
            for i in positions:
                check = checked.get(i)
                if check is None:
                    kept.append(i)
                    continue
                if check.problems:
                    invalid = InvalidSample(task, rows[i][ORIGINAL_ID], rows[i][SAMPLE_ID],
                                            check.problems)
                    if not self.include_invalid:
                        self.left_out.append(invalid)
                        continue
                    self.included_invalid.append(invalid)
                kept.append(i)
                tails[i] = (edit_distance(check.turns), "; ".join(check.problems))
            if not kept:
                return
        if self.writer is None or self._task != task:
            self._close_writer()  # Samples come by task: one file open at a time
            name = release_file_name(Task(task), self.fmt)
            self.writer = ReleaseFileWriter(self.folder / name, fmt=self.fmt,
                                            layout=self.layouts.get(name))
            self._task = task
        if len(kept) == len(positions):
            chosen, chosen_turns = rows[positions.start:positions.stop], \
                turns[positions.start:positions.stop]
        else:
            chosen, chosen_turns = [rows[i] for i in kept], [turns[i] for i in kept]
        images = (map(itemgetter(IMAGE), chosen) if self.prefix is None
                  else map(self.image, chosen))
        digests = self.writer.write_batch(list(zip(
            map(itemgetter(ORIGINAL_ID), chosen), images, map(itemgetter(IMAGE_AS_LIST), chosen),
            chosen_turns)))
        sample_ids = list(map(itemgetter(SAMPLE_ID), chosen))
        self.digests.add(sample_ids, digests)
        self.by_task[task] = self.by_task.get(task, 0) + len(chosen)
        for source, count in Counter(map(itemgetter(SOURCE), chosen)).items():
            self.by_source[source] = self.by_source.get(source, 0) + count
        self.by_status.update(map(itemgetter(STATUS), chosen))
        # The report takes the leading Sample columns as they are, by column (in C).
        columns: list[Any] = [list(map(itemgetter(k), chosen)) for k in range(REPORT_WIDTH)]
        if tails:
            columns.append([tails[i][0] if i in tails else 0 for i in kept])
            columns.append([tails[i][1] if i in tails else "" for i in kept])
        else:
            columns += [repeat(0, len(chosen)), repeat("", len(chosen))]
        columns.append(list(map(itemgetter(DECIDED_BY), chosen)))
        self.report.add_columns(columns)

    def _close_writer(self) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close()
            assert self._task is not None
            self.files.append(ReleaseFile(writer.path.name, writer.bytes, writer.sha256,
                                          self._task, writer.count))

    def finish(self) -> list[ReleaseFile]:
        """Close every file (fsynced) and describe them with their checksums."""
        self._close_writer()
        self.report.close()
        files = list(self.files)
        for path in (self.report.csv_path, self.report.parquet_path):
            files.append(ReleaseFile(path.name, path.stat().st_size, file_sha256(path)))
        return files

    def abandon(self) -> None:
        """Close whatever is open, as it is (the folder is deleted next)."""
        if self.writer is not None:
            self.writer.abandon()
        self.report.abandon()

    def digest_rows(self) -> Iterator[tuple[int, str]]:
        """The (store id, digest) of every exported Sample, read back from the spill files."""
        return self.digests.rows()


class DigestSpill:
    """The (store id, digest) of every exported Sample, in two temporary files.

    Memory stays flat whatever the size of the release; ids are written as 8-byte integers
    and digests as their 64 hexadecimal characters, a chunk at a time (no text per Sample).
    """

    WIDTH = 64  # a sha256 hexdigest

    def __init__(self, folder: Path) -> None:
        self._ids = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed in close()
        self._digests = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self.count = 0

    def add(self, sample_ids: Sequence[int], digests: Sequence[str]) -> None:
        """Append the digests of some Samples (as many ids as digests, each 64 characters)."""
        text = "".join(digests)
        if len(sample_ids) != len(digests) or len(text) != self.WIDTH * len(digests):
            raise ValueError("one 64-character digest per sample id is needed")
        self._ids.write(array("q", sample_ids).tobytes())
        self._digests.write(text.encode("ascii"))
        self.count += len(sample_ids)

    def rows(self, *, batch: int = 1_000) -> Iterator[tuple[int, str]]:
        """Everything added so far, in order: (sample id, digest)."""
        for handle in (self._ids, self._digests):
            handle.flush()
            handle.seek(0)
        width = self.WIDTH
        while raw := self._ids.read(8 * batch):
            ids = array("q")
            ids.frombytes(raw)
            text = self._digests.read(width * len(ids)).decode("ascii")
            yield from zip(ids, [text[i:i + width] for i in range(0, len(text), width)])

    def close(self) -> None:
        """Delete both files."""
        self._ids.close()
        self._digests.close()

    def __enter__(self) -> DigestSpill:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
