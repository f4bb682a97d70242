"""Service-wide reads: installed plugins, health, Prometheus metrics, audit-chain verification."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from safedata_server.auth import ADMIN, ANY_ROLE
from safedata_server.models import Dataset, Job
from safedata_server.services import audit
from safedata_server.services.context import Ctx, Runtime, authorize
from safedata_server.services.generators import ALIASES

__all__ = ["health", "list_plugins", "metrics_text", "verify_audit"]


def list_plugins(ctx: Ctx) -> dict[str, Any]:
    """Installed components (as ``safedata plugins --json``) and the generator types the API accepts."""
    authorize(ctx, ANY_ROLE, "list plugins")
    info = ctx.rt.engine.plugins_info()
    synths = sorted(c["name"] for c in info["components"] if c["kind"] == "synthesizer")
    info["generator_types"] = sorted({*(a for a, (c, _) in ALIASES.items() if c in synths), *synths})
    return info


def health(rt: Runtime) -> dict[str, Any]:
    with rt.db.session(write=False) as s:
        s.execute(text("SELECT 1"))
    return {"status": "ok", "database": "sqlite" if rt.db.is_sqlite else "postgresql"}


def metrics_text(rt: Runtime) -> str:
    """Prometheus text format: jobs by status, datasets, request and upload counters. No ids, no values."""
    with rt.db.session(write=False) as s:
        jobs = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        n_datasets = s.scalar(select(func.count()).select_from(Dataset).where(Dataset.deleted_at.is_(None)))
    lines = [
        "# HELP safedata_jobs Jobs by status.",
        "# TYPE safedata_jobs gauge",
        *(
            f'safedata_jobs{{status="{st}"}} {jobs.get(st, 0)}'
            for st in ("queued", "running", "succeeded", "failed", "cancelled")
        ),
        "# HELP safedata_datasets Live datasets.",
        "# TYPE safedata_datasets gauge",
        f"safedata_datasets {n_datasets or 0}",
    ]
    for name, value in sorted(rt.counters.items()):
        lines += [f"# TYPE safedata_{name}_total counter", f"safedata_{name}_total {value:g}"]
    return "\n".join(lines) + "\n"


def verify_audit(ctx: Ctx) -> dict[str, Any]:
    """Re-check the whole audit chain (admin)."""
    authorize(ctx, ADMIN, "verify the audit log")
    result = audit.verify_chain(ctx.session, ctx.rt.audit_key)
    return result | {"key_id": ctx.rt.audit_key.id}
