"""The job executor interface and its implementations.

An :class:`Executor` only *starts* work: the job row (status, progress,
results) lives in the database, so the executor may be swapped without
changing the services. :class:`LocalProcessExecutor` (the default) runs jobs in
a ``spawn`` process pool on this machine; :class:`DaskExecutor` sends them to a
Dask distributed scheduler (``executor="dask"``, ``SAFEDATA_DASK_ADDRESS``), whose
workers need the same database, object folder and master key.
"""

from __future__ import annotations

import multiprocessing
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import structlog

from safedata_server.jobs.worker import WorkerConfig, init_worker, run_job, run_job_with

__all__ = ["DaskExecutor", "Executor", "LocalProcessExecutor", "make_executor"]

log = structlog.get_logger("safedata_server.jobs")


class Executor(ABC):
    """Starts jobs whose rows are already committed as ``queued``."""

    @abstractmethod
    def submit(self, job_id: str, *, quick: bool = False) -> None:
        """Start job ``job_id`` (returns at once); ``quick``: a short job a request waits for."""

    @abstractmethod
    def shutdown(self, *, wait: bool = False) -> None:
        """Stop accepting jobs; ``wait`` for the running ones."""


OnCrash = Callable[[str, str], bool]


class LocalProcessExecutor(Executor):
    """Pools of spawned processes, each with its own engine and database connection.

    Two lanes: ``workers`` processes for generations and pipelines, and
    ``quick_workers`` for the short jobs a request waits for (profile, PII detection,
    evaluations), so these never queue behind a long generation. Every worker runs
    at ``config.nice`` lower CPU priority, so jobs use spare CPU and the request
    handlers of the server keep their latency under job load.

    A worker that dies (killed, out of memory) breaks its pool: the jobs it took
    down are reported to ``on_crash(job_id, reason)`` (the runtime marks them
    failed) and a fresh pool takes the next jobs.
    """

    def __init__(
        self, config: WorkerConfig, workers: int = 1, on_crash: OnCrash | None = None, *, quick_workers: int = 1
    ) -> None:
        self._config, self._on_crash = config, on_crash
        self._size = {False: max(1, workers), True: max(1, quick_workers)}
        self._lock = threading.Lock()
        self._closed = False
        self._pools = {quick: self._new_pool(quick) for quick in (False, True)}

    def _new_pool(self, quick: bool) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._size[quick],
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self._config,),
        )

    def submit(self, job_id: str, *, quick: bool = False) -> None:
        with self._lock:
            try:
                future = self._pools[quick].submit(run_job, job_id)
            except BrokenProcessPool:
                self._pools[quick] = self._new_pool(quick)
                future = self._pools[quick].submit(run_job, job_id)
        future.add_done_callback(lambda f: self._done(job_id, f, quick))

    def _done(self, job_id: str, future: Future[Any], quick: bool) -> None:
        exc = _report(job_id, future)
        if exc is None or self._closed:
            return
        again = False
        if self._on_crash is not None:
            again = self._on_crash(job_id, f"the worker process died ({type(exc).__name__}); nothing was released")
        if isinstance(exc, BrokenProcessPool):
            with self._lock:
                pool = self._pools[quick]
                if bool(getattr(pool, "_broken", False)):
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pools[quick] = self._new_pool(quick)
        if again:
            self.submit(job_id, quick=quick)

    def shutdown(self, *, wait: bool = False) -> None:
        """``wait``: let queued and running jobs finish. Else queued jobs stay queued (the next start runs
        them) and running ones are stopped (the next start marks them failed; nothing was released)."""
        self._closed = True
        for pool in self._pools.values():
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=wait, cancel_futures=not wait)
            if not wait:
                for proc in processes:
                    if proc.is_alive():
                        proc.terminate()


class DaskExecutor(Executor):
    """Jobs on a Dask distributed cluster at ``address`` (needs ``pip install distributed``)."""

    def __init__(self, config: WorkerConfig, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # optional dependency
            raise ImportError("the dask executor needs the 'distributed' package: pip install distributed") from exc
        self._config = config
        self._client = Client(address)

    def submit(self, job_id: str, *, quick: bool = False) -> None:
        future = self._client.submit(run_job_with, self._config, job_id, pure=False, priority=1 if quick else 0)
        future.add_done_callback(lambda f: _report(job_id, f))

    def shutdown(self, *, wait: bool = False) -> None:
        self._client.close()


def _report(job_id: str, future: Future[Any] | Any) -> BaseException | None:
    try:
        exc = future.exception()
    except BaseException as err:  # cancelled futures raise here
        return None if type(err).__name__ == "CancelledError" else err
    if exc is not None:
        log.error("job_executor_error", job_id=job_id, error=type(exc).__name__)
    return exc


def make_executor(
    kind: str,
    config: WorkerConfig,
    *,
    workers: int,
    address: str | None = None,
    on_crash: OnCrash | None = None,
    quick_workers: int = 1,
) -> Executor:
    if kind == "dask":
        if not address:
            raise ValueError("the dask executor needs SAFEDATA_DASK_ADDRESS (tcp://host:8786)")
        return DaskExecutor(config, address)
    return LocalProcessExecutor(config, workers, on_crash, quick_workers=quick_workers)
