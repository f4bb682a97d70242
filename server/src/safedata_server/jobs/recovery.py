"""Start-up recovery: jobs a previous server process left unfinished, and scratch files it left behind.

Only jobs whose lease is dead (:mod:`.leases`: no owner, expired, or an owner
process of this machine that is gone) are touched: the jobs of another live
server process are not. A ``running`` job with a dead lease was interrupted (its
worker died with its server): it is marked ``failed`` with the reason, its budget reservation stays charged (the
worker may have spent it) and, since outputs are stored only with the final
``succeeded`` state, nothing of it was released. A ``queued`` job never started:
it is handed to the executor again. Scratch run directories (the only place
plaintext ever touches the disk; only the dispatching process's workers use them)
and object files without a live key are removed; an object file younger than
``ORPHAN_GRACE_SECONDS`` is kept (another server process may be storing it right now,
its row not yet committed).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import select

from safedata_server.jobs.leases import lease_dead
from safedata_server.models import QUICK_JOB_KINDS, Job, StoredObject, now
from safedata_server.services.audit import record_event
from safedata_server.services.context import Runtime

__all__ = ["mark_crashed", "recover"]

INTERRUPTED = "interrupted: the server stopped while the job ran; nothing was released and its budget stays charged"
ORPHAN_GRACE_SECONDS = 600.0


def recover(rt: Runtime, owner: str | None = None) -> dict[str, list[str]]:
    """Fail interrupted jobs, return the ids of queued ones to resubmit (``requeued``; the short ones also in
    ``requeued_quick``), and clean the scratch folder. Jobs with a live lease (another server process's, or
    ``owner``'s: the caller's own) are left alone."""
    failed: list[str] = []
    queued: list[str] = []
    quick: list[str] = []
    with rt.db.session() as s:
        for job in s.scalars(select(Job).where(Job.status.in_(("running", "queued"))).with_for_update()):
            if not lease_dead(job.lease_owner, job.lease_expires, me=owner):
                continue  # a live server process dispatched it (or the caller itself)
            if job.status == "running":
                job.status, job.error, job.finished_at = "failed", INTERRUPTED, now()
                job.progress = dict(job.progress or {}) | {"stage": "failed"}
                record_event(
                    s,
                    rt.audit_key,
                    "job_failed",
                    project_id=job.project_id,
                    object=job.id,
                    dataset_id=job.dataset_id,
                    epsilon=job.epsilon,
                    reason="server restart",
                )
                failed.append(job.id)
            elif job.cancel_requested:
                job.status, job.finished_at = "cancelled", now()
            else:
                queued.append(job.id)
                if job.kind in QUICK_JOB_KINDS:
                    quick.append(job.id)
        live = set(s.scalars(select(StoredObject.id).where(StoredObject.wrapped_key.is_not(None))))
    _clean(rt.settings.work_dir, rt.settings.objects_dir, live)
    return {"failed": failed, "requeued": queued, "requeued_quick": quick}


def _clean(work_dir: Path, objects_dir: Path, live: set[str]) -> None:
    if work_dir.exists():
        for child in work_dir.iterdir():
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
    if objects_dir.exists():
        old = time.time() - ORPHAN_GRACE_SECONDS
        for path in objects_dir.iterdir():
            if path.name not in live:
                try:
                    if path.stat().st_mtime < old:
                        path.unlink(missing_ok=True)
                except FileNotFoundError:
                    pass


def mark_crashed(rt: Runtime, job_id: str, reason: str) -> bool:
    """Fail a running job whose worker died under it (budget stays charged; nothing was released).

    Returns True for a job that had not started (still ``queued``): the executor runs it again.
    """
    with rt.db.session() as s:
        job = s.get(Job, job_id, with_for_update=True)
        if job is None or job.status not in ("queued", "running"):
            return False
        if job.status == "queued":
            return True
        job.status, job.error, job.finished_at = "failed", reason, now()
        record_event(
            s,
            rt.audit_key,
            "job_failed",
            project_id=job.project_id,
            object=job.id,
            dataset_id=job.dataset_id,
            epsilon=job.epsilon,
            reason="worker died",
        )
    shutil.rmtree(rt.settings.work_dir / job_id, ignore_errors=True)
    return False
