"""Import IR-TD / LLaVA-style JSON files into a project.

Each file is read in parts (``prepare``), each part checked before it is written (``write``),
and the whole import is one transaction: memory holds one part, whatever the files' sizes, and
by default a bad sample anywhere writes nothing, the store staying exactly as it was (as after
a cancelled or killed import); with
``skip_bad`` the good samples are imported and the rejected ones listed in a report file.
Image roots, the strip prefix and pairing rules given once are stored in the project and
reused by later imports. What an import did is an ``ImportReport`` (``importing.report``).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.file_layout import SETTING_PREFIX as LAYOUT_PREFIX
from irtd_annotator.domain.file_layout import FileLayout
from irtd_annotator.domain.model import CoordSpace
from irtd_annotator.domain.tasks import Task
from irtd_annotator.importers.input_files import check_regular_files, display_name
from irtd_annotator.importers.paths import PathMapping
from irtd_annotator.services.edit_distance import refresh_edit_distance
from irtd_annotator.services.importing.lock import (
    IMPORT_WAIT,
    ImportCancelled,
    import_transaction,
)
from irtd_annotator.services.importing.merge import Stored, stored_samples
from irtd_annotator.services.importing.pairs import PairIndex
from irtd_annotator.services.importing.prepare import FilePlan, prepare_file
from irtd_annotator.services.importing.report import FileReport, ImportReport, write_rejects
from irtd_annotator.services.importing.timings import StageClock
from irtd_annotator.services.importing.write import WriteResult, write_plan
from irtd_annotator.services.output_paths import check_output_file
from irtd_annotator.services.project import Project
from irtd_annotator.services.risk import refresh_risk
from irtd_annotator.services.warnings_refresh import (
    KnownRows,
    WarningUpdates,
    apply_warnings,
    decide_warnings,
    gather_warning_facts,
)
from irtd_annotator.store.bulk import bulk_writing
from irtd_annotator.store.imports import indexes_after
from irtd_annotator.store.revisions import add_revision
from irtd_annotator.store.search import bulk_indexing
from irtd_annotator.store.settings import get_setting, set_setting
from irtd_annotator.store.tally import bulk_tally
from irtd_annotator.store.warnings import warned_samples

# How an earlier report of rejected samples starts (CSV, or JSON Lines): one may be replaced.
REPORT_STARTS = (b"file,sample_id,line,reason", b'{"file": ')
Progress = Callable[[int, int, str], None]  # done, total, what: see import_files
# What ``progress``'s done and total count, for a display to draw them right ("B": bytes).
PROGRESS_UNIT = "B"
Cancel = Callable[[], bool]
SETTING_KEYS = ("image_roots", "strip_prefix", "pair_rules")
# Samples whose warning facts an import keeps in memory as it writes them (decided at its end
# without reading them back); a larger import refreshes the warnings a span of Pairs at a
# time (``WARNING_SPAN``), reading them back: memory stays flat whatever the import's size.
KNOWN_LIMIT = 400_000
WARNING_SPAN = 20_000


@dataclass(frozen=True)
class ImportOptions:
    """How to import: task, path mapping, coordinate space, what to do with bad samples."""

    task: str | None = None
    strip_prefix: str | None = None
    image_roots: dict[str, str] = field(default_factory=dict)
    pair_rules: list[str] = field(default_factory=list)
    location_space: str | None = None  # "norm1000" (IR-TD, default) or "pixel"
    skip_bad: bool = False
    report_path: Path | None = None
    annotator: str | None = None
    wait: float = IMPORT_WAIT  # seconds to wait for another import into the project to end

    def __post_init__(self) -> None:
        if self.location_space not in (None, "norm1000", "pixel"):
            raise ValueError(
                f"location_space must be norm1000 or pixel, got {self.location_space!r}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.image_roots.items()):
            raise ValueError(
                f"image_roots must map source names to folders, got {self.image_roots!r}")
        if not all(isinstance(rule, str) for rule in self.pair_rules):
            raise ValueError(
                f"pair_rules must be strings PATTERN=>REPLACEMENT, got {self.pair_rules!r}")


def import_files(project: Project, files: Sequence[Path], *, options: ImportOptions,
                 progress: Progress | None = None, cancel: Cancel | None = None,
                 waiting: Callable[[str], None] | None = None) -> ImportReport:
    """Import ``files`` into ``project`` and say what was done.

    Raises BadInputError for a bad file (unless ``options.skip_bad``), UserError for bad
    options, ImportCancelled when ``cancel()`` turns true, ImportBusy when another import
    into the project runs longer than ``options.wait`` (``waiting(message)`` is called once
    when this one starts to wait for it; by default ``progress`` shows the message).
    ``progress`` and ``cancel()`` are called from the calling (worker) thread.

    ``progress(done, total, what)``: ``total`` is the sum of the files' sizes in bytes, known
    before the first call and the same in every call but one kind: ``total == 0`` means a
    message without a measure (``what``: waiting for another import). ``done`` is the bytes
    of input read and written so far: it only grows, and reaches ``total`` when every file is
    written; the work after that (consistency warnings, risk) is reported with
    ``done == total``. ``what`` is a short line for a person: the file at work and the
    samples imported so far ("importing Location.json: 12,000 samples"), or the step.
    Calls come every few thousand samples (a part of a file: ``irtd_json.PART``) and at
    least at the start and end of each file.
    """
    check_regular_files(files)  # before any work: a FIFO would block with the lock held
    if waiting is None and progress is not None:
        waiting = _shown_by(progress)
    # One transaction for the whole import: a cancelled, failed or killed import leaves the
    # store exactly as it was.
    clock = StageClock()  # seconds per stage, printed when the environment asks
    with (_gc_paused(), clock.stage("all, and commit"),
          import_transaction(project, wait=options.wait, waiting=waiting,
                             cancelled=cancel) as conn, clock.stage("all, no commit")):
        report, rejected, report_target = _import_files(
            project, conn, files, options=options, progress=progress, cancel=cancel,
            clock=clock)
    clock.report(sum(sum(f.tasks.values()) for f in report.files))
    if report_target is not None and (options.report_path is not None or not report.ok):
        try:
            report.report_path = write_rejects(rejected, report_target)
        except UserError as exc:  # the import is committed: say so, with its summary
            report.report_error = str(exc)
    return report


def _shown_by(progress: Progress) -> Callable[[str], None]:
    """A message shown where the progress is."""
    def show(message: str) -> None:
        progress(0, 0, message)
    return show


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an import builds a million small objects that
    live until it ends (no cycles among them), and every full collection would walk them all
    again; about a third of the import's time otherwise. Reference counting still frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_files(project: Project, conn: Connection, files: Sequence[Path], *,
                  options: ImportOptions, progress: Progress | None, cancel: Cancel | None,
                  clock: StageClock) -> tuple[ImportReport, list[FilePlan], Path | None]:
    """The import in ``conn``'s transaction: its report, the plans with rejected samples and
    where to write them (after the commit)."""
    forced_task = _forced_task(options.task)
    space = CoordSpace(options.location_space or CoordSpace.NORM1000.value)
    # read under the import lock: an import that ran meanwhile may have stored settings
    merged, pending_settings = _merged_settings(conn, options)
    mapping = PathMapping.build(strip_prefix=merged["strip_prefix"],
                                image_roots=merged["image_roots"],
                                pair_rules=merged["pair_rules"])
    report_target = None
    if options.skip_bad:  # checked before any work: a bad path must not cost the import
        report_target = options.report_path or _default_report_path(project)
        # A new file beside the project is no danger to images, even if the project is
        # kept inside an image folder: only a path given is kept out of them.
        check_output_file(report_target, project=project, inputs=files,
                          roots=merged["image_roots"].values() if options.report_path else (),
                          what="report of rejected samples", replaces=REPORT_STARTS)

    def check_cancel(what: str) -> None:
        if cancel is not None and cancel():
            raise ImportCancelled(f"import cancelled {what}")

    located: dict[str, dict[str, Any]] = {}  # per folder: image string -> its location

    def parts_of(path: Path) -> Iterator[FilePlan]:
        # Relative image paths without a root are looked for beside the file.
        folder = str(path.resolve().parent)
        return prepare_file(path, mapping=replace(mapping, fallback_root=folder),
                            task=forced_task, location_space=space, skip_bad=options.skip_bad,
                            located=located.setdefault(folder, {}))

    report = ImportReport()
    rejected: list[FilePlan] = []  # the rejected samples of each file, for the report file
    total = sum(_size_of(path) for path in files)  # the progress's stable total
    before = 0  # bytes of the files before the one at work
    samples = 0  # imported so far
    touched: set[int] = set()  # Pairs whose Samples were added or updated
    who = options.annotator or "import"
    # The search index is left to a builder after the commit (ADR 0024): its backlog is
    # listed instead.
    with (ThreadPoolExecutor(1) as beside, bulk_writing(conn),
          bulk_indexing(conn, deferred=True) as index, bulk_tally(conn)):
        pairs = PairIndex(conn)
        # What the warnings refresh needs of the new Pairs, kept as it is written (SQLite).
        known = KnownRows(pairs.first_new) if conn.dialect.name == "sqlite" else None
        # a fresh store's indexes: built once the rows are in
        with clock.stage("files, indexes"), indexes_after(conn):
            for number, path in enumerate(files):
                check_cancel("while reading the files; nothing was written")
                if progress is not None:
                    progress(before, total, f"reading {display_name(path)}")
                file_report, written = None, WriteResult()
                stored: dict[tuple[str, str], Stored] = {}  # twins of the file's samples
                tasks_read: set[str] = set()  # the tasks whose twins are in ``stored``
                read = 0  # bytes of this file read
                samples_before = samples
                for plan in clock.each("read and check", parts_of(path)):
                    if file_report is None:
                        file_report = FileReport(file=plan.name)
                    for task, count in plan.tasks.items():
                        file_report.tasks[task] = file_report.tasks.get(task, 0) + count
                    file_report.rejected.extend(str(e) for e in plan.rejected)
                    if plan.rejected:
                        rejected.append(FilePlan(name=plan.name, path=path, rejected=plan.rejected))
                    part_start, part_bytes = before + read, plan.bytes_read - read

                    def checkpoint(done: int, *, _name: str = plan.name, _start: int = part_start,
                                   _bytes: int = part_bytes, _count: int = len(plan.samples),
                                   _before: int = samples) -> None:
                        check_cancel(f"while writing {_name}: the import was rolled back, "
                                     "nothing was written")
                        if progress is not None:
                            at = _start + _bytes * done // max(1, _count)
                            progress(min(at, total), total,
                                     f"importing {_name}: {_before + done:,} samples")

                    twins = _stored_of(conn, plan, stored, tasks_read)
                    with clock.stage("write"):
                        result = write_plan(conn, plan, pairs=pairs, checkpoint=checkpoint,
                                            known=known, who=who, stored=twins)
                    _add(written, result)
                    samples += len(plan.samples)
                    if samples > KNOWN_LIMIT:
                        known = None  # kept, it would grow with the project: read back by spans
                    read = plan.bytes_read
                    if plan.last:
                        _keep_layout(conn, plan.name, plan.layout, samples > samples_before)
                    del plan
                assert file_report is not None  # prepare_file yields at least one part
                _fill(file_report, written)
                touched |= written.pair_ids
                if written.changed or pending_settings:
                    for key, value in pending_settings.items():
                        set_setting(conn, key, value)
                    pending_settings = {}
                if written.changed:
                    add_revision(conn, who=who, action="import", target=file_report.file,
                                 new=json.dumps(file_report.counts(), sort_keys=True))
                before += _size_of(path)
                report.files.append(file_report)
                if number + 1 < len(files):
                    with clock.stage("search backlog"):
                        index.index_new()
        deciding: Future[WarningUpdates] | None = None
        big = samples > KNOWN_LIMIT
        if touched:
            # What one file cannot know: Samples of other tasks on the same image, known sizes.
            if progress is not None:
                progress(total, total, "checking consistency warnings")
            # Most of the project: one pass over everything, not id lists.
            everything = len(touched) * 2 > len(pairs.pairs)
            scope = sorted(p.id for p in pairs.pairs.values()) if everything else sorted(touched)
            with clock.stage("warnings"):
                if big:  # the facts of all of it would not fit: a span of Pairs at a time
                    _refresh_warnings_by_span(conn, scope)
                else:
                    facts = gather_warning_facts(
                        conn, pair_ids=None if everything else scope,
                        known=known if known is not None and known.usable else None)
                    deciding = beside.submit(decide_warnings, facts)
        with clock.stage("search backlog"):
            index.finish()  # the last file's text and the merge, while the warnings are decided
        with clock.stage("warnings"):
            if deciding is not None:
                apply_warnings(conn, deciding.result())
        if touched:
            report.warnings = _warning_counts(conn, touched)
            with clock.stage("risk"):  # the risk follows the warnings; medians measured again
                refresh_risk(conn, pair_ids=None if everything else scope)
            with clock.stage("edit distance"):  # a re-import's new LLM text is the original
                refresh_edit_distance(conn, pair_ids=None if everything else scope)
    return report, rejected, report_target


def _refresh_warnings_by_span(conn: Connection, pair_ids: list[int]) -> None:
    """Refresh the warnings of the Samples of ``pair_ids`` ``WARNING_SPAN`` Pairs at a time
    (the rules look at one Pair's Samples and Shapes, and the project's image sizes)."""
    for start in range(0, len(pair_ids), WARNING_SPAN):
        facts = gather_warning_facts(conn, pair_ids=pair_ids[start:start + WARNING_SPAN])
        apply_warnings(conn, decide_warnings(facts))


def _keep_layout(conn: Connection, name: str, layout: FileLayout | None,
                 imported: bool) -> None:
    """Remember how the file is laid out, for the export to write it back so (ADR 0016),
    when it ``imported`` samples."""
    if layout is not None and imported:
        key, value = LAYOUT_PREFIX + name, layout.as_setting()
        if get_setting(conn, key) != value:  # an unchanged re-import changes nothing
            set_setting(conn, key, value)


def _size_of(path: Path) -> int:
    """The file's size in bytes (0 when it cannot be read: reading it will say why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _warning_counts(conn: Connection, pair_ids: set[int]) -> dict[str, int]:
    """Warning code -> number of Samples on ``pair_ids`` carrying it."""
    counts: dict[str, int] = {}
    for pair_id, text in warned_samples(conn):
        if pair_id in pair_ids:
            for code in text.split("; "):
                counts[code] = counts.get(code, 0) + 1
    return counts


