"""CPU work of a request, off the server process: parsing an upload, checking metadata against the rows.

The request handlers share one interpreter (one GIL): a request that parses a
CSV or validates a table holds up every other request, status polls included.
These functions run in a small pool of helper processes at normal priority (a
request waits for them; ``SAFEDATA_REQUEST_PROCESSES``, default 1, 0 = off), so
on a multi-core machine they use another core. The API awaits them
(:meth:`RequestPool.run_async`: the event loop serves other requests meanwhile);
a service call in a thread waits with :meth:`RequestPool.run`. Without the pool
(tests, embedded use) they run in the calling thread. Errors are :class:`Invalid` one-liners.
"""

from __future__ import annotations

import io
import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from safedata_server.services.context import Invalid

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["INLINE_BYTES", "Packed", "RequestPool", "check_metadata", "pack_upload"]

T = TypeVar("T")
# uploads under this size are parsed in the server process (under 2 ms): a helper's round trip (pickling both
# ways, two process wake-ups, the pool's management thread) costs about as much CPU as the parsing. A metadata
# check always goes to the helper: building the core Table costs several ms even for a few rows.
INLINE_BYTES = 64 * 1024
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class Packed(NamedTuple):
    """An upload once parsed: its rows as Parquet, the file's format, its size, and the checked metadata if sent."""

    data: bytes
    fmt: str
    rows: int
    columns: list[str]
    metadata: dict[str, Any] | None = None


def pack_upload(filename: str, content: bytes, doc: dict[str, Any] | None = None) -> Packed:
    """An uploaded CSV/Parquet file as :class:`Packed`, with ``doc`` (a metadata document, if sent with the file)
    checked against its rows; :class:`Invalid` if the file is unreadable or the metadata does not fit."""
    import pandas as pd

    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise Invalid(f"upload '{filename}': only .csv and .parquet files are accepted")
    try:
        df = pd.read_csv(io.BytesIO(content)) if fmt == "csv" else pd.read_parquet(io.BytesIO(content))
    except Exception as exc:  # any parser error is the caller's file
        raise Invalid(f"upload '{filename}': not a readable {fmt.upper()} file ({type(exc).__name__})") from None
    if df.empty or len(df.columns) == 0:
        raise Invalid(f"upload '{filename}': the file has no rows or no columns")
    df.columns = [str(c) for c in df.columns]
    stored = None if doc is None else _checked(df, doc, f"upload '{filename}'")
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return Packed(buf.getvalue(), fmt, len(df), list(df.columns), stored)


def check_metadata(parquet: bytes, doc: dict[str, Any], dataset_id: str) -> dict[str, Any]:
    """The metadata document to store, once checked against the dataset's rows; :class:`Invalid` if it does not fit."""
    import pandas as pd

    return _checked(pd.read_parquet(io.BytesIO(parquet)), doc, f"dataset {dataset_id}")


def _checked(frame: pd.DataFrame, doc: dict[str, Any], source: str) -> dict[str, Any]:
    """``doc`` as stored (defaults filled in), when the rows of ``frame`` can be read with it."""
    from safedata_core import DataError, Metadata, Table

    try:
        meta = Metadata.from_dict(doc, source="metadata")
        unknown = sorted(set(meta.columns) - set(frame.columns))
        if unknown:
            raise Invalid(f"metadata names columns the dataset does not have: {', '.join(unknown)}")
        Table.from_dataframe(frame, meta, source=source)
    except DataError as exc:
        raise Invalid(str(exc).splitlines()[0]) from None
    stored: dict[str, Any] = json.loads(meta.model_dump_json(exclude_none=True))
    return stored


def _init() -> None:
    from safedata_server.jobs.worker import _watch_parent

    _watch_parent()  # exit with the server, even when it is killed


def _warm() -> bool:
    import pandas  # noqa: F401

    import safedata_core.data  # noqa: F401

    return True


class RequestPool:
    """``processes`` spawned helpers (0: run in the calling thread). :meth:`run` blocks the calling thread only."""

    def __init__(self, processes: int) -> None:
        self._size = processes
        self._pool = self._new() if processes > 0 else None
        if self._pool is not None:  # start the helpers and import pandas and the core now, before the first request
            for warm in [self._pool.submit(_warm) for _ in range(processes)]:
                warm.result()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._size, mp_context=multiprocessing.get_context("spawn"), initializer=_init
        )

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            return fn(*args)
        try:
            return self._pool.submit(fn, *args).result()
        except BrokenProcessPool:  # a helper died (killed, out of memory): start afresh, run it here this once
            self._pool = self._new()
            return fn(*args)

    async def run_async(self, fn: Callable[..., T], *args: Any, here: bool = False) -> T:
        """:meth:`run` for the event loop: awaits the helper (other requests are served meanwhile); ``here``:
        run it in this thread (work so small that shipping it costs more than doing it, see :data:`INLINE_BYTES`)."""
        import asyncio

        if self._pool is None or here:
            return fn(*args)
        try:
            return await asyncio.wrap_future(self._pool.submit(fn, *args))
        except BrokenProcessPool:
            self._pool = self._new()
            return fn(*args)

    def shutdown(self) -> None:
        if self._pool is not None:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for proc in processes:
                if proc.is_alive():
                    proc.terminate()
