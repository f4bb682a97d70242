"""Generators: validate a DP configuration, start a generation job, follow it, cancel it, and read what it
released (CSV, DP release package, privacy report, compliance report, model card, audit narrative).

``generator_type`` takes the tutorial's names (``dp-ctgan``, ``dp-tvae``, ``ctgan``,
``tvae``, ``dp-gaussian-copula``, ``gaussian-copula``, ...) and the name of every installed
synthesizer. A DP generation reserves its (epsilon, delta) from the dataset's
lifetime budget *before* the job is queued; the job itself runs in a worker.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import select

from safedata_core import UnknownComponentError
from safedata_server import records
from safedata_server.auth import ANY_ROLE, STEWARD
from safedata_server.models import QUICK_JOB_KINDS, Job, now
from safedata_server.records import DatasetRecord, JobRecord
from safedata_server.services import audit, budget, datasets
from safedata_server.services.context import Conflict, Ctx, Invalid, NotFound, authorize

__all__ = [
    "ALIASES",
    "audit_narrative",
    "cancel",
    "compliance_report",
    "default_delta",
    "download",
    "get_generator",
    "internal_report",
    "job_row",
    "list_generators",
    "model_card",
    "privacy_level",
    "privacy_report",
    "release_package",
    "resolve_generator",
    "start_generation",
    "submit",
    "validate_config",
]

# tutorial name -> (component, dp)
ALIASES: dict[str, tuple[str, bool]] = {
    "dp-ctgan": ("ctgan", True),
    "dp-tvae": ("tvae", True),
    "ctgan": ("ctgan", False),
    "tvae": ("tvae", False),
    "dp-gaussian-copula": ("gaussian_copula", True),
    "gaussian-copula": ("gaussian_copula", False),
    "dp-bayes-net": ("bayes_net", True),
    "dp-mst": ("mst", True),
    "dp-aim": ("aim", True),
}
# request field -> component param
PARAM_FIELDS = {"epochs": "epochs", "batch_size": "batch_size", "max_grad_norm": "clip_norm"}
LEVELS = ((1.0, "very_strong"), (5.0, "strong"), (10.0, "moderate"), (20.0, "weak"))
FRAMEWORKS = ("HIPAA", "GDPR", "CCPA")


def privacy_level(epsilon: float | None) -> str:
    """The tutorial's privacy level for an epsilon (``none`` without DP)."""
    if epsilon is None or not math.isfinite(epsilon):
        return "none"
    return next((name for bound, name in LEVELS if epsilon < bound), "minimal")


def default_delta(budget_delta: float, remaining_delta: float) -> float:
    """The delta of a DP generation that names none: data-independent, never a function of the row count.

    The core's default total delta (``PrivacySpec.delta``, 1e-6), capped by what the steward set and the
    ledger shows (both public): a tenth of the lifetime delta budget, and what is left of it. A delta
    derived from the rows (``1/n``) would publish the private row count in the report and the ledger.
    """
    from safedata_core.schema.pipeline import PrivacySpec

    if budget_delta <= 0:
        return 0.0
    core_default = float(PrivacySpec.model_fields["delta"].default)
    return max(0.0, min(core_default, budget_delta / 10, remaining_delta))


def resolve_generator(ctx: Ctx, generator_type: str) -> tuple[str, bool]:
    """(component name, DP on?) for a tutorial name or an installed synthesizer's name."""
    if generator_type in ALIASES:
        component, dp = ALIASES[generator_type]
    else:
        component, dp = generator_type.replace("-", "_"), True
    try:
        info = ctx.rt.engine.registry.get(component)
    except (UnknownComponentError, KeyError):
        names = sorted({*ALIASES, *(i.name for i in ctx.rt.engine.registry if i.kind == "synthesizer")})
        raise Invalid(f"generator_type '{generator_type}' is unknown (installed: {', '.join(names)})") from None
    if info.kind != "synthesizer":
        raise Invalid(f"generator_type '{generator_type}' is a {info.kind}, not a synthesizer")
    if info.cls.privacy != "dp":
        dp = False
    return component, dp


