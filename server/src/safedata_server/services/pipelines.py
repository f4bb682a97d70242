"""Run any pipeline document as a job: its data is one of the project's datasets
(``data.source: dataset:<id>``) or a built-in public dataset (``builtin:NAME``).

A pipeline on a dataset with a ``privacy`` block reserves that (epsilon, delta)
from the dataset's lifetime budget before it is queued. Server paths are never
read: a pipeline names data only by dataset id or ``builtin:``.
"""

from __future__ import annotations

from typing import Any

from safedata_core import PipelineValidationError
from safedata_server import records
from safedata_server.auth import STEWARD
from safedata_server.services import audit, budget, datasets
from safedata_server.services.context import Ctx, Invalid, authorize
from safedata_server.services.generators import job_row, job_view, submit

__all__ = ["get_pipeline_job", "run_pipeline"]


def run_pipeline(ctx: Ctx, document: dict[str, Any]) -> dict[str, Any]:
    """Validate ``document`` with the engine, reserve its budget, queue it; returns the job at once."""
    who = authorize(ctx, STEWARD, "run a pipeline")
    source = str((document.get("data") or {}).get("source") or "")
    if (document.get("data") or {}).get("metadata"):
        raise Invalid("data.metadata: declare metadata on the dataset (PUT /datasets/{id}/metadata), not a path")
    ds = None
    if source.startswith("dataset:"):
        datasets.get_row(ctx, source.split(":", 1)[1])
    elif not source.startswith("builtin:"):
        raise Invalid("data.source must be 'dataset:<id>' (one of this project's datasets) or 'builtin:NAME'")
    try:
        ctx.rt.engine.validate(document)
    except PipelineValidationError as exc:
        raise Invalid(str(exc).splitlines()[0]) from None
    ctx.begin_write()
    if source.startswith("dataset:"):
        ds = datasets.lock(ctx, source.split(":", 1)[1])
    privacy = document.get("privacy") or None
    eps = float(privacy["epsilon"]) if privacy else None
    delta = float(privacy.get("delta", 1e-6)) if privacy else None
    job = records.insert_job(
        ctx.session,
        project_id=who.project_id,
        dataset_id=ds.id if ds else None,
        kind="pipeline",
        component=",".join(str(s.get("use")) for s in document.get("steps", [])),
        request={"name": document.get("name")},
        pipeline=document,
        epsilon=eps,
        delta=delta,
        created_by=who.key_id,
    )
    if ds is not None and eps is not None and delta is not None:
        budget.reserve(
            ctx, ds, epsilon=eps, delta=delta, purpose="pipeline", component=job.component or "", job_id=job.id
        )
    audit.record(ctx, "pipeline_started", obj=job.id, dataset_id=ds.id if ds else None, epsilon=eps)
    submit(ctx, job)
    return job_view(job) | {"job_id": job.id}


def get_pipeline_job(ctx: Ctx, job_id: str) -> dict[str, Any]:
    authorize(ctx, STEWARD, "show a pipeline job")
    job = job_row(ctx, job_id, "pipeline")
    audit.record(ctx, "pipeline_read", obj=job.id)
    return job_view(job)
