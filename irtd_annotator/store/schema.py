"""The store's tables as SQLAlchemy 2 typed mappings.

Portable SQL only (SQLite by default, PostgreSQL by URL). A change here needs an Alembic
migration in ``db/versions``; a released migration is never edited.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Setting(Base):
    """Project-wide settings as key/value: image roots, pairing rules, spaces (JSON values)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Pair(Base):
    """One infrared image and, when known, its visible counterpart.

    Migration 0008 indexes the lowered file name (the last part of ``rel_path``), an index
    on an expression per dialect, not mapped here (``store/lookup.py`` queries it).
    """

    __tablename__ = "pairs"
    __table_args__ = (Index("ix_pairs_source_id", "source", "id"),)  # migration 0003
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<index>-<Source>/<path inside the source>" as IR-TD names it, or the path under an
    # imported source dataset; unique per project.
    rel_path: Mapped[str] = mapped_column(String(1000), unique=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    ir_path: Mapped[str | None] = mapped_column(String(2000))  # where it was looked for
    visible_path: Mapped[str | None] = mapped_column(String(2000))
    ir_exists: Mapped[bool] = mapped_column(Boolean, default=False)
    visible_exists: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    aligned: Mapped[bool] = mapped_column(Boolean, default=True)


class Sample(Base):
    """One IR-TD conversation about a Pair's image; what is reviewed and exported."""

    __tablename__ = "samples"
    __table_args__ = (
        UniqueConstraint("task", "original_id", name="uq_samples_task_original_id"),
        Index("ix_samples_status_task", "status", "task"),
        # added in migration 0003: the queue's ids of one task or status, in id order
        Index("ix_samples_task", "task"),
        Index("ix_samples_status", "status"),
        Index("ix_samples_decided_by_at", "decided_by", "decided_at"),  # migration 0006
        Index("ix_samples_original_id", "original_id"),  # 0008: Go to and search by it
        # 0010: the queue's "riskiest first" (risk DESC, id ASC) as one forward index scan
        Index("ix_samples_risk_id", text("risk DESC"), "id"),
        # 0011: the dashboard's drafts and warning kinds, read from indexes alone
        Index("ix_samples_edited_task_distance", "edited", "task", "edit_distance"),
        Index("ix_samples_warnings", "warnings", sqlite_where=text("warnings IS NOT NULL"),
              postgresql_where=text("warnings IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task: Mapped[str] = mapped_column(String(40))
    original_id: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(500))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    image: Mapped[str] = mapped_column(String(2000))  # the image path exactly as imported
    image_as_list: Mapped[bool] = mapped_column(Boolean, default=True)
    answer_space: Mapped[str] = mapped_column(String(20), default="pixel")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reject_reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    edited: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    count: Mapped[int | None] = mapped_column(Integer)
    options: Mapped[str | None] = mapped_column(String(40))  # chosen letters, e.g. "ABD"
    warnings: Mapped[str | None] = mapped_column(Text)  # "; "-joined warning codes
    updated_at: Mapped[str | None] = mapped_column(String(40))
    updated_by: Mapped[str | None] = mapped_column(String(200))
    # migration 0006 (ADR 0019): grows with every change; who last set the review status, when
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[str | None] = mapped_column(String(40))
    # migration 0010 (docs/risk.md): how likely the Sample is wrong, and the codes of the parts
    risk: Mapped[int] = mapped_column(Integer, server_default="0")
    risk_parts: Mapped[str | None] = mapped_column(String(200))
    # migration 0011: characters changed from the LLM's turns (capped), None when unedited
    edit_distance: Mapped[int | None] = mapped_column(Integer)


class Turn(Base):
    """One human or gpt message of a Sample; ``original`` is the LLM's text, kept forever.

    On SQLite, migration 0005 adds ``samples_fts``: an FTS5 (trigram) index with one row per
    Sample (its turns' ``text`` joined by line breaks) kept in step by triggers, for the
    queue's free-text search. Migration 0004 adds ``sample_tally``: the Samples counted per
    (source, task, status), kept by triggers on ``samples``. Neither is mapped here.
    """

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("sample_id", "idx", name="uq_turns_sample_idx"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    original: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


MARKER = "marker"  # Shape.kind of the click-to-count markers a reviewer placed on a Sample


class Shape(Base):
    """A Box or Point: parsed from a Sample's answer, or a source dataset's box on a Pair.

    Coordinates are pixels of the IR image when ``space`` is "pixel", else 0-1000 (kept in
    their own space when the image size is unknown). Points use x1/y1 only.
    """

    __tablename__ = "shapes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id"), index=True)
    sample_id: Mapped[int | None] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "box" | "point"
    idx: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200), default="")
    space: Mapped[str] = mapped_column(String(20), default="pixel")
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    x2: Mapped[float | None] = mapped_column(Float)
    y2: Mapped[float | None] = mapped_column(Float)
    outside: Mapped[bool] = mapped_column(Boolean, default=False)


