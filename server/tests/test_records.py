"""records.py: plain-SQL rows of datasets and jobs read back exactly as written, defaults as the ORM's, writes
refused in read transactions, updates touching only the named columns."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pytest
from conftest import fresh_pg_database, make_settings
from safedata_server import records
from safedata_server.models import Dataset, Job, Project
from safedata_server.runtime import create_runtime
from sqlalchemy import select

from safedata_core import SafedataError


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        url = fresh_pg_database(request.getfixturevalue("pg_url"), "records", tmp_path)
    rt, _key = create_runtime(make_settings(tmp_path / "data", url, start_workers=False))
    yield rt
    rt.db.dispose()


def _project(rt) -> str:  # type: ignore[no-untyped-def]
    with rt.db.session(write=False) as s:
        return str(s.scalars(select(Project.id)).first())


def test_a_dataset_row_reads_back_as_written_with_the_orm_defaults(runtime) -> None:  # type: ignore[no-untyped-def]
    project = _project(runtime)
    with runtime.db.session() as s:
        made = records.insert_dataset(
            s,
            project_id=project,
            name="d.csv",
            file_format="csv",
            n_rows=7,
            n_columns=2,
            columns=["a", "b"],
            budget_epsilon=3.0,
            budget_delta=1e-5,
            created_by="k",
        )
    assert len(made.id) == 32 and int(made.id, 16) >= 0  # a fresh random id, as the model's default
    assert made.accountant == "rdp" and made.deleted_at is None and made.created_at is not None
    with runtime.db.session(write=False) as s:
        back = records.dataset(s, made.id)
        orm = s.get(Dataset, made.id)
    assert back is not None and orm is not None
    for f in fields(records.DatasetRecord):  # every column equals what the ORM loads for the same row
        if f.name != "created_at":
            assert getattr(back, f.name) == getattr(orm, f.name), f.name
    assert back.created_at == orm.created_at
    assert back.columns == ["a", "b"] and back.n_rows == 7 and back.budget_epsilon == 3.0
    with runtime.db.session(write=False) as s:
        assert records.dataset(s, "0" * 32) is None
        assert [d.id for d in records.datasets_of(s, project)] == [made.id]
        assert records.datasets_of(s, "another project") == []


def test_an_update_sets_only_the_named_columns_and_erased_datasets_are_not_listed(runtime) -> None:  # type: ignore[no-untyped-def]
    project = _project(runtime)
    with runtime.db.session() as s:
        a = records.insert_dataset(
            s, project_id=project, name="a", file_format="csv", n_rows=1, n_columns=1,
            budget_epsilon=1.0, budget_delta=0.0, created_by="k",
        )  # fmt: skip
        b = records.insert_dataset(
            s, project_id=project, name="b", file_format="csv", n_rows=2, n_columns=1,
            budget_epsilon=2.0, budget_delta=0.0, created_by="k",
        )  # fmt: skip
    with runtime.db.session() as s:
        records.update_dataset(s, a.id, budget_epsilon=5.0, budget_delta=1e-6)
        records.update_dataset(s, b.id, budget_epsilon=9.0, budget_delta=1e-7)  # the same statement, reused
    with runtime.db.session(write=False) as s:
        a2, b2 = records.dataset(s, a.id), records.dataset(s, b.id)
    assert a2 is not None and b2 is not None
    assert (a2.budget_epsilon, a2.budget_delta, a2.name, a2.n_rows) == (5.0, 1e-6, "a", 1)
    assert (b2.budget_epsilon, b2.budget_delta, b2.name, b2.n_rows) == (9.0, 1e-7, "b", 2)
    with runtime.db.session() as s:
        records.update_dataset(s, a.id, deleted_at=a2.created_at)
    with runtime.db.session(write=False) as s:
        assert [d.id for d in records.datasets_of(s, project)] == [b.id]
        locked = records.dataset(s, a.id, lock=True)
    assert locked is not None and locked.deleted_at is not None


def test_a_job_row_keeps_its_documents_and_defaults(runtime) -> None:  # type: ignore[no-untyped-def]
    project = _project(runtime)
    request = {"num_rows": 50, "nested": {"x": [1, 2.5, None, "t"]}}
    with runtime.db.session() as s:
        job = records.insert_job(s, project_id=project, kind="generate", request=request, created_by="k")
    assert job.status == "queued" and job.cancel_requested is False and job.progress == {} and job.summary == {}
    with runtime.db.session() as s:
        records.update_job(s, job.id, cancel_requested=True, status="cancelled")
    with runtime.db.session(write=False) as s:
        back = records.job(s, job.id)
        orm = s.get(Job, job.id)
        assert records.job(s, "f" * 32) is None
    assert back is not None and orm is not None
    assert back.request == request and back.status == "cancelled" and back.cancel_requested is True
    assert all(getattr(back, f.name) == getattr(orm, f.name) for f in fields(records.JobRecord))


def test_writes_in_a_read_transaction_are_refused(runtime) -> None:  # type: ignore[no-untyped-def]
    project = _project(runtime)
    with runtime.db.session(write=False) as s:
        with pytest.raises(SafedataError, match="read-only transaction"):
            records.insert_job(s, project_id=project, kind="generate", created_by="k")
        with pytest.raises(SafedataError, match="read-only transaction"):
            records.update_dataset(s, "0" * 32, name="x")
        obj = runtime.store.seal(project, "t", b"payload")
        with pytest.raises(SafedataError, match="read-only transaction"):
            runtime.store.add(s, obj)
        with pytest.raises(SafedataError, match="read-only transaction"):
            runtime.store.erase(s, obj.id)


def test_a_record_class_must_list_its_table_columns_in_order() -> None:
    @dataclass(frozen=True)
    class Short:
        id: str

    with pytest.raises(RuntimeError, match="does not list the columns of table datasets"):
        records._check_fields(Short, records.DATASETS)
    records._check_fields(records.DatasetRecord, records.DATASETS)  # the real ones match
    records._check_fields(records.JobRecord, records.JOBS)
