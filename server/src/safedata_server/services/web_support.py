"""Service operations the web pages need beyond the API's: the stored profile and its job's state, profiling
through the worker lane, the synthesizers and SDC methods on offer.

Same rules as every service operation (role checked here, the caller's project
only, reads of stored data audited).
"""

from __future__ import annotations

import json
from typing import Any

from safedata_server.auth import ANY_ROLE, STEWARD
from safedata_server.services import audit, datasets
from safedata_server.services.context import Ctx, authorize
from safedata_server.services.generators import ALIASES

__all__ = ["profile_status", "sdc_methods", "start_profile", "stored_profile", "synthesizers"]


def stored_profile(ctx: Ctx, dataset_id: str) -> dict[str, Any] | None:
    """The dataset's last profile (``profile_dataset``'s result), or ``None`` when it was never profiled."""
    authorize(ctx, STEWARD, "read a dataset's profile")
    ds = datasets.get_row(ctx, dataset_id)
    if ds.profile_object_id is None:
        return None
    data: dict[str, Any] = json.loads(ctx.rt.store.get(ctx.session, ds.profile_object_id))
    audit.record(ctx, "profile_read", obj=ds.id)
    return data


def start_profile(ctx: Ctx, dataset_id: str) -> dict[str, Any] | None:
    """Profile the dataset in the quick worker lane (the job, queued); without workers, in this thread (``None``).

    Never both: the API's ``POST /datasets/{id}/profile`` makes the same choice.
    """
    if ctx.rt.executor is None:
        datasets.profile_dataset(ctx, dataset_id)
        return None
    return datasets.start_profile(ctx, dataset_id)


def profile_status(ctx: Ctx, dataset_id: str) -> dict[str, Any]:
    """The state of the dataset's latest profile job (``status``: ``none`` when there was none), and whether a
    stored profile exists; a job state, not data: not audited (polled by the dataset page)."""
    from sqlalchemy import select

    from safedata_server.models import Job

    authorize(ctx, STEWARD, "follow a dataset's profile")
    ds = datasets.get_row(ctx, dataset_id)
    last = ctx.session.scalars(
        select(Job).where(Job.dataset_id == ds.id, Job.kind == "profile").order_by(Job.created_at.desc())
    ).first()
    return {
        "dataset_id": ds.id,
        "job_id": last.id if last is not None else None,
        "status": last.status if last is not None else "none",
        "error": last.error if last is not None else None,
        "has_profile": ds.profile_object_id is not None,
    }


def synthesizers(ctx: Ctx) -> list[dict[str, Any]]:
    """Installed synthesizers: name, one-line summary, DP or not, tutorial aliases, and their parameters."""
    authorize(ctx, ANY_ROLE, "list synthesizers")
    out = []
    for info in sorted(ctx.rt.engine.registry, key=lambda i: i.name):
        if info.kind != "synthesizer":
            continue
        cls = info.cls
        params = []
        for name, field in cls.Params.model_fields.items():
            if name == "dp":
                continue
            default = field.default if field.default is not None and not callable(field.default) else None
            params.append(
                {
                    "name": name,
                    "description": (field.description or "").splitlines()[0] if field.description else "",
                    "default": default if isinstance(default, (int, float, str, bool)) else None,
                    "type": type(default).__name__ if isinstance(default, (int, float, str, bool)) else "text",
                }
            )
        out.append(
            {
                "name": info.name,
                "summary": cls.summary(),
                "dp": info.privacy == "dp",
                "aliases": sorted(a for a, (c, _dp) in ALIASES.items() if c == info.name),
                "params": params,
            }
        )
    return out


def sdc_methods(ctx: Ctx) -> list[dict[str, Any]]:
    """Installed SDC methods (name and one-line summary): the release form's optional post-processing."""
    authorize(ctx, STEWARD, "list SDC methods")
    return [
        {"name": i.name, "summary": i.cls.summary()}
        for i in sorted(ctx.rt.engine.registry, key=lambda i: i.name)
        if i.kind == "sdc"
    ]
