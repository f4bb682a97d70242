"""Datasets: upload (CSV/Parquet, encrypted at rest), list, show, crypto-erase, profile, PII detection,
public metadata (declared domains), lifetime budget and its ledger.

Analysts see that a dataset exists and its budget and ledger, never its rows,
exact size, profile or PII findings.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
from sqlalchemy import select

from safedata_core import Metadata, Table
from safedata_server import records
from safedata_server.auth import ADMIN, ANY_ROLE, STEWARD
from safedata_server.models import Job, now
from safedata_server.offload import Packed
from safedata_server.records import DatasetRecord
from safedata_server.services import audit, budget
from safedata_server.services.context import Conflict, Ctx, Invalid, NotFound, TooLarge, authorize

__all__ = [
    "check_upload",
    "delete_dataset",
    "detect_pii",
    "get_dataset",
    "get_pii_report",
    "get_profile",
    "ledger",
    "list_datasets",
    "load_frame",
    "load_metadata",
    "lock",
    "metadata_document",
    "metadata_input",
    "profile_dataset",
    "set_budget",
    "set_metadata",
    "start_pii_detection",
    "start_profile",
    "store_metadata",
    "store_upload",
    "upload_dataset",
]


def _view(ds: DatasetRecord, role: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": ds.id,
        "name": ds.name,
        "file_format": ds.file_format,
        "created_at": ds.created_at.isoformat(),
        "privacy_budget": {"epsilon": ds.budget_epsilon, "delta": ds.budget_delta, "accountant": ds.accountant},
        "has_metadata": ds.metadata_object_id is not None,
        "has_profile": ds.profile_object_id is not None,
        "has_pii_report": ds.pii_object_id is not None,
        "status": "ready",
    }
    if role != "analyst":  # the exact size is not a DP statistic
        out |= {"row_count": ds.n_rows, "column_count": ds.n_columns}
    return out


def get_row(ctx: Ctx, dataset_id: str) -> DatasetRecord:
    """The caller's live dataset, else :class:`NotFound` (another project's id is not found either)."""
    return _live(ctx, dataset_id, records.dataset(ctx.session, dataset_id))


def lock(ctx: Ctx, dataset_id: str) -> DatasetRecord:
    """Like :func:`get_row`, in a write transaction with the row locked (and re-read) until it ends."""
    ctx.begin_write()
    return _live(ctx, dataset_id, records.dataset(ctx.session, dataset_id, lock=True))


def _live(ctx: Ctx, dataset_id: str, ds: DatasetRecord | None) -> DatasetRecord:
    if ds is None or ds.project_id != ctx.who.project_id or ds.deleted_at is not None:
        raise NotFound(f"dataset {dataset_id} not found")
    return ds


def upload_dataset(
    ctx: Ctx,
    filename: str,
    content: bytes,
    *,
    name: str | None = None,
    epsilon: float = 1.0,
    delta: float = 1e-5,
    accountant: str = "rdp",
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store an uploaded CSV/Parquet file encrypted, with its lifetime budget (epsilon, delta) and, when given,
    its public metadata (checked against the rows as :func:`set_metadata` checks it).

    Three steps, which the API runs apart (awaiting the parsing): :func:`check_upload`,
    :func:`~safedata_server.offload.pack_upload` (in a helper process; on the event loop for a file under
    ``offload.INLINE_BYTES``), :func:`store_upload`.
    """
    from safedata_server.offload import pack_upload

    check_upload(ctx, filename, content, epsilon=epsilon, delta=delta)
    doc = None if metadata is None else metadata_document(metadata)
    packed = ctx.rt.offload(pack_upload, filename, content, doc)  # parsed (and checked) off this process
    return store_upload(
        ctx, filename, len(content), packed, name=name, epsilon=epsilon, delta=delta, accountant=accountant
    )


def check_upload(ctx: Ctx, filename: str, content: bytes, *, epsilon: float, delta: float) -> None:
    """Refuse an upload before any parsing: the caller's role, the size limit, the lifetime budget."""
    authorize(ctx, STEWARD, "upload a dataset")
    if len(content) > ctx.rt.settings.max_upload_bytes:
        raise TooLarge(f"upload '{filename}' is over the {ctx.rt.settings.max_upload_bytes // 2**20} MB limit")
    if not (epsilon > 0) or not (0 <= delta < 1):
        raise Invalid("privacy budget: epsilon must be > 0 and delta in [0, 1)")


