"""Out-of-core execution on Dask: sessions, lazy readers and exact counts over partitions.

Local pandas is the default engine; ``execution: {engine: dask}`` in a pipeline or
``--dask ADDRESS`` on the CLI runs the supported work on a Dask cluster. Nothing
here imports dask at module import time: the heavy imports live inside the
functions that need them, so ``safedata`` starts fast without the extra.
"""

from __future__ import annotations

from safedata_core.execution.session import (
    DaskSession,
    active_session,
    dask_session,
    is_dask_frame,
    pipeline_session,
    require_dask,
)

__all__ = [
    "DaskSession",
    "active_session",
    "dask_session",
    "is_dask_frame",
    "pipeline_session",
    "require_dask",
]
