"""Progress inside a step: a component reports epochs or rounds; the runner forwards them to ``on_progress``.

A component calls :func:`report_progress` (``done`` of ``total`` units, plus
DP-safe figures such as the epsilon spent so far) from its training loop. Outside a
pipeline run it does nothing, so components stay usable on their own. The runner
installs the forwarder with :func:`progress_reporter` while a step runs; an
exception raised by a hook (a cancelled job) propagates into the component's loop
and stops the step.

Only report DP quantities in ``info``: never a loss or an error computed on real rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["ProgressCallback", "progress_reporter", "report_progress"]

ProgressCallback = Callable[[int, "int | None", str, Mapping[str, object]], None]

_CURRENT: ContextVar[ProgressCallback | None] = ContextVar("safedata_progress", default=None)


def report_progress(done: int, total: int | None, unit: str, **info: object) -> None:
    """Tell the running pipeline that ``done`` of ``total`` units (``unit``: ``"epoch"``, ``"round"``) are done."""
    callback = _CURRENT.get()
    if callback is not None:
        callback(int(done), None if total is None else int(total), unit, info)


@contextmanager
def progress_reporter(callback: ProgressCallback) -> Iterator[None]:
    """Route :func:`report_progress` calls made inside the ``with`` block (same thread) to ``callback``."""
    token = _CURRENT.set(callback)
    try:
        yield
    finally:
        _CURRENT.reset(token)
