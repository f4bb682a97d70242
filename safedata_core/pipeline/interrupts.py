"""SIGINT / SIGTERM during a run: stop the step, close the run as aborted, then let the signal act.

While a run executes its steps, :class:`InterruptGuard` turns SIGINT and
SIGTERM into :class:`RunInterrupted`, which the runner catches like a failure:
it writes a ``run_aborted`` audit event naming the step, releases nothing and
writes the failure report. Outside the interruptible part (writing the report,
moving files into place) a signal is only remembered, so those writes are
never cut in half. When the run is closed, :meth:`InterruptGuard.redeliver`
restores the previous handlers and raises the remembered signal again: SIGINT
then becomes ``KeyboardInterrupt`` and SIGTERM ends the process as it would
have. Handlers are installed only in the main thread (Python delivers signals
there); elsewhere the guard does nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["InterruptGuard", "RunInterrupted"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(BaseException):
    """Raised inside a run's steps when SIGINT or SIGTERM arrives."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signame = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.signame}")


class InterruptGuard:
    """Installs SIGINT/SIGTERM handlers for one run (a context manager)."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self._raising = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.pending is None:
            self.pending = signum
        if self._raising:
            self._raising = False  # one exception per run: the abort must be able to finish
            raise RunInterrupted(signum)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Inside this block a signal raises :class:`RunInterrupted`; outside it is only remembered."""
        self._raising = True
        try:
            yield
        finally:
            self._raising = False

    def redeliver(self) -> None:
        """Raise the remembered signal again, now with the previous handlers in place."""
        if self.pending is not None and not self._previous:
            signum, self.pending = self.pending, None
            signal.raise_signal(signum)