def metadata_document(metadata: dict[str, Any]) -> dict[str, Any]:
    """A metadata document as sent (``{columns: {...}}``, or the columns mapping alone) in its full form."""
    return metadata if "columns" in metadata else {"columns": metadata}


def store_upload(
    ctx: Ctx,
    filename: str,
    size: int,
    packed: Packed,
    *,
    name: str | None = None,
    epsilon: float = 1.0,
    delta: float = 1e-5,
    accountant: str = "rdp",
) -> dict[str, Any]:
    """Seal the parsed upload (and its checked metadata, if sent with it) and record the dataset."""
    who = authorize(ctx, STEWARD, "upload a dataset")
    store = ctx.rt.store
    obj = store.seal(who.project_id, "dataset", packed.data)  # encrypted and synced before the write lock
    meta = None if packed.metadata is None else store.seal(who.project_id, "metadata", _json(packed.metadata))
    ctx.begin_write()
    store.add(ctx.session, obj)
    if meta is not None:
        store.add(ctx.session, meta)
    ds = records.insert_dataset(
        ctx.session,
        project_id=who.project_id,
        name=(name or filename)[:200],
        file_format=packed.fmt,
        n_rows=packed.rows,
        n_columns=len(packed.columns),
        columns=packed.columns,
        data_object_id=obj.id,
        metadata_object_id=None if meta is None else meta.id,
        budget_epsilon=float(epsilon),
        budget_delta=float(delta),
        accountant=accountant,
        created_by=who.key_id,
    )
    audit.record(ctx, "dataset_uploaded", obj=ds.id, bytes=size, budget_epsilon=epsilon)
    if packed.metadata is not None:
        _audit_metadata(ctx, ds.id, packed.metadata)
    ctx.rt.count("uploads")
    view = _view(ds, who.role)
    return view if packed.metadata is None else view | {"metadata": packed.metadata}


def list_datasets(ctx: Ctx) -> list[dict[str, Any]]:
    who = authorize(ctx, ANY_ROLE, "list datasets")
    rows = records.datasets_of(ctx.session, who.project_id)  # names and budgets only: not audited
    return [_view(ds, who.role) for ds in rows]


