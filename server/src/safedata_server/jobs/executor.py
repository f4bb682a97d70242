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
from abc import ABC, abstractmethod
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import structlog

from safedata_server.jobs.worker import WorkerConfig, init_worker, run_job, run_job_with

__all__ = ["DaskExecutor", "Executor", "LocalProcessExecutor", "make_executor"]

log = structlog.get_logger("safedata_server.jobs")


class Executor(ABC):
    """Starts jobs whose rows are already committed as ``queued``."""

    @abstractmethod
    def submit(self, job_id: str) -> None:
        """Start job ``job_id`` (returns at once)."""

    @abstractmethod
    def shutdown(self, *, wait: bool = False) -> None:
        """Stop accepting jobs; ``wait`` for the running ones."""


class LocalProcessExecutor(Executor):
    """A pool of ``workers`` spawned processes, each with its own engine and database connection."""

    def __init__(self, config: WorkerConfig, workers: int = 2) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=max(1, workers),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(config,),
        )

    def submit(self, job_id: str) -> None:
        future = self._pool.submit(run_job, job_id)
        future.add_done_callback(lambda f: _report(job_id, f))

    def shutdown(self, *, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


class DaskExecutor(Executor):
    """Jobs on a Dask distributed cluster at ``address`` (needs ``pip install distributed``)."""

    def __init__(self, config: WorkerConfig, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # optional dependency
            raise ImportError("the dask executor needs the 'distributed' package: pip install distributed") from exc
        self._config = config
        self._client = Client(address)

    def submit(self, job_id: str) -> None:
        future = self._client.submit(run_job_with, self._config, job_id, pure=False)
        future.add_done_callback(lambda f: _report(job_id, f))

    def shutdown(self, *, wait: bool = False) -> None:
        self._client.close()


def _report(job_id: str, future: Future[Any] | Any) -> None:
    try:
        exc = future.exception()
    except Exception as err:  # cancelled futures raise here
        exc = err
    if exc is not None:
        log.error("job_executor_error", job_id=job_id, error=type(exc).__name__)


def make_executor(kind: str, config: WorkerConfig, *, workers: int, address: str | None = None) -> Executor:
    if kind == "dask":
        if not address:
            raise ValueError("the dask executor needs SAFEDATA_DASK_ADDRESS (tcp://host:8786)")
        return DaskExecutor(config, address)
    return LocalProcessExecutor(config, workers)
