"""What runs inside a worker process: one job, from ``queued`` to a final state.

A job is claimed (``queued`` -> ``running``) in a transaction, its inputs are
decrypted in memory, the core's :class:`~safedata_core.Engine` runs the job's
pipeline into a scratch run directory (the core publishes it all at once), and
only then are the release, reports and ledger encrypted into the object store
and the job marked ``succeeded`` -- in one transaction, so a job killed at any
moment has released nothing. The scratch directory is removed in every case
(and on server start, for jobs killed with their process).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import traceback
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safedata_core import SafedataError
from safedata_core.hookspecs import hookimpl

__all__ = ["JobCancelled", "WorkerConfig", "init_worker", "run_job", "run_job_with"]


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs (picklable): database URL, folders, the master and audit keys."""

    database_url: str
    objects_dir: str
    work_dir: str
    master_key: str = field(repr=False)
    audit_key: str = field(repr=False)
    audit_key_source: str = ""
    nice: int = 0  # added to the worker's CPU niceness: jobs yield the CPU to the request handlers


class JobCancelled(SafedataError):
    """The job was cancelled while it ran."""


_STATE: dict[str, Any] = {}


def init_worker(config: WorkerConfig) -> None:
    """Process initializer: open the database and the store; the engine is built on first use."""
    from safedata_core.audit import AuditKey
    from safedata_server.crypto import MasterKey
    from safedata_server.db import Database
    from safedata_server.logs import configure_logging
    from safedata_server.storage import ObjectStore

    configure_logging()
    import multiprocessing

    if config.nice > 0 and multiprocessing.parent_process() is not None:  # a pool's child, not the caller
        try:
            os.nice(config.nice)
        except OSError:  # not permitted here: run at the server's priority
            pass
    _watch_parent()
    _STATE.clear()
    _STATE["config"] = config
    _STATE["db"] = Database(config.database_url)
    _STATE["store"] = ObjectStore(Path(config.objects_dir), MasterKey(bytes.fromhex(config.master_key), "worker"))
    _STATE["audit_key"] = AuditKey(bytes.fromhex(config.audit_key), config.audit_key_source or "worker")


def _watch_parent() -> None:
    """Exit when the server process that started this worker is gone (killed, even by SIGKILL).

    A job cut off this way is marked failed by the next server start; nothing of it was released.
    """
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(70)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _engine() -> Any:
    if "engine" not in _STATE:
        from safedata_core import Engine

        _STATE["engine"] = Engine()
    return _STATE["engine"]


def run_job_with(config: WorkerConfig, job_id: str) -> str:
    """Run a job in a process that may not have been initialised (Dask workers)."""
    if _STATE.get("config") != config:
        init_worker(config)
    return run_job(job_id)


