"""A typed facade over the few dask / distributed calls the execution layer makes.

dask ships without type hints; every call into it goes through here, where each
function object is given its signature once (``cast``), so the rest of
:mod:`safedata_core.execution` stays strictly typed. dask is imported on first
use only (``safedata`` starts without the extra).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

__all__ = ["Closable", "client", "compute", "delayed", "local_cluster"]


class Closable(Protocol):
    """A distributed Client or LocalCluster (what a session closes)."""

    def close(self) -> Any:
        """Shut the client or cluster down."""


def compute(*objs: Any) -> tuple[Any, ...]:
    """``dask.compute(*objs)``: the computed values, in order."""
    import dask

    fn = cast(Callable[..., tuple[Any, ...]], dask.compute)
    return fn(*objs)


def delayed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``dask.delayed(fn)``: calling it builds a lazy task."""
    import dask

    wrap = cast(Callable[[Callable[..., Any]], Callable[..., Any]], dask.delayed)
    return wrap(fn)


def local_cluster(**options: Any) -> Closable:
    """``distributed.LocalCluster(**options)``."""
    from dask.distributed import LocalCluster

    return cast(Callable[..., Closable], LocalCluster)(**options)


def client(target: Any, **options: Any) -> Closable:
    """``distributed.Client(target, **options)`` (``target``: a cluster or a scheduler address)."""
    from dask.distributed import Client

    return cast(Callable[..., Closable], Client)(target, **options)
