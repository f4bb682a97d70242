"""Jobs off the request handlers' CPU: profile and PII detection as quick jobs, niced workers, per-round progress."""

from __future__ import annotations

import os
import time

import pytest
from conftest import World, upload, wait_job
from safedata_server.models import Job
from sqlalchemy import select


def _jobs(world: World, dataset_id: str, kind: str) -> list[Job]:
    with world.rt.db.session(write=False) as s:
        rows = list(s.scalars(select(Job).where(Job.dataset_id == dataset_id, Job.kind == kind)))
        for r in rows:
            s.expunge(r)
    return rows


def test_profile_and_pii_run_as_quick_jobs_and_keep_the_tutorial_shapes(world: World) -> None:
    h, c = world.h("A:steward"), world.client
    ds = upload(c, h, n=120)
    prof = c.post(f"/datasets/{ds}/profile", headers=h)
    assert prof.status_code == 200, prof.text
    assert prof.json()["profile"]["columns"]["name"]["role"] == "direct_identifier"
    assert prof.json()["dataset_id"] == ds and "suggested_metadata" in prof.json()
    pii = c.post(f"/datasets/{ds}/pii-detection", headers=h)
    assert pii.status_code == 200 and pii.json()["pii_columns"] == ["name"]
    for kind in ("profile", "pii"):
        (job,) = _jobs(world, ds, kind)
        assert job.status == "succeeded" and job.worker_pid not in (None, os.getpid())
    assert c.get(f"/datasets/{ds}/profile", headers=h).json() == prof.json()
    assert c.get(f"/datasets/{ds}/pii-detection", headers=h).json() == pii.json()
    assert c.get(f"/datasets/{ds}", headers=h).json()["has_profile"] is True


def test_a_slow_profile_answers_202_and_the_result_is_read_later(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    h, c = world.h("A:steward"), world.client
    ds = upload(c, h, n=60, metadata=False)
    assert c.get(f"/datasets/{ds}/profile", headers=h).status_code == 409  # none yet: says to POST
    monkeypatch.setattr(world.rt.settings, "sync_wait_seconds", 0.0)
    r = c.post(f"/datasets/{ds}/profile", headers=h)
    assert r.status_code == 202, r.text
    assert r.json()["poll"] == f"/datasets/{ds}/profile" and r.json()["job_id"]
    deadline = time.monotonic() + 120
    while (got := c.get(f"/datasets/{ds}/profile", headers=h)).status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert got.status_code == 200 and got.json()["dataset_id"] == ds
    assert [j.id for j in _jobs(world, ds, "profile")] == [r.json()["job_id"]]


def test_job_workers_run_at_lower_cpu_priority(world: World) -> None:
    with world.rt.db.session(write=False) as s:
        pids = {p for p in s.scalars(select(Job.worker_pid).where(Job.worker_pid.is_not(None)))}
    alive = [p for p in pids if os.path.exists(f"/proc/{p}")]
    assert alive, "no live job worker to check"
    expected = min(os.getpriority(os.PRIO_PROCESS, 0) + world.rt.settings.worker_nice, 19)
    assert world.rt.settings.worker_nice == 10
    assert {os.getpriority(os.PRIO_PROCESS, p) for p in alive} == {expected}


def test_progress_within_a_step_shows_rounds_and_epsilon(world: World) -> None:
    pytest.importorskip("safedata_marginal", reason="AIM comes with safedata-marginal")
    h, c = world.h("A:steward"), world.client
    ds = upload(c, h, n=200)
    body = {
        "generator_type": "dp-aim",
        "target_epsilon": 1.0,
        "target_delta": 1e-6,
        "num_rows": 30,
        "params": {"max_rounds": 3, "round_iters": 5, "final_iters": 10, "bins": 4},
    }
    r = c.post(f"/generators/dataset/{ds}/generate", headers=h, json=body)
    assert r.status_code == 202, r.text
    done = wait_job(c, h, f"/generators/{r.json()['id']}")
    assert done["status"] == "succeeded", done
    progress = done["progress"]
    assert progress["stage"] == "finished" and progress["steps_done"] == 1
    assert progress["round"] == progress["rounds_total"] >= 1
    within = progress["within_step"]
    assert within["unit"] == "round" and within["done"] == within["total"] == progress["round"]
    assert within["epsilon_spent"] == pytest.approx(1.0, abs=1e-6)
