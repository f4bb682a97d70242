"""/datasets: upload, list, show, delete (crypto-erase), profile, PII detection, metadata, budget, ledger."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, File, Form, Request, UploadFile

from safedata_server.api.calls import call, runtime
from safedata_server.api.schemas import BudgetRequest
from safedata_server.services import datasets
from safedata_server.services.context import TooLarge

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
def upload(
    request: Request,
    file: UploadFile = File(description="CSV or Parquet file"),
    name: str | None = Form(None),
    epsilon: float = Form(1.0, description="Lifetime epsilon of the dataset"),
    delta: float = Form(1e-5, description="Lifetime delta of the dataset"),
) -> dict[str, Any]:
    content = _read_limited(file, runtime(request).settings.max_upload_bytes)
    return call(
        request,
        datasets.upload_dataset,
        file.filename or "upload.csv",
        content,
        name=name,
        epsilon=epsilon,
        delta=delta,
    )


@router.get("")
def list_all(request: Request) -> list[dict[str, Any]]:
    return call(request, datasets.list_datasets)


@router.get("/{dataset_id}")
def show(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.get_dataset, dataset_id)


@router.delete("/{dataset_id}")
def delete(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.delete_dataset, dataset_id)


@router.post("/{dataset_id}/profile")
def profile(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.profile_dataset, dataset_id)


@router.post("/{dataset_id}/pii-detection")
def pii(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.detect_pii, dataset_id)


@router.put("/{dataset_id}/metadata")
def metadata(
    request: Request,
    dataset_id: str,
    body: dict[str, Any] = Body(description="{columns: {name: {type, role, bounds | categories}}}: the public domains"),
) -> dict[str, Any]:
    return call(request, datasets.set_metadata, dataset_id, body)


@router.put("/{dataset_id}/budget")
def set_budget(request: Request, dataset_id: str, body: BudgetRequest) -> dict[str, Any]:
    return call(request, datasets.set_budget, dataset_id, epsilon=body.epsilon, delta=body.delta)


@router.get("/{dataset_id}/ledger")
def ledger(request: Request, dataset_id: str) -> dict[str, Any]:
    return call(request, datasets.ledger, dataset_id)