def _stored_of(conn: Connection, plan: FilePlan, stored: dict[tuple[str, str], Stored],
               tasks_read: set[str]) -> dict[tuple[str, str], Stored]:
    """The stored twins of ``plan``'s samples, each task's read once per file (the file's
    earlier parts wrote none of its later samples' ids: a file's ids are unique)."""
    missing = [task for task in plan.tasks if task not in tasks_read]
    if missing:
        stored.update(stored_samples(conn, missing))
        tasks_read.update(missing)
    return stored


def _add(total: WriteResult, part: WriteResult) -> None:
    """Add the counts of a part of a file to the file's."""
    for item in fields(WriteResult):
        mine, theirs = getattr(total, item.name), getattr(part, item.name)
        if isinstance(mine, set):
            mine |= theirs
        elif isinstance(mine, list):
            mine.extend(theirs)
        else:
            setattr(total, item.name, mine + theirs)


def _fill(report: FileReport, result: WriteResult) -> None:
    for name in ("added", "unchanged", "updated", "conflicts", "missing_ir", "missing_visible",
                 "outside", "pairs_added", "pairs_updated"):
        setattr(report, name, getattr(result, name))


def _forced_task(name: str | None) -> Task | None:
    if not name:
        return None
    try:
        return Task.parse(name)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _merged_settings(conn: Connection,
                     options: ImportOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """The path settings to use (given values merged over stored ones) and those of them
    that differ from what is stored (to store with the first file written)."""
    stored = {key: get_setting(conn, key) for key in SETTING_KEYS}
    roots = dict(stored["image_roots"] or {})
    for source, root in options.image_roots.items():
        roots[source] = str(Path(root).expanduser().resolve())
    given_rules = list(options.pair_rules)
    rules = given_rules + [r for r in (stored["pair_rules"] or []) if r not in given_rules]
    merged: dict[str, Any] = {"image_roots": roots, "pair_rules": rules,
                              "strip_prefix": options.strip_prefix or stored["strip_prefix"]}
    # Empty values are not stored when nothing was: a repeated import stays a no-op.
    pending = {k: v for k, v in merged.items() if v != stored[k] and (v or stored[k] is not None)}
    return merged, pending


def _default_report_path(project: Project) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = project.path
    if path is None:
        return project.folder / f"irtd-annotator.import-rejects-{stamp}.csv"
    return path.with_name(f"{path.name}.import-rejects-{stamp}.csv")
