"""Evaluations of a generator's release against the real rows (internal: steward only, not DP, not charged).

``quick`` runs a default set of utility metrics; ``run`` takes the metrics (and
their params) to run. Both are jobs in a worker; ``quick`` waits a little for
the result so a small evaluation answers in one call.
"""

from __future__ import annotations

import json
import time
from typing import Any

from safedata_server import records
from safedata_server.auth import STEWARD
from safedata_server.models import Job
from safedata_server.records import JobRecord
from safedata_server.services import audit
from safedata_server.services.context import Conflict, Ctx, Invalid, authorize
from safedata_server.services.generators import job_row, job_view, submit

__all__ = ["QUICK_METRICS", "evaluation_result", "get_evaluation", "start_evaluation"]

QUICK_METRICS = ("tv_complement", "ks_complement", "correlation_difference")


def start_evaluation(
    ctx: Ctx, generator_id: str, metrics: list[str] | None = None, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Queue an evaluation job of ``generator_id``'s release with ``metrics`` (default: the quick set)."""
    who = authorize(ctx, STEWARD, "evaluate a release")
    gen = job_row(ctx, generator_id)
    if gen.status != "succeeded" or gen.release_object_id is None:
        raise Conflict(f"generator {gen.id} has no release to evaluate (it is {gen.status})")
    names = list(metrics or QUICK_METRICS)
    registry = ctx.rt.engine.registry
    installed = {i.name for i in registry if i.kind == "metric"}
    unknown = [m for m in names if m not in installed]
    if unknown:
        raise Invalid(f"unknown metric(s): {', '.join(unknown)} (installed: {', '.join(sorted(installed))})")
    ctx.begin_write()
    job = records.insert_job(
        ctx.session,
        project_id=who.project_id,
        dataset_id=gen.dataset_id,
        kind="evaluation",
        component=",".join(names),
        request={"generator_id": gen.id, "metrics": names, "params": params or {}},
        created_by=who.key_id,
    )
    audit.record(ctx, "evaluation_started", obj=job.id, generator_id=gen.id, dataset_id=gen.dataset_id)
    submit(ctx, job)
    return job_view(job) | {"evaluation_id": job.id}


def evaluation_result(ctx: Ctx, job: JobRecord) -> dict[str, Any]:
    view = job_view(job) | {"evaluation_id": job.id, "generator_id": job.request.get("generator_id")}
    if job.status == "succeeded" and job.internal_report_object_id:
        view["results"] = json.loads(ctx.rt.store.get(ctx.session, job.internal_report_object_id))["metrics"]
    return view


def get_evaluation(ctx: Ctx, evaluation_id: str) -> dict[str, Any]:
    authorize(ctx, STEWARD, "read an evaluation")
    job = job_row(ctx, evaluation_id, "evaluation")
    audit.record(ctx, "evaluation_read", obj=job.id)
    return evaluation_result(ctx, job)


def wait_for(rt: Any, job_id: str, timeout: float) -> None:
    """Poll the job row until it ends or ``timeout`` seconds pass (used outside any transaction)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rt.db.session(write=False) as s:
            job = s.get(Job, job_id)
            if job is None or job.status in ("succeeded", "failed", "cancelled"):
                return
        time.sleep(0.2)
