"""/datasets: upload, list, show, delete (crypto-erase), profile, PII detection, metadata, budget, ledger."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from safedata_server.api.calls import call, call_async, runtime, wait_job
from safedata_server.api.schemas import BudgetRequest
from safedata_server.offload import INLINE_BYTES, check_metadata, pack_upload
from safedata_server.services import datasets
from safedata_server.services.context import Invalid, TooLarge

router = APIRouter(prefix="/datasets", tags=["datasets"])


def _read_limited(file: UploadFile, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := file.file.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"upload '{file.filename}' is over the {limit // 2**20} MB limit")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/upload", status_code=201)
async def upload(
    request: Request,
    file: UploadFile = File(description="CSV or Parquet file"),
    name: str | None = Form(None),
    epsilon: float = Form(1.0, description="Lifetime epsilon of the dataset"),
    delta: float = Form(1e-5, description="Lifetime delta of the dataset"),
    metadata: str | None = Form(
        None, description="JSON, optional: the public metadata, as PUT /datasets/{id}/metadata takes it"
    ),
) -> dict[str, Any]:
    rt = runtime(request)
    content = _read_limited(file, rt.settings.max_upload_bytes)  # in memory (the form parser's spool limit)
    filename = file.filename or "upload.csv"
    call(request, datasets.check_upload, filename, content, epsilon=epsilon, delta=delta)
    doc = None if metadata is None else datasets.metadata_document(_json_object(metadata, "metadata"))
    packed = await rt.offload_async(pack_upload, filename, content, doc, here=len(content) < INLINE_BYTES)
    return call(request, datasets.store_upload, filename, len(content), packed, name=name, epsilon=epsilon, delta=delta)


def _json_object(text: str, field: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"form field '{field}': not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(value, dict):
        raise Invalid(f"form field '{field}': expected a JSON object, got {type(value).__name__}")
    return value


@router.get("")
async def list_all(request: Request) -> list[dict[str, Any]]:
    return call(request, datasets.list_datasets)


@router.get("/{dataset_id}")
async def show(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.get_dataset, dataset_id)


@router.delete("/{dataset_id}")
async def delete(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.delete_dataset, dataset_id)


async def _inspect(request: Request, dataset_id: str, kind: str) -> Any:
    """Run a profile / PII detection job in the quick worker lane and answer with its result (200), or with
    the job (202) when it takes longer than ``sync_wait_seconds``; without workers, compute in the pool."""
    rt = runtime(request)
    if rt.executor is None:
        op = datasets.profile_dataset if kind == "profile" else datasets.detect_pii
        return await call_async(request, op, dataset_id)
    start = datasets.start_profile if kind == "profile" else datasets.start_pii_detection
    job = await call_async(request, start, dataset_id)
    status, error = await wait_job(rt, job["id"], rt.settings.sync_wait_seconds)
    if status in ("failed", "cancelled"):
        raise Invalid(f"{kind} of dataset {dataset_id} {status}: {error}")
    if status != "succeeded":
        path = datasets.INSPECTIONS[kind]["path"]
        return _pending(job | {"status": status}, f"/datasets/{dataset_id}/{path}")
    return await _result(request, dataset_id, kind)


def _pending(job: dict[str, Any], poll: str) -> JSONResponse:
    body = {k: job.get(k) for k in ("id", "dataset_id", "kind", "status", "progress", "created_at")}
    return JSONResponse(body | {"job_id": job.get("id"), "poll": poll}, status_code=202)


async def _result(request: Request, dataset_id: str, kind: str) -> Any:
    get = datasets.get_profile if kind == "profile" else datasets.get_pii_report
    result = await call_async(request, get, dataset_id)
    if result.get("pending"):
        return _pending(result, f"/datasets/{dataset_id}/{datasets.INSPECTIONS[kind]['path']}")
    return result


@router.post("/{dataset_id}/profile", responses={202: {"description": "still running: GET the same path later"}})
async def profile(request: Request, dataset_id: str) -> Any:
    return await _inspect(request, dataset_id, "profile")


@router.get("/{dataset_id}/profile", responses={202: {"description": "a profile job is running"}})
async def show_profile(request: Request, dataset_id: str) -> Any:
    return await _result(request, dataset_id, "profile")


@router.post("/{dataset_id}/pii-detection", responses={202: {"description": "still running: GET the same path later"}})
async def pii(request: Request, dataset_id: str) -> Any:
    return await _inspect(request, dataset_id, "pii")


@router.get("/{dataset_id}/pii-detection", responses={202: {"description": "a PII detection job is running"}})
async def show_pii(request: Request, dataset_id: str) -> Any:
    return await _result(request, dataset_id, "pii")


@router.put("/{dataset_id}/metadata")
async def metadata(
    request: Request,
    dataset_id: str,
    body: dict[str, Any] = Body(description="{columns: {name: {type, role, bounds | categories}}}: the public domains"),
) -> dict[str, Any]:
    rows, doc = call(request, datasets.metadata_input, dataset_id, body)
    stored = await runtime(request).offload_async(check_metadata, rows, doc, dataset_id)
    return call(request, datasets.store_metadata, dataset_id, stored)


@router.put("/{dataset_id}/budget")
async def set_budget(request: Request, dataset_id: str, body: BudgetRequest) -> dict[str, Any]:
    return call(request, datasets.set_budget, dataset_id, epsilon=body.epsilon, delta=body.delta)


@router.get("/{dataset_id}/ledger")
async def ledger(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.ledger, dataset_id)
