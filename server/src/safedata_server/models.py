"""SQLAlchemy 2 models: projects, API keys, datasets, budget charges, jobs, encrypted objects, audit events.

Every table the schema has is created by the Alembic migrations in
``safedata_server/migrations`` (a test checks the models and the migrations agree).
Ids are random 128-bit hex strings, so they reveal nothing about order or count.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "QUICK_JOB_KINDS",
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BudgetCharge",
    "Dataset",
    "Job",
    "Project",
    "StoredObject",
    "new_id",
    "now",
]

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINAL_STATES = ("succeeded", "failed", "cancelled")


# short jobs a request waits for: they run in their own worker lane, never behind a long generation
QUICK_JOB_KINDS = frozenset({"profile", "pii", "evaluation"})


def new_id() -> str:
    return secrets.token_hex(16)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)


class ApiKey(Base):
    """An API key: only its SHA-256 is stored (the key is 32 random bytes, shown once)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class StoredObject(Base):
    """An encrypted object on disk (``objects/<id>``); its data key is stored wrapped by the master key."""

    __tablename__ = "objects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    master_key_id: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class Dataset(Base):
    """An uploaded table. Its rows, profile and PII findings live only in encrypted objects."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(16))
    n_rows: Mapped[int] = mapped_column(Integer)
    n_columns: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    metadata_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    profile_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    pii_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    budget_epsilon: Mapped[float] = mapped_column(Float)
    budget_delta: Mapped[float] = mapped_column(Float)
    accountant: Mapped[str] = mapped_column(String(16), default="rdp")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=now)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class BudgetCharge(Base):
    """One charge against a dataset's lifetime budget (a generate job or a DP evaluation)."""

    __tablename__ = "budget_charges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(32), default=None)
    purpose: Mapped[str] = mapped_column(String(32))
    component: Mapped[str] = mapped_column(String(64))
    epsilon: Mapped[float] = mapped_column(Float)
    delta: Mapped[float] = mapped_column(Float)
    key_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Job(Base):
    """A durable unit of work (generate, evaluation, pipeline) run by a worker process."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id"), default=None, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    generator_type: Mapped[str | None] = mapped_column(String(64), default=None)
    component: Mapped[str | None] = mapped_column(String(64), default=None)
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pipeline: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    epsilon: Mapped[float | None] = mapped_column(Float, default=None)
    delta: Mapped[float | None] = mapped_column(Float, default=None)
    epsilon_spent: Mapped[float | None] = mapped_column(Float, default=None)
    delta_spent: Mapped[float | None] = mapped_column(Float, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker_pid: Mapped[int | None] = mapped_column(Integer, default=None)
    # the dispatching server process (``host/pid/start``) and until when its claim holds (renewed while it lives)
    lease_owner: Mapped[str | None] = mapped_column(String(96), default=None)
    lease_expires: Mapped[datetime | None] = mapped_column(default=None)
    release_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    release_report_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    internal_report_object_id: Mapped[str | None] = mapped_column(ForeignKey("objects.id"), default=None)
    ledger: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=now)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditHead(Base):
    """The single row holding the audit chain's head; locked while an event is appended."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """One sealed audit event: who (key id, role), what (action, route, object), epsilon charged."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(default=now)
    project_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    event: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