class Lease(Base):
    """A reviewer working on a Sample now: "next pending" skips it until ``until`` (0006)."""

    __tablename__ = "leases"
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True)
    who: Mapped[str] = mapped_column(String(200))
    session: Mapped[str] = mapped_column(String(64), index=True)  # one window or process
    since: Mapped[str] = mapped_column(String(40))
    until: Mapped[float] = mapped_column(Float)  # seconds since the epoch


class Assignment(Base):
    """A Sample in the batch a lead gave one reviewer (migration 0006)."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_who_sample", "who", "sample_id"),)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True)
    who: Mapped[str] = mapped_column(String(200))
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[str] = mapped_column(String(40))


class Revision(Base):
    """One append-only entry: who changed what, when, from what to what."""

    __tablename__ = "revisions"
    # 0011: the decisions of the last days (the dashboard), one range of the index
    __table_args__ = (Index("ix_revisions_action_at", "action", "at", "who"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id"))
    at: Mapped[str] = mapped_column(String(40))  # UTC ISO-8601
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))  # "text", "status", "geometry", "import", ...
    target: Mapped[str | None] = mapped_column(String(200))  # e.g. "turn 1"
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class Release(Base):
    """One export of Samples in the IR-TD format, with its manifest (added in migration 0002)."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    who: Mapped[str] = mapped_column(String(200))
    out_dir: Mapped[str] = mapped_column(String(2000))
    filters: Mapped[str] = mapped_column(Text)  # JSON
    manifest: Mapped[str] = mapped_column(Text)  # JSON
    sample_count: Mapped[int] = mapped_column(Integer)


class ReleaseSample(Base):
    """What one Release held: a digest of each Sample's exported text, to say what changed."""

    __tablename__ = "release_samples"
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True)
    sample_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))


class Audit(Base):
    """A seeded, stratified sample of pending Samples and what it must show (migration 0009)."""

    __tablename__ = "audits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    filters: Mapped[str] = mapped_column(Text)  # QueueFilter.to_json, statuses ["pending"]
    max_error: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(BigInteger)
    strata_by: Mapped[str] = mapped_column(String(200))  # "task,source", "task", "" (one)
    max_sample_id: Mapped[int] = mapped_column(Integer)  # accept reaches no later import
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    accepted_at: Mapped[str | None] = mapped_column(String(40))


class AuditStratum(Base):
    """One stratum of an audit: its pending Samples at creation and the planned draw."""

    __tablename__ = "audit_strata"
    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(500), primary_key=True)  # "Relationship|97-LLVIP"
    population: Mapped[int] = mapped_column(Integer)
    planned: Mapped[int] = mapped_column(Integer)


class AuditSample(Base):
    """A Sample drawn into an audit, in the round that drew it (0: at creation)."""

    __tablename__ = "audit_samples"
    __table_args__ = (Index("ix_audit_samples_sample", "sample_id"),)
    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(500))
    drawn_round: Mapped[int] = mapped_column(Integer)


class AuditAccepted(Base):
    """A Sample an audit's accept made ``accepted``, with the decision it had before."""

    __tablename__ = "audit_accepted"
    __table_args__ = (Index("ix_audit_accepted_sample", "sample_id"),)
    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("samples.id", ondelete="CASCADE"), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(500))
    old_status: Mapped[str] = mapped_column(String(20))
    old_note: Mapped[str | None] = mapped_column(Text)
    old_decided_by: Mapped[str | None] = mapped_column(String(200))
    old_decided_at: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)  # the Sample's, as the accept left it