def _params(ctx: Ctx, component: str, dp: bool, body: dict[str, Any]) -> dict[str, Any]:
    fields = ctx.rt.engine.registry.get(component).cls.Params.model_fields
    params: dict[str, Any] = {}
    if "dp" in fields:
        params["dp"] = dp
    for field, name in PARAM_FIELDS.items():
        if body.get(field) is not None and name in fields:
            params[name] = body[field]
    params.update(body.get("params") or {})
    return params


SDC_STEP = "sdc"
SDC_NOTE = (
    "SDC post-processing of the synthesizer's output: it reads only the synthetic table, so the synthesizer's "
    "(epsilon, delta) guarantee carries over to it (post-processing); the package's report labels every SDC "
    "table by its method ('not DP: statistical disclosure control'), which under-states this one"
)


def _sdc_step(ctx: Ctx, sdc: Any) -> dict[str, Any]:
    """The pipeline step of ``body["sdc"]`` (``{use, params}``), applied to the synthesizer's output."""
    if not isinstance(sdc, dict) or not isinstance(sdc.get("use"), str) or set(sdc) - {"use", "params"}:
        raise Invalid('sdc must be {"use": <an installed SDC method>, "params": {...}} and nothing else')
    installed = sorted(i.name for i in ctx.rt.engine.registry if i.kind == "sdc")
    if sdc["use"] not in installed:
        raise Invalid(f"sdc.use '{sdc['use']}' is not an installed SDC method (installed: {', '.join(installed)})")
    params = sdc.get("params") or {}
    if not isinstance(params, dict):
        raise Invalid("sdc.params must be an object of the method's parameters (see 'safedata plugins')")
    fields = ctx.rt.engine.registry.get(sdc["use"]).cls.Params.model_fields
    for name in params:
        extra = fields[name].json_schema_extra if name in fields else None
        if isinstance(extra, dict) and extra.get("x-safedata-path"):
            raise Invalid(f"sdc.params.{name}: file paths on the server are not accepted by the service")
    return {"id": SDC_STEP, "use": sdc["use"], "input": "synth", "params": dict(params)}


