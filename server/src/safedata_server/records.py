"""Plain-SQL reads and writes of the rows nearly every request touches: datasets and jobs.

The tables are the ORM models' (:mod:`safedata_server.models`), but building ORM
objects and flushing them through the unit of work costs several times the SQL
itself on SQLite, and every upload, metadata declaration, generate request and
status poll pays it, on the one interpreter that answers all requests (the
server CPU per request: ``benchmarks/bench_server_requests.py``, docs/service.md).
These functions run statements built once through the session (pending ORM
changes are still flushed first) and return frozen records with the table's
columns as attributes. A write in a read transaction is refused, as the ORM
refuses its flush (:func:`safedata_server.db.refuse_read_only`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from safedata_server.db import refuse_read_only
from safedata_server.models import Dataset, Job

__all__ = [
    "DatasetRecord",
    "JobRecord",
    "dataset",
    "datasets_of",
    "insert_dataset",
    "insert_job",
    "job",
    "update_dataset",
    "update_job",
]

DATASETS: Table = Dataset.__table__  # type: ignore[assignment]
JOBS: Table = Job.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DatasetRecord:
    """One ``datasets`` row (read-only; change it with :func:`update_dataset`)."""

    id: str
    project_id: str
    name: str
    file_format: str
    n_rows: int
    n_columns: int
    columns: list[str]
    data_object_id: str | None
    metadata_object_id: str | None
    profile_object_id: str | None
    pii_object_id: str | None
    budget_epsilon: float
    budget_delta: float
    accountant: str
    created_by: str
    created_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One ``jobs`` row (read-only)."""

    id: str
    project_id: str
    dataset_id: str | None
    kind: str
    generator_type: str | None
    component: str | None
    request: dict[str, Any]
    pipeline: dict[str, Any]
    status: str
    progress: dict[str, Any]
    epsilon: float | None
    delta: float | None
    epsilon_spent: float | None
    delta_spent: float | None
    error: str | None
    cancel_requested: bool
    worker_pid: int | None
    lease_owner: str | None
    lease_expires: datetime | None
    release_object_id: str | None
    release_report_object_id: str | None
    internal_report_object_id: str | None
    ledger: dict[str, Any]
    summary: dict[str, Any]
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _check_fields(record: type, table: Table) -> None:
    names = [f.name for f in fields(record)]
    if names != [c.name for c in table.columns]:  # a migration added a column: add it to the record too
        raise RuntimeError(f"{record.__name__} does not list the columns of table {table.name}")


_check_fields(DatasetRecord, DATASETS)
_check_fields(JobRecord, JOBS)

_DATASET = select(DATASETS).where(DATASETS.c.id == bindparam("id"))
_DATASET_LOCKED = _DATASET.with_for_update()
_LIVE_DATASETS = (
    select(DATASETS)
    .where(DATASETS.c.project_id == bindparam("project"), DATASETS.c.deleted_at.is_(None))
    .order_by(DATASETS.c.created_at)
)
_JOB = select(JOBS).where(JOBS.c.id == bindparam("id"))
_INSERT_DATASET = DATASETS.insert()
_INSERT_JOB = JOBS.insert()


def _complete(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every other column at its model default (what the ORM would have inserted)."""
    out = {}
    for column in table.columns:
        if column.name in values:
            out[column.name] = values[column.name]
        elif column.default is None:
            out[column.name] = None
        else:
            default: Any = column.default
            out[column.name] = default.arg(None) if default.is_callable else default.arg
    return out


def dataset(session: Session, dataset_id: str, *, lock: bool = False) -> DatasetRecord | None:
    """The ``datasets`` row ``dataset_id`` (any project, erased or not), or ``None``; ``lock``: ``FOR UPDATE``
    (PostgreSQL row lock; SQLite write transactions are exclusive anyway)."""
    row = session.execute(_DATASET_LOCKED if lock else _DATASET, {"id": dataset_id}).first()
    return None if row is None else DatasetRecord(*row)


def datasets_of(session: Session, project_id: str) -> list[DatasetRecord]:
    """The project's live datasets, oldest first."""
    return [DatasetRecord(*row) for row in session.execute(_LIVE_DATASETS, {"project": project_id})]


def insert_dataset(session: Session, **values: Any) -> DatasetRecord:
    """Insert a ``datasets`` row (columns not given take their defaults: a new id, now, ...)."""
    return DatasetRecord(**_insert(session, DATASETS, _INSERT_DATASET, values))


def _insert(session: Session, table: Table, statement: Any, values: dict[str, Any]) -> dict[str, Any]:
    refuse_read_only(session)
    row = _complete(table, values)
    session.execute(statement, row)
    return row


_UPDATES: dict[tuple[str, tuple[str, ...]], Any] = {}  # (table, columns set) -> its UPDATE, built once


def _update(session: Session, table: Table, row_id: str, values: dict[str, Any]) -> None:
    refuse_read_only(session)
    names = tuple(sorted(values))
    statement = _UPDATES.get((table.name, names))
    if statement is None:
        where = table.c.id == bindparam("row_id")
        statement = table.update().where(where).values({n: bindparam(f"new_{n}") for n in names})
        _UPDATES[(table.name, names)] = statement
    session.execute(statement, {"row_id": row_id} | {f"new_{n}": v for n, v in values.items()})


def update_dataset(session: Session, dataset_id: str, **values: Any) -> None:
    """Set columns of the ``datasets`` row ``dataset_id``."""
    _update(session, DATASETS, dataset_id, values)


def update_job(session: Session, job_id: str, **values: Any) -> None:
    """Set columns of the ``jobs`` row ``job_id``."""
    _update(session, JOBS, job_id, values)


def job(session: Session, job_id: str) -> JobRecord | None:
    """The ``jobs`` row ``job_id`` (any project), or ``None``."""
    row = session.execute(_JOB, {"id": job_id}).first()
    return None if row is None else JobRecord(*row)


def insert_job(session: Session, **values: Any) -> JobRecord:
    """Insert a ``jobs`` row (columns not given take their defaults)."""
    return JobRecord(**_insert(session, JOBS, _INSERT_JOB, values))
