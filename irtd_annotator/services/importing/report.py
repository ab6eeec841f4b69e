"""What an import did, per file, as counts and a summary for people; the list of rejected
samples written beside the project."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.warnings import REIMPORT_CONFLICT
from irtd_annotator.services.importing.prepare import FilePlan
from irtd_annotator.services.output_paths import write_text_atomic

_SHOWN = 10  # conflicts and rejects listed by name in a summary


@dataclass
class FileReport:
    """What the import did with one file."""

    file: str
    tasks: dict[str, int] = field(default_factory=dict)
    added: int = 0
    unchanged: int = 0
    updated: int = 0
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (task, original id)
    rejected: list[str] = field(default_factory=list)  # BadInputError messages
    missing_ir: int = 0
    missing_visible: int = 0
    outside: int = 0
    pairs_added: int = 0
    pairs_updated: int = 0

    def counts(self) -> dict[str, int]:
        """The counts recorded in the file's import revision."""
        return {"added": self.added, "unchanged": self.unchanged, "updated": self.updated,
                "conflicts": len(self.conflicts), "rejected": len(self.rejected),
                "pairs_added": self.pairs_added, "pairs_updated": self.pairs_updated}


@dataclass
class ImportReport:
    """What an import did, per file; ``summary()`` is the text shown to people."""

    files: list[FileReport] = field(default_factory=list)
    report_path: Path | None = None  # where the rejected samples were listed
    report_error: str | None = None  # why that list could not be written
    # warning code -> Samples of the imported images carrying it, after the consistency check
    # (which also knows other tasks' Samples of the same image and the sources' image sizes)
    warnings: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no sample was rejected (and the report asked for was written)."""
        return not any(f.rejected for f in self.files) and self.report_error is None

    def total(self, name: str) -> int:
        """The sum of one count over the files (``conflicts`` and ``rejected`` count entries)."""
        return sum(len(v) if isinstance(v := getattr(f, name), list) else v for f in self.files)

    def summary(self) -> str:
        """A readable multi-line account: one line per file, totals, conflicts, rejects."""
        if not self.files:
            return "nothing imported: no files were given"
        lines = []
        for f in self.files:
            tasks = ", ".join(f"{t} {n:,}" for t, n in sorted(f.tasks.items())) or "no samples"
            lines.append(f"{f.file} ({tasks}): {_counts_text(f)}")
        if len(self.files) > 1:
            lines.append(f"total: {_counts_text(self)}")
        missing_ir, missing_vis = (self.total(n) for n in ("missing_ir", "missing_visible"))
        if missing_ir or missing_vis:
            lines.append(f"of the samples written: {missing_ir:,} without their infrared image, "
                         f"{missing_vis:,} without their visible image")
        if self.warnings:
            lines.append("samples with warnings (queue filter 'Warnings'): " + ", ".join(
                f"{code} {n:,}" for code, n in sorted(self.warnings.items())))
        conflicts = [f"{task} {oid}" for f in self.files for task, oid in f.conflicts]
        if conflicts:
            lines.append(f"{len(conflicts):,} conflict(s): new LLM text for samples a person "
                         "had reviewed or edited; the review kept, the new text is their "
                         f"original, warning {REIMPORT_CONFLICT}: {_some(conflicts)}")
        rejected = [message for f in self.files for message in f.rejected]
        if rejected:
            lines.append(f"{len(rejected):,} sample(s) rejected:")
            lines.extend(f"  {message}" for message in rejected[:_SHOWN])
            if len(rejected) > _SHOWN:
                lines.append(f"  ... and {len(rejected) - _SHOWN:,} more")
        if self.report_path is not None:
            lines.append(f"rejected samples listed in {self.report_path}")
        if self.report_error is not None:
            lines.append(f"{self.report_error}; the import itself was saved")
        return "\n".join(lines)


def _counts_text(report: FileReport | ImportReport) -> str:
    def n(name: str) -> int:
        value = getattr(report, name) if isinstance(report, FileReport) else report.total(name)
        return len(value) if isinstance(value, list) else value

    return (f"{n('added'):,} added, {n('unchanged'):,} unchanged, {n('updated'):,} updated, "
            f"{n('conflicts'):,} conflicts, {n('rejected'):,} rejected")


def _some(items: list[str]) -> str:
    more = f" and {len(items) - _SHOWN:,} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def write_rejects(plans: list[FilePlan], path: Path) -> Path:
    """List every rejected sample (file, sample id, line, reason) as CSV or JSON Lines."""
    entries = [{"file": e.file, "sample_id": e.sample_id, "line": e.line, "reason": e.reason}
               for plan in plans for e in plan.rejected]
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        text = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["file", "sample_id", "line", "reason"])
        writer.writeheader()
        writer.writerows(entries)
        text = buffer.getvalue()
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write the report of rejected samples to {path}: "
                        f"{exc.strerror or exc}") from None
    return path