def _plan(ctx: Ctx, ds: DatasetRecord, body: dict[str, Any]) -> dict[str, Any]:
    """Everything a generation needs, checked: component, DP, budget, pipeline; ``errors``/``warnings``."""
    generator_type = str(body.get("generator_type") or "")
    errors: list[str] = []
    warnings: list[str] = []
    component, dp = resolve_generator(ctx, generator_type)
    n = ds.n_rows
    epsilon = body.get("target_epsilon", body.get("epsilon"))
    delta = body.get("target_delta", body.get("delta"))
    if dp:
        if epsilon is None:
            errors.append("target_epsilon is required for a DP generator")
            epsilon = 1.0
        epsilon = float(epsilon)
        if not (epsilon > 0 and math.isfinite(epsilon)):
            errors.append("target_epsilon must be a finite number > 0")
        remaining = budget.remaining(ctx, ds)
        if delta is None:
            delta = default_delta(ds.budget_delta, remaining["delta"])
        delta = float(delta)
        if not 0 <= delta < 1:
            errors.append("target_delta must be in [0, 1)")
        if delta > 1.0 / max(n, 1):  # steward-only feedback (validate_config); never stored with the job
            warnings.append("target_delta is above 1/rows: the guarantee is weak for a dataset this size")
        meta = datasets.load_metadata(ctx, ds)
        declared = set((meta or {}).get("columns", {}))
        frame_cols = _columns(ctx, ds)
        missing = [c for c in frame_cols if c not in declared]
        if missing:
            errors.append(
                f"columns without declared public metadata: {', '.join(missing[:8])}"
                f"{' ...' if len(missing) > 8 else ''} (PUT /datasets/{ds.id}/metadata with their type and "
                "bounds or categories; DP may not learn domains from the data)"
            )
        if epsilon > remaining["epsilon"] + 1e-12 or delta > remaining["delta"] + 1e-15:
            errors.append(
                f"the dataset has epsilon={remaining['epsilon']:g}, delta={remaining['delta']:g} left of its "
                f"lifetime budget; this asks epsilon={epsilon:g}, delta={delta:g}"
            )
    else:
        epsilon, delta = None, None
        warnings.append(f"'{generator_type}' runs without differential privacy: its output has no formal guarantee")
    batch = body.get("batch_size")
    if batch is not None and n and batch / n > 0.1:
        warnings.append(f"sampling rate batch_size/rows = {batch / n:.2f} is above 0.1; DP-SGD spends more per step")
    params = _params(ctx, component, dp, body)
    rows = body.get("num_rows")
    step: dict[str, Any] = {"id": "synth", "use": component, "params": params}
    if rows is not None:
        step["rows"] = int(rows)
    steps = [step]
    if body.get("sdc") is not None:  # post-processing of the synthetic table only: never of the real records
        steps.append(_sdc_step(ctx, body["sdc"]))
    pipeline: dict[str, Any] = {
        "version": 1,
        "name": f"generate-{component}",
        "data": {"source": f"dataset:{ds.id}"},
        "steps": steps,
        "report": {"formats": ["json"]},
    }
    if dp:
        pipeline["privacy"] = {"epsilon": epsilon, "delta": delta, "accountant": ds.accountant}
        step["privacy"] = {"epsilon": epsilon, "delta": delta}
    if body.get("seed") is not None:
        pipeline["seed"] = int(body["seed"])
    if not errors:
        try:
            ctx.rt.engine.validate(pipeline)
        except Exception as exc:  # PipelineValidationError: a parameter the component refuses
            errors.append(str(exc).splitlines()[0])
    recommended = {
        "generator_type": generator_type,
        "target_epsilon": epsilon,
        "target_delta": delta,
        "epochs": body.get("epochs"),
        "batch_size": min(int(batch), max(1, n // 10)) if batch else None,
    }
    return {
        "component": component,
        "dp": dp,
        "epsilon": epsilon,
        "delta": delta,
        "pipeline": pipeline,
        "release_step": steps[-1]["id"],
        "errors": errors,
        "warnings": warnings,
        "recommended": recommended,
    }


def _columns(ctx: Ctx, ds: DatasetRecord) -> list[str]:
    return list(ds.columns) if ds.columns else list(datasets.load_frame(ctx, ds).columns)


def validate_config(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    """Check a generation request without running or charging anything.

    ``recommended_config`` is the best stored ``safedata tune`` result for this dataset's schema
    at an epsilon within the request's, when one exists (``services.recommendations``).
    """
    authorize(ctx, STEWARD, "validate a generator configuration")
    dataset_id = str(body.get("dataset_id") or "")
    ds = datasets.get_row(ctx, dataset_id)
    try:
        plan = _plan(ctx, ds, body)
    except Invalid as exc:
        return {
            "is_valid": False,
            "errors": [str(exc)],
            "warnings": [],
            "recommended_config": None,
            "expected_privacy_level": None,
        }
    audit.record(ctx, "config_validated", obj=ds.id, valid=not plan["errors"])
    recommended = plan["recommended"]
    eps = plan["epsilon"]
    if plan["dp"] and isinstance(eps, float) and math.isfinite(eps) and eps > 0:
        from safedata_server.services.recommendations import tuned_recommendation

        recommended = tuned_recommendation(ctx, ds, eps, plan["delta"]) or recommended
    return {
        "is_valid": not plan["errors"],
        "errors": plan["errors"],
        "warnings": plan["warnings"],
        "recommended_config": recommended,
        "expected_privacy_level": privacy_level(plan["epsilon"] if plan["dp"] else None),
        "component": plan["component"],
        "dp": plan["dp"],
        "target_delta": plan["delta"],
        "sdc": _sdc_view(plan["pipeline"], plan["dp"]),
    }


def _sdc_view(pipeline: dict[str, Any] | None, dp: bool) -> dict[str, Any] | None:
    """What the SDC post-processing step is, and whether the release keeps its DP guarantee."""
    step = next((s for s in (pipeline or {}).get("steps", []) if s.get("id") == SDC_STEP), None)
    if step is None:
        return None
    return {
        "use": step["use"],
        "params": step.get("params") or {},
        "applied_to": step.get("input", "synth"),
        "dp_preserved": dp,
        "note": SDC_NOTE if dp else "SDC of a non-DP synthesizer's output: no formal guarantee",
    }


def job_row(ctx: Ctx, job_id: str, kind: str | None = "generate") -> JobRecord:
    """The caller's job, else :class:`NotFound` (another project's id is not found either)."""
    job = records.job(ctx.session, job_id)
    if job is None or job.project_id != ctx.who.project_id or (kind is not None and job.kind != kind):
        raise NotFound(f"{'generator' if kind == 'generate' else 'job'} {job_id} not found")
    return job


def job_view(job: JobRecord | Job, role: str = "steward") -> dict[str, Any]:
    return {
        "id": job.id,
        "generator_id": job.id,
        "dataset_id": job.dataset_id,
        "kind": job.kind,
        "generator_type": job.generator_type,
        "component": job.component,
        "status": job.status,
        "progress": job.progress,
        "target_epsilon": job.epsilon,
        "target_delta": job.delta,
        "epsilon_spent": job.epsilon_spent,
        "delta_spent": job.delta_spent,
        "privacy_level": privacy_level(job.epsilon) if job.kind == "generate" else None,
        "num_rows": job.request.get("num_rows"),
        "error": job.error,
        "has_release": job.release_object_id is not None,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "summary": {k: v for k, v in (job.summary or {}).items() if k != "objects"},
        "sdc": _sdc_view(job.pipeline, job.epsilon is not None) if job.kind == "generate" else None,
    }


def submit(ctx: Ctx, job: JobRecord | Job) -> None:
    """Hand a committed job to the executor (after the request's transaction commits); short jobs (profile,
    PII detection, evaluations) go to the quick lane."""
    ctx.extra.setdefault("submit", []).append(job.id)
    if job.kind in QUICK_JOB_KINDS:
        ctx.extra.setdefault("quick", set()).add(job.id)


def start_generation(ctx: Ctx, dataset_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Check, reserve the budget (409 when it would overspend), queue the job; returns its id at once."""
    who = authorize(ctx, STEWARD, "generate synthetic data")
    plan = _plan(ctx, datasets.get_row(ctx, dataset_id), body)  # read phase: checks, no lock
    ds = datasets.lock(ctx, dataset_id)  # write phase: the budget is decided under the row lock
    if plan["errors"]:
        budget_errors = [e for e in plan["errors"] if "lifetime budget" in e]
        if budget_errors and len(budget_errors) == len(plan["errors"]):
            pass  # let reserve() raise the 409 with the exact figures
        else:
            raise Invalid("; ".join(plan["errors"]))
    job = records.insert_job(
        ctx.session,
        project_id=who.project_id,
        dataset_id=ds.id,
        kind="generate",
        generator_type=str(body.get("generator_type")),
        component=plan["component"],
        request={k: v for k, v in body.items() if k != "dataset_id"} | {"release_step": plan["release_step"]},
        pipeline=plan["pipeline"],
        epsilon=plan["epsilon"],
        delta=plan["delta"],
        created_by=who.key_id,
    )
    if plan["dp"]:
        budget.reserve(
            ctx,
            ds,
            epsilon=plan["epsilon"],
            delta=plan["delta"],
            purpose="generate",
            component=plan["component"],
            job_id=job.id,
        )
    audit.record(
        ctx, "generation_started", obj=job.id, dataset_id=ds.id, epsilon=plan["epsilon"], component=plan["component"]
    )
    ctx.rt.count("jobs_submitted")
    submit(ctx, job)
    return job_view(job, who.role) | {"message": "queued"}


def list_generators(ctx: Ctx, dataset_id: str | None = None) -> list[dict[str, Any]]:
    who = authorize(ctx, ANY_ROLE, "list generators")
    q = select(Job).where(Job.project_id == who.project_id, Job.kind == "generate").order_by(Job.created_at)
    if dataset_id:
        q = q.where(Job.dataset_id == dataset_id)
    rows = ctx.session.scalars(q).all()  # job states only: not audited
    return [job_view(j, who.role) for j in rows]


def get_generator(ctx: Ctx, generator_id: str) -> dict[str, Any]:
    who = authorize(ctx, ANY_ROLE, "show a generator")
    job = job_row(ctx, generator_id)  # a job's state, not data: not audited (polled often)
    return job_view(job, who.role)


def cancel(ctx: Ctx, generator_id: str, kind: str | None = "generate") -> dict[str, Any]:
    """Cancel a queued job at once, a running one between steps; its budget stays charged."""
    who = authorize(ctx, STEWARD, "cancel a job")
    ctx.begin_write()
    job = job_row(ctx, generator_id, kind)
    if job.status in ("succeeded", "failed", "cancelled"):
        raise Conflict(f"job {job.id} already ended ({job.status})")
    change: dict[str, Any] = {"cancel_requested": True}
    if job.status == "queued":
        change |= {"status": "cancelled", "finished_at": now(), "error": "cancelled before it started"}
    records.update_job(ctx.session, job.id, **change)
    audit.record(ctx, "job_cancel_requested", obj=job.id)
    return job_view(job_row(ctx, generator_id, kind), who.role)


def _released(ctx: Ctx, generator_id: str, what: str) -> JobRecord:
    job = job_row(ctx, generator_id)
    if job.status != "succeeded":
        raise Conflict(f"generator {job.id} has no {what}: it is {job.status}")
    return job


def _json_object(ctx: Ctx, object_id: str | None) -> dict[str, Any]:
    if object_id is None:
        return {}
    data: dict[str, Any] = json.loads(ctx.rt.store.get(ctx.session, object_id))
    return data


def download(ctx: Ctx, generator_id: str) -> bytes:
    """The released CSV (DP output: every role)."""
    authorize(ctx, ANY_ROLE, "download a release")
    job = _released(ctx, generator_id, "release")
    if job.release_object_id is None:
        raise NotFound(f"generator {job.id} released no table")
    audit.record(ctx, "release_downloaded", obj=job.id, dataset_id=job.dataset_id)
    return ctx.rt.store.get(ctx.session, job.release_object_id)


def release_package(ctx: Ctx, generator_id: str) -> bytes:
    """The DP release package (zip of ``release/``: tables, DP-only report, ledger, model card, lock file)."""
    authorize(ctx, ANY_ROLE, "download a release package")
    job = _released(ctx, generator_id, "release package")
    oid = (job.summary or {}).get("objects", {}).get("package")
    if oid is None:
        raise NotFound(f"generator {job.id} has no release package")
    audit.record(ctx, "release_package_downloaded", obj=job.id, dataset_id=job.dataset_id)
    return ctx.rt.store.get(ctx.session, oid)


def privacy_report(ctx: Ctx, generator_id: str) -> dict[str, Any]:
    """The DP-only view of the run report plus the ledger (publishable)."""
    authorize(ctx, ANY_ROLE, "read a privacy report")
    job = _released(ctx, generator_id, "privacy report")
    report = _json_object(ctx, job.release_report_object_id)
    audit.record(ctx, "privacy_report_read", obj=job.id)
    return {
        "generator_id": job.id,
        "generator_type": job.generator_type,
        "dp_enabled": job.epsilon is not None,
        "target_epsilon": job.epsilon,
        "target_delta": job.delta,
        "epsilon_spent": job.epsilon_spent,
        "delta_spent": job.delta_spent,
        "privacy_level": privacy_level(job.epsilon),
        "accountant": (job.ledger or {}).get("accountant"),
        "ledger": job.ledger,
        "verdict": (job.summary or {}).get("verdict"),
        "sdc": _sdc_view(job.pipeline, job.epsilon is not None),
        "report": report,
    }


_FRAMEWORK_TEXT = {
    "HIPAA": ("Expert Determination (45 CFR 164.514(b)(1))", 1.0),
    "GDPR": ("anonymisation under Recital 26 (risk of re-identification)", 5.0),
    "CCPA": ("deidentified information (Cal. Civ. Code 1798.140(m))", 10.0),
}


def compliance_report(ctx: Ctx, generator_id: str, framework: str) -> dict[str, Any]:
    """How the release's formal guarantee reads against HIPAA, GDPR or CCPA (an aid, not legal advice)."""
    authorize(ctx, ANY_ROLE, "build a compliance report")
    fw = framework.upper()
    if fw not in FRAMEWORKS:
        raise Invalid(f"framework '{framework}' is unknown (use one of: {', '.join(FRAMEWORKS)})")
    job = _released(ctx, generator_id, "compliance report")
    basis, threshold = _FRAMEWORK_TEXT[fw]
    eps = job.epsilon_spent if job.epsilon is not None else None
    checks = [
        {
            "check": "differential privacy",
            "passed": eps is not None,
            "detail": f"(epsilon={eps:g}, delta={job.delta_spent or 0:g})-DP" if eps is not None else "no DP guarantee",
        },
        {
            "check": f"epsilon at most {threshold:g}",
            "passed": eps is not None and eps <= threshold,
            "detail": f"spent epsilon {eps:g}" if eps is not None else "not DP",
        },
        {
            "check": "direct identifiers dropped",
            "passed": True,
            "detail": "the engine drops declared or detected direct identifiers before synthesis",
        },
        {
            "check": "release verdict",
            "passed": (job.summary or {}).get("verdict") == "pass",
            "detail": f"report verdict: {(job.summary or {}).get('verdict')}",
        },
        {"check": "audit trail", "passed": True, "detail": "every request is in the keyed hash-chained audit log"},
    ]
    compliant = all(c["passed"] for c in checks)
    audit.record(ctx, "compliance_report", obj=job.id, framework=fw)
    return {
        "generator_id": job.id,
        "framework": fw,
        "basis": basis,
        "compliant": compliant,
        "compliance_level": "meets" if compliant else "review_required",
        "privacy_level": privacy_level(job.epsilon),
        "checks": checks,
        "note": "an aid for the data protection officer, not legal advice",
    }


def model_card(ctx: Ctx, generator_id: str) -> dict[str, Any]:
    """The release's model card (markdown from the release package) and its key facts."""
    authorize(ctx, ANY_ROLE, "read a model card")
    job = _released(ctx, generator_id, "model card")
    oid = (job.summary or {}).get("objects", {}).get("model_card")
    text = ctx.rt.store.get(ctx.session, oid).decode() if oid else ""
    audit.record(ctx, "model_card_read", obj=job.id)
    return {
        "generator_id": job.id,
        "generator_type": job.generator_type,
        "component": job.component,
        "privacy": {"epsilon": job.epsilon_spent, "delta": job.delta_spent, "level": privacy_level(job.epsilon)},
        "markdown": text,
    }


def audit_narrative(ctx: Ctx, generator_id: str) -> dict[str, Any]:
    """A plain-language account of the generator's life from the service log and the run's own audit log."""
    authorize(ctx, STEWARD, "read an audit narrative")
    job = job_row(ctx, generator_id)
    from safedata_server.models import AuditEvent

    rows = ctx.session.scalars(
        select(AuditEvent).where(AuditEvent.project_id == job.project_id).order_by(AuditEvent.seq)
    ).all()
    events = [r.event for r in rows if r.event.get("object") == job.id or r.event.get("dataset_id") == job.id]
    lines = [
        f"{e['ts']}: {e['event'].replace('_', ' ')} by key {e.get('actor') or 'the server'}"
        f" ({e.get('role') or 'system'})" + (f", epsilon {e['epsilon']:g}" if e.get("epsilon") is not None else "")
        for e in events
    ]
    oid = (job.summary or {}).get("objects", {}).get("run_audit")
    run_events = []
    if oid:
        for line in ctx.rt.store.get(ctx.session, oid).decode().splitlines():
            ev = json.loads(line)
            run_events.append({k: ev.get(k) for k in ("seq", "event", "step", "use", "spent", "ts") if k in ev})
    for ev in run_events:
        if ev.get("event") in ("step_start", "step_end", "run_end", "run_aborted"):
            step = f" step '{ev['step']}' ({ev.get('use')})" if ev.get("step") else ""
            lines.append(f"{ev.get('ts')}: run {ev['event'].replace('_', ' ')}{step}")
    audit.record(ctx, "audit_narrative_read", obj=job.id)
    return {
        "generator_id": job.id,
        "narrative": "\n".join(lines),
        "events": events,
        "run_events": run_events,
        "status": job.status,
    }


def internal_report(ctx: Ctx, generator_id: str) -> dict[str, Any]:
    """The run's full internal report (evaluations on real records; steward only, not for publication)."""
    authorize(ctx, STEWARD, "read an internal report")
    job = _released(ctx, generator_id, "internal report")
    audit.record(ctx, "internal_report_read", obj=job.id)
    return _json_object(ctx, job.internal_report_object_id)
