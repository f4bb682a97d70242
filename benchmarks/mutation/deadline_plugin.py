"""pytest plugin loaded into mutmut's mutant runs by benchmarks/mutation/run.py (copied as ``mutation_deadline.py``).

A mutant that turns a loop into an endless one (``hi *= 2`` -> ``hi /= 2`` in a bracketing loop) would
otherwise run until mutmut's limit for the whole covering test set, which for widely used functions is
minutes. Here every test of a mutant run gets its own deadline: ``FLOOR`` seconds plus ``FACTOR`` times
the duration mutmut recorded for it on the clean code. A test past its deadline ends the mutant's run with
exit status 36, which mutmut records as "timeout" (a detected mutant). The deadline counts the process's
CPU time (``ITIMER_PROF``), not wall time: on a loaded machine a correct test can take many times its
recorded duration in wall time while getting a fifth of a core (session 5: 7 of 30 marginal mutants,
among them a changed error text, "timed out" at load 9 with a wall-clock deadline), but its CPU time
stays what it was. A mutant that blocks without using CPU is left to mutmut's own wall-clock limit.

Only mutant runs are limited (``MUTANT_UNDER_TEST`` names a mutant); the stats and clean runs are not.

The recorded durations are warm: in the stats run a test's lazy imports were often paid by an earlier
test. A mutant's run starts cold, so its first test would pay them (torch.optim imports torch._dynamo on
first use: about 2 s, more on a loaded machine) and could pass its deadline on the clean code path.
``SAFEDATA_MUTATION_PRELOAD`` (comma-separated modules, targets.toml ``preload``) imports such modules at
pytest start-up: in mutmut's fork server (process_isolation = "forkserver") that happens once, before the
mutant processes are forked, so each of them starts warm. Importing does not start torch's thread pools,
so forking afterwards stays safe. ``SAFEDATA_MUTATION_DEADLINE_FLOOR`` (targets.toml ``deadline_floor``)
raises the floor where first calls stay slow.
"""

from __future__ import annotations

import functools
import importlib
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

FLOOR = float(os.environ.get("SAFEDATA_MUTATION_DEADLINE_FLOOR", "5"))
FACTOR = float(os.environ.get("SAFEDATA_MUTATION_DEADLINE_FACTOR", "10"))
TIMEOUT_EXIT = 36  # mutmut's exit code for "timeout"


@functools.cache
def _durations() -> dict[str, float]:
    try:
        from mutmut.state import state
    except ImportError:  # pragma: no cover - only loaded under mutmut
        return {}
    return dict(state().duration_by_test)


_CURRENT: dict[str, Any] = {}


def _on_alarm(signum: int, frame: Any) -> None:
    log = os.environ.get("SAFEDATA_MUTATION_TIMEOUT_LOG")
    if log:  # which test of which mutant ran out (run.py keeps it in the work folder)
        with open(log, "a") as f:
            f.write(f"{os.environ.get('MUTANT_UNDER_TEST', '')}\t{_CURRENT.get('test')}\t{_CURRENT.get('limit')}\n")
    os._exit(TIMEOUT_EXIT)


def pytest_configure(config: pytest.Config) -> None:
    for name in filter(None, os.environ.get("SAFEDATA_MUTATION_PRELOAD", "").split(",")):
        importlib.import_module(name.strip())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        yield
        return
    limit = FLOOR + FACTOR * _durations().get(item.nodeid, 0.0)
    _CURRENT.update(test=item.nodeid, limit=round(limit, 1))
    previous = signal.signal(signal.SIGPROF, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
