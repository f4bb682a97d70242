"""The active Dask session: a client on a scheduler address or on a LocalCluster started for the run.

:func:`dask_session` opens one (``"local"`` starts a LocalCluster of two workers,
any other address connects a client) and makes it the active session of the
current context; :func:`pipeline_session` does so for a pipeline whose
``execution.engine`` is ``dask`` unless the CLI already opened one (``--dask``
wins over the pipeline file). Readers and count functions use the active session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safedata_core.errors import SafedataError

if TYPE_CHECKING:
    from safedata_core.schema.pipeline import ExecutionSpec

__all__ = ["DaskSession", "active_session", "dask_session", "is_dask_frame", "pipeline_session", "require_dask"]

INSTALL_HINT = "pip install 'safedata-core[dask]'"
LOCAL_WORKERS = 2
LOCAL_PROCESSES = True  # worker processes (no shared GIL); tests set False for a fast in-process cluster

_ACTIVE: ContextVar[DaskSession | None] = ContextVar("safedata_dask_session", default=None)


@dataclass(frozen=True)
class DaskSession:
    """An open Dask client and how the input is partitioned (``partitions``: ``None`` = as read)."""

    client: Any
    address: str
    partitions: int | None = None

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))


def require_dask(what: str) -> None:
    """Raise a one-line error naming the extra when dask/distributed are not installed."""
    try:
        import dask.dataframe
        import dask.distributed  # noqa: F401
    except ImportError:
        raise SafedataError(f"{what} needs dask and distributed: {INSTALL_HINT}") from None


def active_session() -> DaskSession | None:
    """The Dask session of the current context, or ``None`` (local pandas)."""
    return _ACTIVE.get()


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a Dask DataFrame (checked without importing dask)."""
    return type(obj).__module__.startswith("dask")


@contextmanager
def dask_session(
    address: str, *, partitions: int | None = None, workers: int = LOCAL_WORKERS, processes: bool | None = None
) -> Iterator[DaskSession]:
    """Open a client on ``address`` (``"local"``: a LocalCluster of ``workers`` single-thread workers)."""
    require_dask(f"--dask {address}")
    processes = LOCAL_PROCESSES if processes is None else processes
    from safedata_core.execution.dask_api import Closable, client, local_cluster

    cluster: Closable | None = None
    if address == "local":
        cluster = local_cluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
            memory_limit=0 if not processes else "auto",
        )
        dask_client = client(cluster, set_as_default=True)
    else:
        if not address.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://", "ucx://")):
            raise SafedataError(
                f"--dask {address}: not a scheduler address (give tcp://host:8786, or 'local' for a LocalCluster)"
            )
        try:
            dask_client = client(address, timeout="10s", set_as_default=True)
        except OSError as exc:
            raise SafedataError(
                f"--dask {address}: cannot reach the Dask scheduler ({exc}); start it, or use --dask local"
            ) from None
    session = DaskSession(dask_client, address, partitions)
    token = _ACTIVE.set(session)
    try:
        yield session
    finally:
        _ACTIVE.reset(token)
        dask_client.close()
        if cluster is not None:
            cluster.close()


@contextmanager
def pipeline_session(spec: ExecutionSpec | None) -> Iterator[DaskSession | None]:
    """The session a run uses: the CLI's when open, one opened for ``execution.engine: dask``, or ``None``."""
    current = active_session()
    if current is not None or spec is None or spec.engine != "dask":
        yield current
        return
    with dask_session(spec.address or "local", partitions=spec.partitions) as session:
        yield session
