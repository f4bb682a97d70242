"""/evaluations (internal evaluations of a release) and /pipelines (any pipeline document, as a job)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from safedata_server.api.calls import call, call_async, runtime, wait_job
from safedata_server.api.schemas import EvaluationRunRequest
from safedata_server.services import evaluations, pipelines

router = APIRouter(tags=["evaluations"])

QUICK_WAIT_SECONDS = 60.0


@router.post("/evaluations/quick/{generator_id}")
async def quick(request: Request, generator_id: str) -> dict[str, Any]:
    started = await call_async(request, evaluations.start_evaluation, generator_id)
    await wait_job(runtime(request), started["id"], QUICK_WAIT_SECONDS)
    return await call_async(request, evaluations.get_evaluation, started["id"])


@router.post("/evaluations/run", status_code=202)
def run(request: Request, body: EvaluationRunRequest) -> dict[str, Any]:
    return call(request, evaluations.start_evaluation, body.generator_id, body.metrics, body.params)


@router.get("/evaluations/{evaluation_id}")
def show(request: Request, evaluation_id: str) -> dict[str, Any]:
    return call(request, evaluations.get_evaluation, evaluation_id)


@router.post("/pipelines/run", tags=["pipelines"], status_code=202)
def run_pipeline(
    request: Request,
    document: dict[str, Any] = Body(
        description="A pipeline document (docs/concepts/pipeline.md); data.source: dataset:<id> or builtin:NAME"
    ),
) -> dict[str, Any]:
    return call(request, pipelines.run_pipeline, document)


@router.get("/pipelines/{job_id}", tags=["pipelines"])
def show_pipeline(request: Request, job_id: str) -> dict[str, Any]:
    return call(request, pipelines.get_pipeline_job, job_id)
