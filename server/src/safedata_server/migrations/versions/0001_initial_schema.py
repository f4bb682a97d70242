"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _str(name: str, length: int, *, null: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=null)


def _id(name: str, *, null: bool = False) -> sa.Column[Any]:
    """An id column (32 characters)."""
    return _str(name, 32, null=null)


def _time(name: str, *, null: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=null)


def _float(name: str, *, null: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Float(), nullable=null)


def _json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _fks(**targets: str) -> list[sa.ForeignKeyConstraint]:
    """``column=table`` -> a foreign key from ``column`` to ``table.id``, each."""
    return [sa.ForeignKeyConstraint([column], [f"{table}.id"]) for column, table in targets.items()]


def _table(name: str, *items: Any, index: tuple[str, ...] = ()) -> None:
    """Create table ``name`` and a non-unique index ``ix_<name>_<column>`` per column of ``index``."""
    op.create_table(name, *items)
    if index:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in index:
                batch_op.create_index(batch_op.f(f"ix_{name}_{column}"), [column], unique=False)


def _drop(name: str, index: tuple[str, ...] = ()) -> None:
    if index:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in reversed(index):
                batch_op.drop_index(batch_op.f(f"ix_{name}_{column}"))
    op.drop_table(name)


INDEXES: dict[str, tuple[str, ...]] = {
    "audit_events": ("project_id",),
    "api_keys": ("project_id",),
    "objects": ("project_id",),
    "datasets": ("project_id",),
    "budget_charges": ("dataset_id",),
    "jobs": ("dataset_id", "project_id", "status"),
}


def upgrade() -> None:
    _table(
        "audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        _time("ts"),
        _id("project_id", null=True),
        _json("event"),
        *(_str(name, 64) for name in ("prev_hash", "hash", "mac")),
        sa.PrimaryKeyConstraint("seq"),
        index=INDEXES["audit_events"],
    )
    _table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        _str("hash", 64),
        sa.PrimaryKeyConstraint("id"),
    )
    _table("projects", _id("id"), _str("name", 200), _time("created_at"), sa.PrimaryKeyConstraint("id"))
    _table(
        "api_keys",
        _id("id"),
        _id("project_id"),
        _str("name", 200),
        _str("role", 16),
        _str("key_hash", 64),
        _str("prefix", 16),
        _time("created_at"),
        _time("revoked_at", null=True),
        *_fks(project_id="projects"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        index=INDEXES["api_keys"],
    )
    _table(
        "objects",
        _id("id"),
        _id("project_id"),
        _str("kind", 32),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        _str("master_key_id", 16),
        sa.Column("size", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("erased_at", null=True),
        *_fks(project_id="projects"),
        sa.PrimaryKeyConstraint("id"),
        index=INDEXES["objects"],
    )
    objects = ("data_object_id", "metadata_object_id", "profile_object_id", "pii_object_id")
    _table(
        "datasets",
        _id("id"),
        _id("project_id"),
        _str("name", 200),
        _str("file_format", 16),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_columns", sa.Integer(), nullable=False),
        _json("columns"),
        *(_id(name, null=True) for name in objects),
        _float("budget_epsilon"),
        _float("budget_delta"),
        _str("accountant", 16),
        _id("created_by"),
        _time("created_at"),
        _time("deleted_at", null=True),
        *_fks(**dict.fromkeys(sorted(objects), "objects"), project_id="projects"),
        sa.PrimaryKeyConstraint("id"),
        index=INDEXES["datasets"],
    )
    _table(
        "budget_charges",
        _id("id"),
        _id("dataset_id"),
        _id("job_id", null=True),
        _str("purpose", 32),
        _str("component", 64),
        _float("epsilon"),
        _float("delta"),
        _id("key_id"),
        _time("created_at"),
        *_fks(dataset_id="datasets"),
        sa.PrimaryKeyConstraint("id"),
        index=INDEXES["budget_charges"],
    )
    job_objects = ("release_object_id", "release_report_object_id", "internal_report_object_id")
    _table(
        "jobs",
        _id("id"),
        _id("project_id"),
        _id("dataset_id", null=True),
        _str("kind", 16),
        _str("generator_type", 64, null=True),
        _str("component", 64, null=True),
        _json("request"),
        _json("pipeline"),
        _str("status", 16),
        _json("progress"),
        *(_float(name, null=True) for name in ("epsilon", "delta", "epsilon_spent", "delta_spent")),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("worker_pid", sa.Integer(), nullable=True),
        *(_id(name, null=True) for name in job_objects),
        _json("ledger"),
        _json("summary"),
        _id("created_by"),
        _time("created_at"),
        *(_time(name, null=True) for name in ("started_at", "finished_at")),
        *_fks(
            dataset_id="datasets",
            internal_report_object_id="objects",
            project_id="projects",
            release_object_id="objects",
            release_report_object_id="objects",
        ),
        sa.PrimaryKeyConstraint("id"),
        index=INDEXES["jobs"],
    )


def downgrade() -> None:
    for name in ("jobs", "budget_charges", "datasets", "objects", "api_keys", "projects", "audit_head"):
        _drop(name, INDEXES.get(name, ()))
    _drop("audit_events", INDEXES["audit_events"])
