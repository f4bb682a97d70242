"""/generators: validate a DP config, generate (a job), status, cancel, reports, downloads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from safedata_server.api.calls import call
from safedata_server.api.schemas import ComplianceRequest, GenerateRequest, ValidateConfigRequest
from safedata_server.services import generators

router = APIRouter(prefix="/generators", tags=["generators"])


@router.post("/dp/validate-config")
async def validate_config(request: Request, body: ValidateConfigRequest) -> dict[str, Any]:
    return call(request, generators.validate_config, body.model_dump(exclude_none=True))


@router.post("/dataset/{dataset_id}/generate", status_code=202)
async def generate(request: Request, dataset_id: str, body: GenerateRequest) -> dict[str, Any]:
    return call(request, generators.start_generation, dataset_id, body.model_dump(exclude_none=True))


@router.get("")
async def list_all(request: Request, dataset_id: str | None = None) -> list[dict[str, Any]]:
    return call(request, generators.list_generators, dataset_id)


@router.get("/{generator_id}")
async def show(request: Request, generator_id: str) -> dict[str, Any]:
    return call(request, generators.get_generator, generator_id)


@router.post("/{generator_id}/cancel")
async def cancel(request: Request, generator_id: str) -> dict[str, Any]:
    return call(request, generators.cancel, generator_id)


@router.get("/{generator_id}/privacy-report")
def privacy_report(request: Request, generator_id: str) -> dict[str, Any]:
    return call(request, generators.privacy_report, generator_id)


@router.post("/{generator_id}/compliance-report")
def compliance_report(request: Request, generator_id: str, body: ComplianceRequest) -> dict[str, Any]:
    return call(request, generators.compliance_report, generator_id, body.framework)


@router.post("/{generator_id}/model-card")
def model_card(request: Request, generator_id: str) -> dict[str, Any]:
    return call(request, generators.model_card, generator_id)


@router.get("/{generator_id}/audit-narrative")
def audit_narrative(request: Request, generator_id: str) -> dict[str, Any]:
    return call(request, generators.audit_narrative, generator_id)


@router.get("/{generator_id}/download")
def download(request: Request, generator_id: str) -> Response:
    body = call(request, generators.download, generator_id)
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="synthetic-{generator_id}.csv"'},
    )


@router.get("/{generator_id}/release-package")
def release_package(request: Request, generator_id: str) -> Response:
    body = call(request, generators.release_package, generator_id)
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="release-{generator_id}.zip"'},
    )


@router.get("/{generator_id}/internal-report")
def internal_report(request: Request, generator_id: str) -> dict[str, Any]:
    return call(request, generators.internal_report, generator_id)
