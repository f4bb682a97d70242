"""Durable jobs: a worker run on PostgreSQL, restart recovery, cancellation, nothing half-released."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import META, csv_bytes, fresh_pg_database, make_settings
from safedata_server.jobs import recovery, worker
from safedata_server.jobs.leases import lease_until, owner_token
from safedata_server.jobs.recovery import INTERRUPTED, mark_crashed, recover
from safedata_server.models import BudgetCharge, Job
from safedata_server.runtime import create_runtime, worker_config
from safedata_server.services import datasets, generators
from safedata_server.services.context import Runtime
from safedata_server.services.session import principal_for, service_ctx

from safedata_core import hookimpl

NICE_AT_START = os.getpriority(os.PRIO_PROCESS, 0)


def _queued_job(rt: Runtime, key: str, eps: float = 1.0) -> tuple[str, str]:
    who = principal_for(rt, key)
    with service_ctx(rt, who) as ctx:
        ds = datasets.upload_dataset(ctx, "p.csv", csv_bytes(120), epsilon=10.0, delta=1e-4)["id"]
        datasets.set_metadata(ctx, ds, META)
    with service_ctx(rt, who) as ctx:
        job = generators.start_generation(
            ctx, ds, {"generator_type": "example", "target_epsilon": eps, "target_delta": 1e-6, "num_rows": 30}
        )["id"]
    return ds, job


@pytest.fixture
def pg_database(pg_url: str, tmp_path: Path) -> str:
    return fresh_pg_database(pg_url, "jobs", tmp_path)


def test_a_job_runs_to_a_release_on_postgresql(pg_database: str, tmp_path: Path) -> None:
    pytest.importorskip("safedata_example")
    rt, key = create_runtime(make_settings(tmp_path / "data", pg_database, start_workers=False))
    assert key is not None
    _ds, job_id = _queued_job(rt, key)
    worker.init_worker(worker_config(rt))  # the worker's code, in this process
    assert worker.run_job(job_id) == "succeeded"
    assert worker.run_job(job_id) == "succeeded"  # a second delivery does nothing
    with rt.db.session() as s:
        job = s.get(Job, job_id)
        assert job.status == "succeeded" and job.release_object_id is not None
        assert job.epsilon_spent is not None and 0 < job.epsilon_spent <= 1.0 + 1e-9
        csv = rt.store.get(s, job.release_object_id).decode()
    assert csv.splitlines()[0].split(",") == ["age", "sex", "income"]  # the direct identifier was dropped
    assert len(csv.splitlines()) == 31
    assert not any((rt.settings.work_dir).iterdir())  # scratch removed
    rt.db.dispose()


def test_restart_fails_interrupted_jobs_keeps_their_budget_and_requeues_the_rest(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    assert key is not None
    ds, running = _queued_job(rt, key)
    who = principal_for(rt, key)
    with service_ctx(rt, who) as ctx:
        queued = generators.start_generation(
            ctx, ds, {"generator_type": "example", "target_epsilon": 0.5, "target_delta": 1e-6}
        )["id"]
    with rt.db.session() as s:  # a worker had claimed the first job and died with the server
        s.get(Job, running).status = "running"
    scratch = settings.work_dir / running / "run" / ".staging-x"
    scratch.mkdir(parents=True)
    (scratch / "half.csv").write_text("plaintext that must not survive\n")
    (settings.objects_dir / "orphan").write_bytes(b"encrypted but never committed")
    old = time.time() - recovery.ORPHAN_GRACE_SECONDS - 1
    os.utime(settings.objects_dir / "orphan", (old, old))  # an old orphan; a fresh one may be in flight
    (settings.objects_dir / "fresh").write_bytes(b"another process is storing it")
    rt.db.dispose()
    rt2, _ = create_runtime(settings)  # recovery runs at start
    with rt2.db.session() as s:
        job = s.get(Job, running)
        assert job.status == "failed" and job.error == INTERRUPTED
        assert job.release_object_id is None
        assert s.get(Job, queued).status == "queued"
        charges = s.query(BudgetCharge).filter(BudgetCharge.dataset_id == ds).all()
        assert sorted(c.epsilon for c in charges) == [0.5, 1.0]  # the interrupted job's budget stays spent
    assert not any(settings.work_dir.iterdir()) and not (settings.objects_dir / "orphan").exists()
    assert (settings.objects_dir / "fresh").exists()
    assert recover(rt2) == {"failed": [], "requeued": [queued], "requeued_quick": []}
    assert mark_crashed(rt2, queued, "worker died") is True  # never started: run it again
    rt2.db.dispose()


def test_cancel_between_steps_releases_nothing(tmp_path: Path) -> None:
    pytest.importorskip("safedata_example")
    rt, key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    assert key is not None
    _ds, job_id = _queued_job(rt, key)
    worker.init_worker(worker_config(rt))
    with rt.db.session() as s:  # claimed, then cancelled while running: the next step boundary stops it
        job = s.get(Job, job_id)
        job.status = "queued"
        job.cancel_requested = False
    original = worker._Progress.before_step

    @hookimpl
    def cancel_then_check(self: worker._Progress, step: object, context: object) -> None:
        with rt.db.session() as s2:
            s2.get(Job, job_id).cancel_requested = True
        original(self, step, context)

    worker._Progress.before_step = cancel_then_check  # type: ignore[method-assign]
    try:
        assert worker.run_job(job_id) == "cancelled"
    finally:
        worker._Progress.before_step = original  # type: ignore[method-assign]
    with rt.db.session() as s:
        job = s.get(Job, job_id)
        assert job.status == "cancelled" and job.release_object_id is None and job.summary == {}
    rt.db.dispose()


def test_the_dask_executor_runs_a_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("safedata_example")
    distributed = pytest.importorskip("distributed", reason="the dask executor needs the distributed package")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("SAFEDATA_DASK_ADDRESS", cluster.scheduler_address)
        settings = make_settings(tmp_path / "data")
        settings.executor = "dask"
        rt, key = create_runtime(settings)
        assert key is not None
        _ds, job_id = _queued_job(rt, key)  # submitted to the cluster when its transaction commits
        for _ in range(600):
            with rt.db.session(write=False) as s:
                status = s.get(Job, job_id).status
            if status in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(0.1)
        assert status == "succeeded"
        assert rt.executor is not None
        rt.executor.shutdown()
        rt.db.dispose()


def test_cancel_stops_a_running_step_at_its_next_round(tmp_path: Path) -> None:
    pytest.importorskip("safedata_marginal", reason="AIM comes with safedata-marginal")
    rt, key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    assert key is not None
    who = principal_for(rt, key)
    with service_ctx(rt, who) as ctx:
        ds = datasets.upload_dataset(ctx, "p.csv", csv_bytes(200), epsilon=10.0, delta=1e-4)["id"]
        datasets.set_metadata(ctx, ds, META)
    body = {
        "generator_type": "dp-aim",
        "target_epsilon": 1.0,
        "target_delta": 1e-6,
        "params": {"max_rounds": 40, "round_iters": 5, "final_iters": 10, "bins": 4},
    }
    with service_ctx(rt, who) as ctx:
        job_id = generators.start_generation(ctx, ds, body)["id"]
    worker.init_worker(worker_config(rt))
    assert os.getpriority(os.PRIO_PROCESS, 0) == NICE_AT_START  # only pool children are niced
    original = worker._Progress.on_progress
    rounds: list[int] = []

    @hookimpl
    def cancel_at_round_one(
        self: worker._Progress, step: Any, done: int, total: Any, unit: str, info: Any, context: Any
    ) -> None:
        rounds.append(done)
        if done == 1:
            with rt.db.session() as s2:
                s2.get(Job, job_id).cancel_requested = True
            self.last_write = 0.0  # past the once-a-second throttle: this report is written and sees the cancel
        original(self, step, done, total, unit, info, context)

    worker._Progress.on_progress = cancel_at_round_one  # type: ignore[method-assign]
    try:
        assert worker.run_job(job_id) == "cancelled"
    finally:
        worker._Progress.on_progress = original  # type: ignore[method-assign]
    assert rounds == [1]  # stopped inside the step, not after its 40 rounds
    with rt.db.session() as s:
        job = s.get(Job, job_id)
        assert job.status == "cancelled" and job.release_object_id is None
        assert job.progress["stage"] == "cancelled" and "cancelled" in (job.error or "")
    rt.db.dispose()


def test_progress_within_a_step_is_written_at_most_once_a_second_and_always_at_the_end() -> None:
    from types import SimpleNamespace

    written: list[dict[str, Any]] = []
    progress = worker._Progress("job", total=1, interval=1.0)
    progress._update = lambda p: (written.append(p), setattr(progress, "last_write", time.monotonic()))  # type: ignore[method-assign]
    step = SimpleNamespace(id="synth", use="tvae")
    context = SimpleNamespace(ledger=SimpleNamespace(budget=None))
    for epoch in range(1, 51):  # 50 epochs in well under a second: the first and the last are written
        progress.on_progress(step, epoch, 50, "epoch", {}, context)
    assert [p["epoch"] for p in written] == [1, 50]
    assert written[-1]["within_step"] == {"unit": "epoch", "done": 50, "total": 50}
    assert written[-1]["epochs_total"] == 50 and written[-1]["step"] == "synth"


def test_recovery_leaves_the_jobs_of_a_live_process_alone_and_fails_those_of_a_dead_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    assert key is not None
    _ds, live = _queued_job(rt, key)
    _ds2, dead = _queued_job(rt, key, eps=0.5)
    _ds3, expired = _queued_job(rt, key, eps=0.5)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # another live server
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        with rt.db.session() as s:
            for job_id, owner, seconds in (
                (live, owner_token(other.pid), 30.0),
                (dead, owner_token(other.pid).replace(f"/{other.pid}/", f"/{gone.pid}/"), 30.0),
                (expired, "another-host/1/1", -1.0),
            ):
                job = s.get(Job, job_id)
                job.status, job.lease_owner, job.lease_expires = "running", owner, lease_until(seconds)
        rt.db.dispose()
        rt2, _ = create_runtime(settings)  # a second server process starts: recovery runs
        with rt2.db.session(write=False) as s:
            assert s.get(Job, live).status == "running"  # its owner lives and its lease holds
            assert s.get(Job, dead).status == "failed" and s.get(Job, dead).error == INTERRUPTED  # pid gone
            assert s.get(Job, expired).status == "failed"  # another machine's process, lease expired
        rt2.db.dispose()
    finally:
        other.kill()
        other.wait()


def test_one_dispatcher_leads_and_claims_each_job_once(tmp_path: Path) -> None:
    from safedata_server.jobs.dispatch import Dispatcher
    from safedata_server.jobs.executor import Executor

    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    assert key is not None
    _ds, job_id = _queued_job(rt, key)
    started: list[tuple[str, str]] = []

    class Pools(Executor):
        def __init__(self, name: str) -> None:
            self.name = name

        def submit(self, job_id: str, *, quick: bool = False) -> None:
            started.append((self.name, job_id))

        def shutdown(self, *, wait: bool = False) -> None:
            pass

    lock = settings.data_dir / "dispatcher.lock"
    first = Dispatcher(rt.db, lock, lambda: Pools("first"), lambda me: recover(rt, me), poll=0.05, retry=0.05)
    second = Dispatcher(rt.db, lock, lambda: Pools("second"), lambda me: recover(rt, me), poll=0.05, retry=0.05)
    try:
        assert first.leader and not second.leader
        second.submit(job_id)
        time.sleep(0.5)
        assert started == [("first", job_id)]  # claimed once, by the leader
        with rt.db.session(write=False) as s:
            assert s.get(Job, job_id).lease_owner == first.owner
        first.shutdown()
        deadline = time.monotonic() + 5
        while not second.leader and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.leader  # the leader stopped: another process leads now
        assert started == [("first", job_id)]  # the job's lease is the (same-process) owner's: not run twice
    finally:
        second.shutdown()
        first.shutdown()
        rt.db.dispose()


def _leading(tmp_path: Path, busy: Any, max_defer: float) -> tuple[Runtime, str, Any, list[str]]:
    """A runtime without workers and a leading dispatcher with ``busy`` and ``max_defer`` whose pools record the
    jobs they are handed (in ``started``)."""
    from safedata_server.jobs.dispatch import Dispatcher
    from safedata_server.jobs.executor import Executor

    started: list[str] = []

    class Pools(Executor):
        def submit(self, job_id: str, *, quick: bool = False) -> None:
            started.append(job_id)

        def shutdown(self, *, wait: bool = False) -> None:
            pass

    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    assert key is not None
    lock = settings.data_dir / "dispatcher.lock"
    lead = Dispatcher(rt.db, lock, Pools, lambda me: recover(rt, me), poll=0.05, busy=busy, max_defer=max_defer)
    return rt, key, lead, started


def test_generation_jobs_stay_queued_while_the_leader_answers_requests(tmp_path: Path) -> None:
    busy = [True]
    rt, key, lead, started = _leading(tmp_path, lambda: busy[0], max_defer=60.0)
    try:
        ds, job_id = _queued_job(rt, key)
        with service_ctx(rt, principal_for(rt, key)) as ctx:
            profile_id = datasets.start_profile(ctx, ds)["id"]  # a quick-lane job: a request waits for it
        lead.submit(job_id)
        lead.submit(profile_id, quick=True)
        time.sleep(0.5)
        assert started == [profile_id]  # the quick job at once; the generation waits for a quiet moment
        with rt.db.session(write=False) as s:
            assert s.get(Job, job_id).lease_owner is None  # not even claimed: no write while requests run
        busy[0] = False
        deadline = time.monotonic() + 5
        while job_id not in started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started == [profile_id, job_id]
    finally:
        lead.shutdown()
        rt.db.dispose()


def test_a_generation_job_waits_at_most_max_defer_under_constant_requests(tmp_path: Path) -> None:
    rt, key, lead, started = _leading(tmp_path, lambda: True, max_defer=0.4)
    try:
        _ds, job_id = _queued_job(rt, key)
        t0 = time.monotonic()
        lead.submit(job_id)
        while job_id not in started and time.monotonic() - t0 < 5:
            time.sleep(0.01)
        waited = time.monotonic() - t0
        assert started == [job_id] and 0.3 <= waited < 3.0
    finally:
        lead.shutdown()
        rt.db.dispose()


def test_a_worker_encrypts_its_inputs_and_outputs_outside_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "data", start_workers=False)
    rt, key = create_runtime(settings)
    assert key is not None
    _ds, job_id = _queued_job(rt, key)
    worker.init_worker(worker_config(rt))
    db, store = worker._STATE["db"], worker._STATE["store"]
    seen: list[tuple[str, bool]] = []
    seal, get = store.seal, store.get

    def watched_seal(*args: Any) -> Any:
        seen.append(("seal", db._writer.locked()))
        return seal(*args)

    def watched_get(*args: Any) -> Any:
        seen.append(("get", db._writer.locked()))
        return get(*args)

    monkeypatch.setattr(store, "seal", watched_seal)
    monkeypatch.setattr(store, "get", watched_get)
    try:
        assert worker.run_job(job_id) == "succeeded"
    finally:
        rt.db.dispose()
    assert {kind for kind, _ in seen} == {"seal", "get"}  # it read the dataset and sealed its outputs
    assert not any(locked for _, locked in seen)  # never while holding the database's write lock
