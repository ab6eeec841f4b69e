"""The review report of a release: one row per exported Sample, as CSV and Parquet.

Rows are buffered in chunks (10,000 by default) and each chunk, turned into Arrow columns, is
appended to the CSV file and to the Parquet file through one streaming writer each, so memory
stays bounded whatever the size of the release.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from irtd_annotator.domain.edit_distance import levenshtein

if TYPE_CHECKING:  # pyarrow costs time and memory: imported when a report is written
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

CSV_NAME = "review_report.csv"
PARQUET_NAME = "review_report.parquet"


class ReportRow(NamedTuple):
    """One exported Sample in the review report (a NamedTuple: one per exported Sample)."""

    task: str
    source: str
    id: str  # the sample's id in its release file
    sample_id: int  # the id in the project store
    status: str
    reason: str | None  # reject reason, if any
    annotator: str | None  # who changed it last
    edited: bool
    edit_distance: int  # Levenshtein distance, originals -> exported text, all turns
    problems: str  # validation problems when exported with include_invalid, else ""
    decided_by: str | None = None  # who decided its status: a reviewer, or "audit:NAME"


COLUMNS: tuple[str, ...] = ReportRow._fields

def report_schema() -> Any:
    """The Arrow schema of the report's columns."""
    import pyarrow as pa

    return pa.schema([
        ("task", pa.string()), ("source", pa.string()), ("id", pa.string()),
        ("sample_id", pa.int64()), ("status", pa.string()), ("reason", pa.string()),
        ("annotator", pa.string()), ("edited", pa.bool_()), ("edit_distance", pa.int64()),
        ("problems", pa.string()), ("decided_by", pa.string()),
    ])


def edit_distance(turns: Sequence[tuple[str, str, str]]) -> int:
    """Sum of the edit distances of every turn, prompts and answers, given (role, original,
    text): a reworded prompt is a human edit too."""
    return sum(levenshtein(original, text) for _role, original, text in turns)


class ReviewReportWriter:
    """Appends ReportRows to ``review_report.csv`` and ``review_report.parquet`` in ``folder``.

    Each chunk becomes one Arrow table, built column by column from the rows (no pandas in
    between: a DataFrame of 260,000 rows cost more than the Arrow writers), written by
    pyarrow's CSV and Parquet writers. Use as a context manager; ``close`` writes the last
    chunk and fsyncs both files.
    """

    def __init__(self, folder: Path, *, chunk_rows: int = 10_000) -> None:
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
        self.csv_path = folder / CSV_NAME
        self.parquet_path = folder / PARQUET_NAME
        self.rows = 0
        self._chunk_rows = chunk_rows
        self._columns: list[list[Any]] = [[] for _ in COLUMNS]  # the buffered rows, by column
        import pyarrow.csv as pa_csv
        import pyarrow.parquet as pq

        self._schema = report_schema()
        self._csv_file = open(self.csv_path, "xb")  # noqa: SIM115 - closed in close()/abandon()
        self._csv: pa_csv.CSVWriter | None = pa_csv.CSVWriter(self._csv_file, self._schema)
        self._parquet: pq.ParquetWriter | None = pq.ParquetWriter(self.parquet_path, self._schema)

    def add(self, row: ReportRow) -> None:
        """Buffer one row; a full chunk is written out."""
        self.add_rows((row,))

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Buffer rows given as sequences of the COLUMNS' values (ReportRows or plain tuples)."""
        self.add_columns([list(map(itemgetter(k), rows)) for k in range(len(COLUMNS))])

    def add_columns(self, columns: Sequence[Iterable[Any]]) -> None:
        """Buffer rows given column by column (one iterable per COLUMN, all as long)."""
        if len(columns) != len(COLUMNS):
            raise ValueError(f"a report has {len(COLUMNS)} columns, got {len(columns)}")
        lists = [values if isinstance(values, list) else list(values) for values in columns]
        if any(len(values) != len(lists[0]) for values in lists):
            raise ValueError("the report's columns differ in length")
        for buffered, values in zip(self._columns, lists):
            buffered.extend(values)
        self.rows += len(lists[0])
        while len(self._columns[0]) >= self._chunk_rows:
            self._flush(self._chunk_rows)

    def _flush(self, count: int | None = None) -> None:
        """Write the first ``count`` buffered rows (all by default) to both files."""
        assert self._csv is not None and self._parquet is not None
        if not self._columns[0]:
            return
        import pyarrow as pa

        if count is None or count >= len(self._columns[0]):
            columns, self._columns = self._columns, [[] for _ in COLUMNS]
        else:
            columns = [values[:count] for values in self._columns]
            self._columns = [values[count:] for values in self._columns]
        arrays = [pa.array(list(map(bool, values)) if field.type == pa.bool_() else values,
                           type=field.type)
                  for field, values in zip(self._schema, columns)]
        table = pa.Table.from_arrays(arrays, schema=self._schema)
        self._csv.write_table(table)
        self._parquet.write_table(table)

    def close(self) -> None:
        """Write what is buffered, finish and fsync both files."""
        if self._csv is None or self._parquet is None:
            return
        self._flush()
        self._csv.close()
        self._parquet.close()
        self._csv = self._parquet = None
        self._csv_file.flush()
        os.fsync(self._csv_file.fileno())
        self._csv_file.close()
        with open(self.parquet_path, "rb") as handle:
            os.fsync(handle.fileno())

    def abandon(self) -> None:
        """Close both files as they are (on failure)."""
        for writer in (self._csv, self._parquet):
            if writer is not None:
                writer.close()
        self._csv = self._parquet = None
        self._csv_file.close()

    def __enter__(self) -> ReviewReportWriter:
        return self

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()
