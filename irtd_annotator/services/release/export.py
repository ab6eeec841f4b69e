"""Export a release: the chosen Samples in IR-TD's format, a review report and a manifest.

Everything is written into a temporary folder beside the target and renamed into place at the
end, so an interrupted or failed export leaves nothing behind; the release is then recorded in
the store (one transaction) with a digest of every exported Sample, to say what changed since
the release before.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irtd_annotator import __version__
from irtd_annotator.domain.errors import StoreError, UserError
from irtd_annotator.domain.model import ReviewStatus
from irtd_annotator.domain.tasks import Task
from irtd_annotator.exporters.irtd_json import FORMATS as FORMATS  # the window offers them
from irtd_annotator.services.check import ensure_sound
from irtd_annotator.services.project import Project
from irtd_annotator.services.release.audit_records import audit_records
from irtd_annotator.services.release.folder import (
    MANIFEST_NAME,
    RELEASE_FORMAT,
    check_target,
    crash_point,
    done,
    fsync_dir,
    guarded_folders,
    hold,
    leftovers,
    new_intent,
    settle,
    stray_folders,
    swap_in,
)
from irtd_annotator.services.release.query import iter_export_chunks
from irtd_annotator.services.release.stream import (
    DigestSpill,
    InvalidSample,
    ReleaseFile,
    ReleaseStream,
)
from irtd_annotator.store.engine import current_revision
from irtd_annotator.store.releases import (
    ReleaseDiff,
    delete_release,
    drop_intent,
    file_layouts,
    intents,
    put_intent,
    record_release,
    release_diff,
    release_rows,
)
from irtd_annotator.store.revisions import now_iso

REPORT_CHUNK = 10_000  # review report rows buffered before they are written
Progress = Callable[[int, int, str], None]


class ExportOptionError(UserError, ValueError):
    """An export option a user gave is not valid (a bad status, task or format)."""


class ExportCancelled(UserError):
    """The export was cancelled; nothing was written."""


class ExportError(UserError):
    """The release could not be written (disk full, no permission); nothing was kept."""


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how. Sequences are normalised to tuples; tasks to Task values.

    ``statuses`` "all" means every status; ``annotators`` keeps samples last changed by them;
    ``prefix`` None writes each sample's image string exactly as imported, else the prefix
    joined with the Pair's ``rel_path``; ``extras`` writes more into the release folder
    before it is put in place (the report page, in ``report/``: outside the checksums).
    """
    statuses: Sequence[str] = ("approved",)
    tasks: Sequence[str] = ()
    sources: Sequence[str] = ()
    annotators: Sequence[str] = ()
    prefix: str | None = None
    format: str = "json"
    force: bool = False
    include_invalid: bool = False
    annotator: str | None = None
    extras: Callable[[Project, Path], None] | None = None  # writes files not in the manifest

    def __post_init__(self) -> None:
        statuses = tuple(part.strip().lower() for value in self.statuses
                         for part in str(value).split(",") if part.strip()) or ("approved",)
        known = [s.value for s in ReviewStatus]
        unknown = [s for s in statuses if s != "all" and s not in known]
        if unknown:
            raise ExportOptionError(f"unknown status {', '.join(unknown)}; use "
                                    f"{', '.join(known)} or all")
        tasks: list[str] = []
        for name in self.tasks:
            try:
                tasks.append(Task.parse(name).value)
            except ValueError as exc:
                raise ExportOptionError(str(exc)) from None
        if self.format not in FORMATS:
            raise ExportOptionError(f"unknown format {self.format!r}; use {' or '.join(FORMATS)}")
        object.__setattr__(self, "statuses", ("all",) if "all" in statuses
                           else tuple(dict.fromkeys(statuses)))
        object.__setattr__(self, "tasks", tuple(dict.fromkeys(tasks)))
        object.__setattr__(self, "sources", tuple(s.strip() for s in self.sources if s.strip()))
        object.__setattr__(self, "annotators",
                           tuple(a.strip() for a in self.annotators if a.strip()))

    @property
    def status_filter(self) -> tuple[str, ...] | None:
        """The statuses to keep, or None for all."""
        return None if self.statuses == ("all",) else tuple(self.statuses)

    def filters(self) -> dict[str, Any]:
        """The options as recorded in the manifest and the store."""
        return {"statuses": list(self.statuses), "tasks": list(self.tasks),
                "sources": list(self.sources), "annotators": list(self.annotators),
                "prefix": self.prefix, "format": self.format,
                "include_invalid": self.include_invalid}


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote, left out and changed since the previous release."""

    out_dir: Path
    release_id: int
    format: str
    by_task: dict[str, int]
    by_source: dict[str, int]
    files: tuple[ReleaseFile, ...]
    left_out: tuple[InvalidSample, ...]
    included_invalid: tuple[InvalidSample, ...]
    changes: ReleaseDiff | None
    seconds: float = 0.0
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def sample_count(self) -> int:
        return sum(self.by_task.values())

    def summary(self) -> str:
        """A plain-text account for people: counts, files, left-out samples, changes."""
        lines = [f"release {self.release_id}: {self.sample_count:,} samples exported to "
                 f"{self.out_dir} ({self.format}, {self.seconds:.1f} s)", ""]
        lines += [f"{'task':<24}{'samples':>10}", "-" * 34]
        lines += [f"{task:<24}{n:>10,}" for task, n in sorted(self.by_task.items())]
        lines += ["", f"{'file':<32}{'bytes':>12}  sha256", "-" * 60]
        lines += [f"{f.name:<32}{f.bytes:>12,}  {f.sha256[:16]}..." for f in self.files]
        for title, listed in (("left out (invalid)", self.left_out),
                              ("exported although invalid", self.included_invalid)):
            if listed:
                lines += ["", f"{title}: {len(listed):,}"]
                lines += [f"  {s.task} #{s.id}: {'; '.join(s.problems)}" for s in listed[:50]]
                if len(listed) > 50:
                    lines.append(f"  ... and {len(listed) - 50:,} more (see {MANIFEST_NAME})")
        lines.append("")
        diff = self.changes
        if diff is None:
            lines.append("first release of this project")
        else:
            lines.append(f"since release {diff.previous_id} ({diff.previous_at[:19]}): "
                         f"{diff.added:,} added, {diff.removed:,} removed, "
                         f"{diff.changed:,} changed")
            for key, examples in diff.examples.items():
                if examples:
                    lines.append(f"  {key}: {', '.join(examples)}"
                                 + (" ..." if getattr(diff, key) > len(examples) else ""))
        return "\n".join(lines)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _check_cancel(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        raise ExportCancelled("export cancelled; nothing was written")


def export_release(project: Project, out_dir: Path | str, *,
                   options: ExportOptions | None = None, progress: Progress | None = None,
                   cancel: Callable[[], bool] | None = None) -> ExportReport:
    """Export the Samples ``options`` choose into ``out_dir`` as a release and record it.

    ``progress(done, total, what)`` is called after every chunk of 2,000 Samples;
    ``cancel()`` returning true stops the export (ExportCancelled). On any failure or
    interrupt nothing is left beside ``out_dir``, an old release in it is kept, and the
    store is unchanged; a killed export is finished or undone by the next one (ADR 0016).
    Raises UserError when ``out_dir`` is the project's or its images' place, is not empty
    (without ``force``, or not a release of this program), cannot be written, or nothing
    matches; ProjectDamagedError when the store fails its quick check (a damaged store is
    never released).
    """
    ensure_sound(project.engine, project.location)
    options = options or ExportOptions()
    target = Path(out_dir).expanduser().absolute()
    recover_releases(project)
    with project.engine.connect() as conn:
        guarded = guarded_folders(conn, project.folder, target)
    check_target(target, force=options.force, guarded=guarded, project_file=project.path)
    try:
        return _export(project, target, options, progress, cancel)
    except OSError as exc:
        raise ExportError(f"could not write the release to {target}: "
                          f"{exc.strerror or exc}; nothing was kept") from exc


def recover_releases(project: Project) -> int:
    """Finish or undo the exports of this project that were killed midway; how many.

    A recorded release is put into place (its old folder deleted), an unrecorded one is
    deleted (the old release put back); leftover folders of this program beside their
    targets go too. Exports still running (another live process) are left alone.
    """
    with project.engine.connect() as conn:
        pending = intents(conn)
    for uid, keep in leftovers(pending):
        intent = pending[uid]
        try:
            _settle(uid, intent, keep=keep)
        except UserError:
            if not keep:
                raise  # the old release cannot go back: the message says where it is
            keep = False  # its target was filled with something else since: undone instead
            _settle(uid, intent, keep=False)
        with project.engine.begin() as conn:
            if not keep and intent.get("release_id") is not None:
                delete_release(conn, int(intent["release_id"]))
            drop_intent(conn, uid)
    named = {str(intent[k]) for intent in pending.values() for k in ("partial", "old")}
    for target in {Path(intent["target"]) for intent in pending.values()}:
        _remove_strays(target, named)
    return len(pending)


def _settle(uid: str, intent: dict[str, Any], *, keep: bool) -> None:
    """``settle``, with a file system that refuses (a folder filled since, permissions) said
    in one line instead of an error that would stop every command of the project."""
    try:
        settle(uid, intent, keep=keep)
    except OSError as exc:
        raise UserError(f"an export to {intent.get('target')} killed midway cannot be settled "
                        f"yet: {exc.strerror or exc}; its folders are kept as they are") from None


def _remove_strays(target: Path, named: set[str]) -> None:
    for folder in stray_folders(target, named):
        shutil.rmtree(folder, ignore_errors=True)


def _export(project: Project, target: Path, options: ExportOptions,
            progress: Progress | None, cancel: Callable[[], bool] | None) -> ExportReport:
    started = time.monotonic()
    who = options.annotator or _default_user()
    at = now_iso()
    target.parent.mkdir(parents=True, exist_ok=True)
    with project.engine.connect() as conn:
        _remove_strays(target, {str(p) for i in intents(conn).values()
                                for p in (i["partial"], i["old"])})
        layouts = file_layouts(conn)
    uid = uuid.uuid4().hex
    intent = new_intent(target, uid, force=options.force)
    tmp, old = Path(intent["partial"]), Path(intent["old"])
    release_id: int | None = None
    held: int | None = None
    try:
        # Recorded before anything is written: a kill at any later point is settled from it.
        with project.engine.begin() as conn:
            put_intent(conn, uid, intent)
        tmp.mkdir()  # as any folder: the umask decides who may read the release
        held = hold(tmp)  # a concurrent export's clean-up must not take it for a stray
        # (sample id, digest) of every exported Sample, spilled to disk to keep memory flat.
        with DigestSpill(target.parent) as spill:
            stream = ReleaseStream(tmp, fmt=options.format, prefix=options.prefix,
                                   include_invalid=options.include_invalid, digests=spill,
                                   report_chunk=REPORT_CHUNK, layouts=layouts)
            try:
                total = 0
                chunks = iter_export_chunks(
                    project.engine, statuses=options.status_filter, tasks=options.tasks,
                    sources=options.sources, annotators=options.annotators,
                    rel_paths=options.prefix is not None)
                with closing(chunks):  # ends the read transaction at once, also on failure
                    for chunk in chunks:
                        total = chunk.total
                        stream.add_chunk(chunk)
                        crash_point("streaming")
                        _check_cancel(cancel)
                        if progress is not None:
                            progress(chunk.done, total, "export")
                files = stream.finish()
            except BaseException:
                stream.abandon()
                raise
            if not stream.by_task:
                raise UserError(_nothing_message(total, options, stream.left_out))
            if options.extras is not None:  # in the partial folder: all of it or none
                options.extras(project, tmp)
            manifest = _manifest(project, options, who=who, at=at, stream=stream, files=files, uid=uid)
            with open(tmp / MANIFEST_NAME, "x", encoding="utf-8") as handle:
                handle.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            fsync_dir(tmp)
            crash_point("written")
            _check_cancel(cancel)
            try:  # recorded first: from here on a kill puts the release into place
                with project.engine.begin() as conn:
                    release_id = record_release(
                        conn, at=at, who=who, out_dir=str(target), filters=options.filters(),
                        manifest=manifest, digests=stream.digest_rows())
                    changes = release_diff(conn, release_id)
                    put_intent(conn, uid, {**intent, "release_id": release_id})
            except Exception as exc:
                if not isinstance(exc, (UserError, OSError)):
                    raise StoreError(f"the release could not be recorded in the project, so "
                                     f"nothing was exported: {exc}") from exc
                raise
        crash_point("recorded")
        swap_in(tmp, target, old, force=options.force)
        crash_point("swapped")
        shutil.rmtree(old, ignore_errors=True)
        with project.engine.begin() as conn:
            drop_intent(conn, uid)
    except BaseException:
        _undo(project, uid, intent, release_id)
        raise
    finally:
        done(uid)
        if held is not None:
            os.close(held)
    return ExportReport(
        out_dir=target, release_id=release_id, format=options.format, by_task=stream.by_task,
        by_source=stream.by_source, files=tuple(files), left_out=tuple(stream.left_out),
        included_invalid=tuple(stream.included_invalid), changes=changes,
        seconds=time.monotonic() - started, manifest=manifest)


def _undo(project: Project, uid: str, intent: dict[str, Any], release_id: int | None) -> None:
    """Undo a failed export in this process: the store's record first, then the folders."""
    try:
        with project.engine.begin() as conn:
            if release_id is not None:
                delete_release(conn, release_id)
            drop_intent(conn, uid)
    except Exception:  # noqa: BLE001 - the store cannot be written: the next run settles it
        if release_id is not None:
            return  # still recorded: the folders stay for the next run to put in place
    settle(uid, intent, keep=False)