def get_dataset(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    who = authorize(ctx, ANY_ROLE, "show a dataset")
    ds = get_row(ctx, dataset_id)
    view = _view(ds, who.role)
    if who.role != "analyst" and ds.metadata_object_id:
        view["metadata"] = load_metadata(ctx, ds)
    audit.record(ctx, "dataset_read", obj=ds.id)
    return view


def delete_dataset(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """Crypto-erase the data, metadata, profile and PII report; the ledger and released outputs stay."""
    authorize(ctx, STEWARD, "delete a dataset")
    ds = lock(ctx, dataset_id)
    for oid in (ds.data_object_id, ds.metadata_object_id, ds.profile_object_id, ds.pii_object_id):
        ctx.rt.store.erase(ctx.session, oid)
    records.update_dataset(ctx.session, ds.id, deleted_at=now())
    audit.record(ctx, "dataset_erased", obj=ds.id)
    return {"id": ds.id, "deleted": True, "crypto_erased": True}


def load_frame(ctx: Ctx, ds: DatasetRecord) -> pd.DataFrame:
    """The decrypted rows (server-side only)."""
    if ds.data_object_id is None:
        raise NotFound(f"dataset {ds.id} has no data (erased)")
    return pd.read_parquet(io.BytesIO(ctx.rt.store.get(ctx.session, ds.data_object_id)))


def load_metadata(ctx: Ctx, ds: DatasetRecord) -> dict[str, Any] | None:
    if ds.metadata_object_id is None:
        return None
    data: dict[str, Any] = json.loads(ctx.rt.store.get(ctx.session, ds.metadata_object_id))
    return data


def set_metadata(ctx: Ctx, dataset_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """Declare the dataset's public metadata (types, roles, bounds, categories): what DP may rely on.

    Three steps, which the API runs apart (the check awaited in a helper process, the event loop serving
    other requests meanwhile): :func:`metadata_input`, :func:`~safedata_server.offload.check_metadata`,
    :func:`store_metadata`.
    """
    from safedata_server.offload import check_metadata

    rows, doc = metadata_input(ctx, dataset_id, metadata)
    stored = ctx.rt.offload(check_metadata, rows, doc, dataset_id)  # checked against the rows off this process
    return store_metadata(ctx, dataset_id, stored)


def metadata_input(ctx: Ctx, dataset_id: str, metadata: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """(the dataset's rows as Parquet bytes, the metadata document) to check, for a steward."""
    authorize(ctx, STEWARD, "declare dataset metadata")
    ds = get_row(ctx, dataset_id)
    if ds.data_object_id is None:
        raise NotFound(f"dataset {ds.id} has no data (erased)")
    return ctx.rt.store.get(ctx.session, ds.data_object_id), metadata_document(metadata)


def store_metadata(ctx: Ctx, dataset_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """Seal the checked metadata (``check_metadata``'s document) as the dataset's, replacing the earlier one."""
    who = authorize(ctx, STEWARD, "declare dataset metadata")
    sealed = ctx.rt.store.seal(who.project_id, "metadata", _json(stored))  # before the write lock
    ds = lock(ctx, dataset_id)
    if ds.data_object_id is None:  # erased while the metadata was checked
        raise NotFound(f"dataset {ds.id} has no data (erased)")
    ctx.rt.store.add(ctx.session, sealed)
    records.update_dataset(ctx.session, ds.id, metadata_object_id=sealed.id)
    ctx.rt.store.erase(ctx.session, ds.metadata_object_id)  # the one it replaces
    _audit_metadata(ctx, ds.id, stored)
    return {"id": ds.id, "metadata": stored}


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def _audit_metadata(ctx: Ctx, dataset_id: str, stored: dict[str, Any]) -> None:
    audit.record(ctx, "metadata_declared", obj=dataset_id, columns=len(stored.get("columns", {})))


def table_of(ctx: Ctx, ds: DatasetRecord) -> Table:
    """The dataset as a core :class:`~safedata_core.Table` with its declared metadata (if any)."""
    meta = load_metadata(ctx, ds)
    return Table.from_dataframe(
        load_frame(ctx, ds), Metadata.from_dict(meta) if meta else None, source=f"dataset {ds.id}"
    )


def _store_inspection(ctx: Ctx, dataset_id: str, kind: str, result: dict[str, Any]) -> dict[str, Any]:
    who = ctx.who
    body = json.dumps(result, default=str).encode()
    ds = lock(ctx, dataset_id)
    attr = INSPECTIONS[kind]["attr"]
    records.update_dataset(ctx.session, ds.id, **{attr: ctx.rt.store.put(ctx.session, who.project_id, kind, body).id})
    ctx.rt.store.erase(ctx.session, getattr(ds, attr))  # the one it replaces
    if kind == "profile":
        audit.record(ctx, "dataset_profiled", obj=ds.id)
    else:
        audit.record(ctx, "pii_detected", obj=ds.id, pii_columns=len(result["pii_columns"]))
    return result


def profile_dataset(ctx: Ctx, dataset_id: str, *, k: int = 5) -> dict[str, Any]:
    """Profile the dataset (types, identifiers, quasi-identifiers, k-anonymity) in this thread; stored encrypted.

    The API runs the same computation as a job instead (:func:`start_profile`), off the request handlers' CPU.
    """
    from safedata_server.inspection import profile_result

    authorize(ctx, STEWARD, "profile a dataset")
    ds = get_row(ctx, dataset_id)
    return _store_inspection(ctx, dataset_id, "profile", profile_result(table_of(ctx, ds), ds.id, k=k))


def detect_pii(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """Direct identifiers and PII per column (evidence and confidence) in this thread; stored encrypted.

    The API runs the same computation as a job instead (:func:`start_pii_detection`).
    """
    from safedata_server.inspection import pii_result

    authorize(ctx, STEWARD, "detect PII")
    ds = get_row(ctx, dataset_id)
    return _store_inspection(ctx, dataset_id, "pii", pii_result(table_of(ctx, ds), ds.id))


# job kind -> the dataset column holding its latest result, the route, what it is called
INSPECTIONS: dict[str, dict[str, str]] = {
    "profile": {"attr": "profile_object_id", "path": "profile", "what": "profile"},
    "pii": {"attr": "pii_object_id", "path": "pii-detection", "what": "PII report"},
}


def _inflight(ctx: Ctx, ds: DatasetRecord, kind: str) -> Job | None:
    q = (
        select(Job)
        .where(Job.dataset_id == ds.id, Job.kind == kind, Job.status.in_(("queued", "running")))
        .order_by(Job.created_at.desc())
    )
    return ctx.session.scalars(q).first()


def _start_inspection(ctx: Ctx, dataset_id: str, kind: str, request: dict[str, Any]) -> dict[str, Any]:
    from safedata_server.services.generators import job_view, submit

    who = ctx.who
    ds = get_row(ctx, dataset_id)
    running = _inflight(ctx, ds, kind)
    if running is not None:  # the same computation is already under way: wait for that one
        return job_view(running, who.role) | {"message": "already running"}
    ctx.begin_write()
    job = records.insert_job(
        ctx.session, project_id=who.project_id, dataset_id=ds.id, kind=kind, request=request, created_by=who.key_id
    )
    audit.record(ctx, f"{kind}_requested", obj=ds.id, job=job.id)
    submit(ctx, job)
    return job_view(job, who.role) | {"message": "queued"}


def start_profile(ctx: Ctx, dataset_id: str, *, k: int = 5) -> dict[str, Any]:
    """Queue a profile job (quick lane); returns the job (``id``, ``status``). Joins one already running."""
    authorize(ctx, STEWARD, "profile a dataset")
    return _start_inspection(ctx, dataset_id, "profile", {"k": int(k)})


def start_pii_detection(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """Queue a PII detection job (quick lane); returns the job. Joins one already running."""
    authorize(ctx, STEWARD, "detect PII")
    return _start_inspection(ctx, dataset_id, "pii", {})


def _inspection(ctx: Ctx, dataset_id: str, kind: str) -> dict[str, Any]:
    """The stored result; or, while a job computes a new one, ``{"pending": True, ...job}``; else 409."""
    from safedata_server.services.generators import job_view

    ds = get_row(ctx, dataset_id)
    info = INSPECTIONS[kind]
    running = _inflight(ctx, ds, kind)
    if running is not None:
        return job_view(running, ctx.who.role) | {"pending": True}
    oid = getattr(ds, info["attr"])
    if oid is None:
        last = ctx.session.scalars(
            select(Job).where(Job.dataset_id == ds.id, Job.kind == kind).order_by(Job.created_at.desc())
        ).first()
        why = f": the last job {last.status} ({last.error})" if last is not None and last.error else ""
        raise Conflict(f"dataset {ds.id} has no {info['what']} yet{why}; POST /datasets/{ds.id}/{info['path']}")
    data: dict[str, Any] = json.loads(ctx.rt.store.get(ctx.session, oid))
    audit.record(ctx, f"{kind}_read", obj=ds.id)
    return data


def get_profile(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """The dataset's latest profile (steward)."""
    authorize(ctx, STEWARD, "read a dataset's profile")
    return _inspection(ctx, dataset_id, "profile")


def get_pii_report(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """The dataset's latest PII detection report (steward)."""
    authorize(ctx, STEWARD, "read a dataset's PII report")
    return _inspection(ctx, dataset_id, "pii")


def set_budget(ctx: Ctx, dataset_id: str, *, epsilon: float, delta: float) -> dict[str, Any]:
    """Change the lifetime budget (admin); it may not go below what is already reserved."""
    authorize(ctx, ADMIN, "change a dataset's privacy budget")
    ds = lock(ctx, dataset_id)
    view = budget.ledger_view(ctx, ds)
    if epsilon < view["reserved"]["epsilon"] or delta < view["reserved"]["delta"] or not 0 <= delta < 1:
        raise Invalid(
            f"budget (epsilon={epsilon:g}, delta={delta:g}) is below what is already reserved "
            f"(epsilon={view['reserved']['epsilon']:g}, delta={view['reserved']['delta']:g}) or invalid"
        )
    records.update_dataset(ctx.session, ds.id, budget_epsilon=float(epsilon), budget_delta=float(delta))
    audit.record(ctx, "budget_set", obj=ds.id, budget_epsilon=epsilon, budget_delta=delta)
    return budget.ledger_view(ctx, lock(ctx, dataset_id))


def ledger(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """The dataset's lifetime ledger (every role: it holds budgets, not data)."""
    authorize(ctx, ANY_ROLE, "read a dataset's privacy ledger")
    ds = get_row(ctx, dataset_id)
    audit.record(ctx, "ledger_read", obj=ds.id)
    return budget.ledger_view(ctx, ds)