def run_job(job_id: str) -> str:
    """Run job ``job_id``; returns its final status. Never raises for a job's own failure."""
    from sqlalchemy import select

    from safedata_server.models import Job, now

    db = _STATE["db"]
    with db.session() as s:
        job = s.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
        if job is None or job.status != "queued":
            return job.status if job is not None else "missing"
        if job.cancel_requested:
            job.status, job.finished_at = "cancelled", now()
            return "cancelled"
        job.status, job.started_at, job.worker_pid = "running", now(), os.getpid()
        job.progress = {"step": "starting", "stage": "loading data"}
        project_id = job.project_id
    scratch = Path(_STATE["config"].work_dir) / job_id
    try:
        outputs = _run(job_id, scratch)
        status = _finish(job_id, project_id, outputs)
    except JobCancelled:
        status = _fail(job_id, "cancelled by request; nothing was released", status="cancelled")
    except SafedataError as exc:
        status = _fail(job_id, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except Exception as exc:  # a defect: one line for the user; the log names the type and place, no message
        status = _fail(job_id, f"internal error ({type(exc).__name__}); nothing was released")
        frames = traceback.extract_tb(exc.__traceback__)[-3:]
        import structlog

        structlog.get_logger("safedata_server.jobs").error(
            "job_internal_error",
            job_id=job_id,
            error=type(exc).__name__,
            where=[f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames],
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return status


class _Progress:
    """Lifecycle hooks: write the running step, and its epochs/rounds (at most once per ``interval`` seconds),
    into the job row; stop a cancelled job between steps or at its next epoch/round."""

    def __init__(self, job_id: str, total: int, interval: float = 1.0) -> None:
        self.job_id, self.total, self.done = job_id, total, 0
        self.interval, self.last_write = interval, 0.0
        self.current: dict[str, Any] = {}

    def _update(self, progress: dict[str, Any]) -> None:
        from safedata_server.models import Job

        with _STATE["db"].session() as s:
            job = s.get(Job, self.job_id)
            if job is None:
                return
            if job.cancel_requested:
                raise JobCancelled(f"job {self.job_id} was cancelled")
            job.progress = progress
        self.current = progress
        self.last_write = time.monotonic()

    @hookimpl
    def on_progress(
        self, step: Any, done: int, total: int | None, unit: str, info: Mapping[str, object], context: Any
    ) -> None:
        if done != total and time.monotonic() - self.last_write < self.interval:
            return
        spent = context.ledger.spent().epsilon if context.ledger.budget is not None else 0.0
        within: dict[str, Any] = {"unit": unit, "done": done, "total": total}
        step_spent = info.get("epsilon_spent")
        if isinstance(step_spent, int | float):
            within["epsilon_spent"] = float(step_spent)
        self._update({**self._running(step, spent), unit: done, f"{unit}s_total": total, "within_step": within})

    @hookimpl
    def before_step(self, step: Any, context: Any) -> None:
        spent = context.ledger.spent().epsilon if context.ledger.budget is not None else 0.0
        self._update(self._running(step, spent))

    def _running(self, step: Any, spent: float) -> dict[str, Any]:
        """The progress fields of a running step (before it starts and while it reports)."""
        return {
            "step": step.id,
            "component": step.use,
            "steps_done": self.done,
            "steps_total": self.total,
            "epsilon_spent": spent,
            "stage": "running",
        }

    @hookimpl
    def after_step(self, step: Any, outcome: Any, context: Any) -> None:
        self.done += 1
        spent = context.ledger.spent().epsilon if context.ledger.budget is not None else 0.0
        within = self.current if self.current.get("step") == step.id and "within_step" in self.current else {}
        self._update(
            within
            | {
                "step": step.id,
                "component": step.use,
                "steps_done": self.done,
                "steps_total": self.total,
                "epsilon_spent": spent,
                "stage": "step finished",
            }
        )


def _inputs(job_id: str) -> tuple[Any, Any, dict[str, Any]]:
    """(job row snapshot, input Table or None, pipeline) read in one read transaction (no write lock: the
    decryption and the table's checks do not hold up the writers)."""
    import pandas as pd

    from safedata_core import Metadata, Table
    from safedata_server.models import Dataset, Job

    store = _STATE["store"]
    with _STATE["db"].session(write=False) as s:
        job = s.get(Job, job_id)
        assert job is not None
        table = None
        if job.dataset_id is not None:
            ds = s.get(Dataset, job.dataset_id)
            if ds is None or ds.data_object_id is None:
                raise SafedataError(f"dataset {job.dataset_id} was deleted before the job started")
            frame = pd.read_parquet(io.BytesIO(store.get(s, ds.data_object_id)))
            meta = json.loads(store.get(s, ds.metadata_object_id)) if ds.metadata_object_id else None
            table = Table.from_dataframe(frame, Metadata.from_dict(meta) if meta else None, source=f"dataset {ds.id}")
        s.expunge(job)
    return job, table, dict(job.pipeline)


def _run(job_id: str, scratch: Path) -> dict[str, Any]:
    job, table, pipeline = _inputs(job_id)
    if job.kind == "evaluation":
        return _evaluate(job, table)
    if job.kind in ("profile", "pii"):
        return _inspect(job, table)
    engine = _engine()
    progress = _Progress(job_id, len(pipeline.get("steps", [])))
    engine.pm.register(progress, name=f"progress-{job_id}")
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        result = engine.run(pipeline, data=table, out=scratch / "run", force=True)
    finally:
        engine.pm.unregister(name=f"progress-{job_id}")
    if not result.ok:
        with _STATE["db"].session() as s:
            from safedata_server.models import Job

            row = s.get(Job, job_id)
            if row is not None and row.cancel_requested:
                raise JobCancelled(job_id)
        raise SafedataError(result.error or "the run failed; nothing was released")
    run_dir = scratch / "run"
    release = run_dir / "release"
    out: dict[str, Any] = {"ledger": result.ledger, "verdict": result.verdict, "files": {}}
    tables = sorted(p.name for p in release.glob("*.csv"))
    out["summary"] = {
        "verdict": result.verdict,
        "released_tables": [t[:-4] for t in tables],
        "verdict_failures": result.verdict_failures,
        "warnings": result.verdict_warnings,
    }
    main = job.request.get("release_step") or (tables[0][:-4] if tables else None)
    files = out["files"]
    if main and (release / f"{main}.csv").is_file():
        files["release"] = (release / f"{main}.csv").read_bytes()
    files["release_report"] = (release / "report.json").read_bytes() if (release / "report.json").is_file() else None
    files["model_card"] = (release / "model_card.md").read_bytes() if (release / "model_card.md").is_file() else None
    internal = run_dir / "internal" / "report.json"
    files["internal_report"] = internal.read_bytes() if internal.is_file() else None
    files["run_audit"] = (run_dir / "audit.jsonl").read_bytes() if (run_dir / "audit.jsonl").is_file() else None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(release.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(release).as_posix())
        if (run_dir / "pipeline.lock.json").is_file():
            zf.write(run_dir / "pipeline.lock.json", "pipeline.lock.json")
    files["package"] = buf.getvalue()
    return out


def _evaluate(job: Any, table: Any) -> dict[str, Any]:
    """Score a generator's release against the real rows with the requested metrics (internal, not DP)."""
    import pandas as pd

    from safedata_core import Metadata, Table
    from safedata_server.models import Job

    engine = _engine()
    request = job.request
    with _STATE["db"].session() as s:
        gen = s.get(Job, request["generator_id"])
        if gen is None or gen.release_object_id is None:
            raise SafedataError(f"generator {request['generator_id']} has no release to evaluate")
        released = pd.read_csv(io.BytesIO(_STATE["store"].get(s, gen.release_object_id)))
    common = [c for c in table.columns if c in released.columns]
    subset = Metadata(columns={c: table.metadata.columns[c] for c in common})
    original = Table.from_dataframe(table.df[common], subset, source="dataset")
    synthetic = Table.from_dataframe(released[common], original.metadata, source="release")
    results: dict[str, Any] = {}
    for name in request.get("metrics", []):
        cls = engine.registry.get(name).cls
        metric = cls(request.get("params", {}).get(name))
        results[name] = metric.compute(original, synthetic, seed=int(request.get("seed", 0))).to_dict()
    report = {
        "generator_id": gen.id,
        "metrics": results,
        "note": "internal evaluation: reads the real records; not a DP release",
    }
    body = json.dumps(report, default=str).encode()
    return {"ledger": {}, "verdict": None, "summary": {"metrics": sorted(results)}, "files": {"internal_report": body}}


def _inspect(job: Any, table: Any) -> dict[str, Any]:
    """Profile or PII detection of the job's dataset (the result is stored with the dataset by :func:`_finish`)."""
    from safedata_server.inspection import pii_result, profile_result

    if job.kind == "profile":
        result = profile_result(table, job.dataset_id, k=int(job.request.get("k", 5)))
        summary: dict[str, Any] = {"columns": len(table.columns)}
    else:
        result = pii_result(table, job.dataset_id)
        summary = {"pii_columns": len(result["pii_columns"])}
    body = json.dumps(result, default=str).encode()
    return {"ledger": {}, "verdict": None, "summary": summary, "files": {job.kind: body}}


def _store_inspection(s: Any, job: Any, object_id: str | None) -> None:
    """Make the job's result the dataset's profile / PII report (crypto-erasing the previous one)."""
    from safedata_server.models import Dataset

    store = _STATE["store"]
    ds = s.get(Dataset, job.dataset_id, with_for_update=True)
    if ds is None or ds.deleted_at is not None:  # erased while the job ran: keep nothing of it
        store.erase(s, object_id)
        return
    attr = "profile_object_id" if job.kind == "profile" else "pii_object_id"
    old = getattr(ds, attr)
    setattr(ds, attr, object_id)
    store.erase(s, old)


def _finish(job_id: str, project_id: str, outputs: dict[str, Any]) -> str:
    """Encrypt the outputs, then record them and mark the job succeeded in one transaction.

    The files are encrypted and synced before the write lock (``ObjectStore.seal``); when the job is no
    longer running (marked failed by a restart while it ran) their rows are never added: nothing is
    released, and the orphan files (unreadable: their keys were never stored) are removed by recovery.
    """
    from safedata_server.models import Job, now
    from safedata_server.services.audit import record_event

    store = _STATE["store"]
    sealed = {name: store.seal(project_id, name, body) for name, body in outputs["files"].items() if body}
    with _STATE["db"].session() as s:
        job = s.get(Job, job_id, with_for_update=True)
        assert job is not None
        if job.status != "running":  # marked failed by a restart while we ran: release nothing
            return job.status
        for obj in sealed.values():
            store.add(s, obj)
        ids: dict[str, str | None] = {name: (sealed[name].id if name in sealed else None) for name in outputs["files"]}
        job.release_object_id = ids.get("release")
        job.release_report_object_id = ids.get("release_report")
        job.internal_report_object_id = ids.get("internal_report")
        job.summary = dict(outputs.get("summary") or {}) | {
            "objects": {k: v for k, v in ids.items() if v and k not in ("release", "release_report", "internal_report")}
        }
        job.ledger = outputs.get("ledger") or {}
        spent = (job.ledger.get("spent") or {}) if job.ledger else {}
        job.epsilon_spent = float(spent.get("epsilon", 0.0) or 0.0)
        job.delta_spent = float(spent.get("delta", 0.0) or 0.0)
        if job.kind in ("profile", "pii"):
            _store_inspection(s, job, ids.get(job.kind))
        job.status, job.finished_at = "succeeded", now()
        job.progress = dict(job.progress or {}) | {"stage": "finished", "epsilon_spent": job.epsilon_spent}
        record_event(
            s,
            _STATE["audit_key"],
            "job_succeeded",
            project_id=job.project_id,
            object=job.id,
            dataset_id=job.dataset_id,
            epsilon=job.epsilon_spent,
            kind=job.kind,
        )
        return "succeeded"


def _fail(job_id: str, reason: str, *, status: str = "failed") -> str:
    from safedata_server.models import Job, now
    from safedata_server.services.audit import record_event

    with _STATE["db"].session() as s:
        job = s.get(Job, job_id, with_for_update=True)
        if job is None or job.status not in ("running", "queued"):
            return job.status if job is not None else "missing"
        job.status, job.error, job.finished_at = status, reason, now()
        job.progress = dict(job.progress or {}) | {"stage": status}
        record_event(
            s,
            _STATE["audit_key"],
            f"job_{status}",
            project_id=job.project_id,
            object=job.id,
            dataset_id=job.dataset_id,
            epsilon=job.epsilon,
            kind=job.kind,
        )
        return status