def _nothing_message(total: int, options: ExportOptions,
                     left_out: Sequence[InvalidSample]) -> str:
    if total and left_out:
        return (f"nothing to export: all {total:,} matching samples are invalid (e.g. "
                f"{left_out[0].task} #{left_out[0].id}: {'; '.join(left_out[0].problems)}); "
                "fix them or use --include-invalid")
    return (f"nothing to export: no sample matches status {', '.join(options.statuses)}"
            + (f", task {', '.join(options.tasks)}" if options.tasks else "")
            + (f", source {', '.join(options.sources)}" if options.sources else "")
            + (f", by {', '.join(options.annotators)}" if options.annotators else ""))


def _manifest(project: Project, options: ExportOptions, *, who: str, at: str, stream: ReleaseStream,
              files: Sequence[ReleaseFile], uid: str) -> dict[str, Any]:
    return {
        "format": RELEASE_FORMAT, "release_uid": uid,
        "created_at": at, "created_by": who,
        "application": {"name": "irtd-annotator", "version": __version__},
        "schema_revision": current_revision(project.engine),
        "filters": options.filters(),
        "samples": sum(stream.by_task.values()),
        "by_task": dict(sorted(stream.by_task.items())),
        "by_source": dict(sorted(stream.by_source.items())),
        "by_status": dict(sorted(stream.by_status.items())),
        "files": [{"name": f.name, "task": f.task, "samples": f.samples, "bytes": f.bytes,
                   "sha256": f.sha256} for f in files],
        "left_out": [{"task": s.task, "id": s.id, "problems": list(s.problems)}
                     for s in stream.left_out],
        "included_invalid": [{"task": s.task, "id": s.id, "problems": list(s.problems)}
                             for s in stream.included_invalid],
        "audits": audit_records(project, stream.digest_rows()),  # what came in by audit
    }


def list_releases(project: Project) -> str:
    """The project's releases as a readable table, oldest first (killed exports settled)."""
    recover_releases(project)
    with project.engine.connect() as conn:
        rows = release_rows(conn)
    if not rows:
        return "no releases yet"
    lines = [f"{'id':>4}  {'when (UTC)':<19}  {'by':<16}{'samples':>9}  {'format':<6} "
             f"{'statuses':<18} folder", "-" * 96]
    for row in rows:
        lines.append(f"{row.id:>4}  {row.at[:19].replace('T', ' '):<19}  {row.who[:15]:<16}"
                     f"{row.sample_count:>9,}  {row.filters.get('format', 'json'):<6} "
                     f"{','.join(row.filters.get('statuses', [])):<18} {row.out_dir}")
    return "\n".join(lines)
